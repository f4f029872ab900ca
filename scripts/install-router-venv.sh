#!/usr/bin/env bash
# Installs the router the serving tests run (test/render/proxy/) into .tools/router, a venv of the
# system python3, from PyPI with every wheel's sha256 checked (components/sglang/router-requirements.txt).
# Idempotent: an existing venv whose installed versions match the pins is kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
req="$root/components/sglang/router-requirements.txt"
venv="$root/.tools/router"
want="$(grep -E '^[A-Za-z0-9_.-]+==' "$req" | sed 's/ .*//' | tr 'A-Z_' 'a-z-' | sort)"
if [ -x "$venv/bin/python" ]; then
  have="$("$venv/bin/python" -m pip freeze --all 2>/dev/null | tr 'A-Z_' 'a-z-' | grep -E "^($(echo "$want" | sed 's/==.*//' | paste -sd'|'))==" | sort || true)"
  if [ "$have" = "$want" ]; then
    echo "router venv present: $(echo "$want" | paste -sd' ')"
    exit 0
  fi
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes -r "$req"
"$venv/bin/python" -c "import smg.launch_router"
echo "installed router venv: $(echo "$want" | paste -sd' ')"
