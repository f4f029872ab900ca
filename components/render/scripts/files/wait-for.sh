#!/bin/bash
# qwen-serving: wait until every file given exists (the GPU check's stamp, a model's completion
# marker); an SGLang unit runs this in ExecStartPre and restarts until it passes, so it starts by
# itself once its gates are open.
#   wait-for.sh <file>...
# Header (components/render/aws/gpu-units.ts): WAIT_SECONDS

set -euo pipefail

for file in "$@"; do
  waited=0
  until [[ -e "$file" ]]; do
    if (( waited >= WAIT_SECONDS )); then
      printf 'qwen-wait: still waiting for %s after %ss; retrying\n' "$file" "$waited" >&2
      exit 1
    fi
    if (( waited == 0 )); then printf 'qwen-wait: waiting for %s\n' "$file" >&2; fi
    sleep 2
    waited=$(( waited + 2 ))
  done
done
