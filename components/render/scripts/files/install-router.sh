#!/bin/bash
# Installs sglang-router into SITE, a Docker volume the router containers mount read-only, with the
# pinned SGLang image's own Python: `==` pins the release, --no-deps leaves SGLang's pinned packages
# alone, and the import check fails the install when the router cannot load (the same recipe as
# the AWS router image, without building one).
# Rendered by components/docker/containers/router.ts: the pinned requirement, the install folder
# and the router's module.
# Header: REQUIREMENT SITE MODULE
set -euo pipefail
python3 -m pip install --no-cache-dir --no-deps --only-binary=:all: --upgrade --target "$SITE" "$REQUIREMENT"
PYTHONPATH="$SITE" python3 -c "import $MODULE"
