#!/bin/bash
# Installs the router into SITE, a Docker volume the router containers mount read-only, with the
# pinned SGLang image's own Python and the recipe of the AWS router image
# (components/render/aws/router-units.ts): REQUIREMENTS is router-requirements.txt, so
# --require-hashes checks the sha256 of every wheel, --no-deps leaves SGLang's pinned packages
# alone, and the import check fails the install when the router cannot load.
# Rendered by components/docker/containers/router.ts: the requirements file, the install folder and
# the router's module.
# Header: REQUIREMENTS SITE MODULE
set -euo pipefail
python3 -m pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: --upgrade --target "$SITE" -r "$REQUIREMENTS"
PYTHONPATH="$SITE" python3 -c "import $MODULE"
