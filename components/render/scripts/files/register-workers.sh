#!/usr/bin/env bash
# Re-registers a service's replicas with its sglang-router: the router drops a worker whose
# requests and /health fail, and never re-adds it by itself. Adding a worker that is already
# registered is refused (HTTP 400), so running this often is harmless.
# Header (components/render/scripts/register-workers.ts): ROUTER WORKERS

set -uo pipefail
for worker in "${WORKERS[@]}"; do
  curl -fsS --max-time 5 --output /dev/null "${worker}/health" 2>/dev/null || continue
  if out=$(curl -fsS --max-time 30 -X POST "${ROUTER}/add_worker?url=${worker}" 2>/dev/null); then
    echo "added ${worker}: ${out}"
  fi
done
exit 0
