#!/bin/bash
# qwen-serving SGLang health check, Docker's HEALTHCHECK of an SGLang container:
# `sglang-health.sh PORT`. Healthy = /health_generate answers 2xx within the timeout: it pushes a
# one-token generation through the scheduler (SGLang answers 503 after its own 20 s), so a wedged
# engine (an NCCL hang, a dead TP rank) fails it while /health still answers 200.
# Docker itself never restarts an unhealthy container, so this check does: after RESTART_AFTER
# failures in a row, once the server has answered at least once (a server still loading is Docker's
# start period, not a failure), it sends SIGTERM to PID 1 (docker-init, `--init`, forwards it to
# SGLang), the container exits, and its restart policy (unless-stopped) starts it again.
# Rendered by components/docker/containers/sglang.ts.
# Header (components/docker/containers/sglang.ts): TIMEOUT RESTART_AFTER
set -u

port=${1:?usage: sglang-health.sh PORT}
state=${QWEN_HEALTH_STATE:-/tmp/qwen-health}
target=${QWEN_HEALTH_PID:-1}
mkdir -p "$state"

if curl -fsS -o /dev/null --max-time "$TIMEOUT" "http://127.0.0.1:$port/health_generate"; then
  : > "$state/answered"
  rm -f "$state/failures"
  exit 0
fi

[[ -e "$state/answered" ]] || exit 1
failures=$(( $(cat "$state/failures" 2>/dev/null || echo 0) + 1 ))
echo "$failures" > "$state/failures"
if (( failures >= RESTART_AFTER )); then
  echo "qwen-serving: /health_generate failed $failures times in a row; restarting the server" >&2
  rm -f "$state/failures" "$state/answered"
  kill -TERM "$target"
fi
exit 1
