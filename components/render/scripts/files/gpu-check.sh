#!/bin/bash
# qwen-serving: check the GPUs before SGLang starts.
# Header (components/render/aws/gpu-check.ts): EXPECTED INSTANCE_TYPE NVSWITCH IMAGE

set -euo pipefail

log() { printf 'qwen-gpu-check: %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  log "the SGLang services on this node stay stopped until this check passes (systemctl restart qwen-gpu-check.service)"
  exit 1
}

command -v nvidia-smi >/dev/null || fail "nvidia-smi is missing: no NVIDIA driver is installed"
list=$(nvidia-smi -L 2>&1) || fail "nvidia-smi cannot reach the driver: $list"
seen=$(grep -c '^GPU ' <<< "$list" || true)
(( seen == EXPECTED )) || fail "$INSTANCE_TYPE has $EXPECTED GPUs but nvidia-smi sees $seen"
if (( NVSWITCH )); then
  systemctl is-active --quiet nvidia-fabricmanager || systemctl start nvidia-fabricmanager \
    || fail "nvidia-fabricmanager is not running: NVSwitch GPUs cannot initialise CUDA without it"
fi

for n in 1 2 3 4 5; do
  docker pull -q "$IMAGE" >/dev/null && break
  (( n < 5 )) || fail "cannot pull $IMAGE"
  log "pulling $IMAGE failed (try $n of 5)"
  sleep $(( n * 20 ))
done
# CUDA initialised on every GPU inside the serving image proves driver, toolkit and fabric together.
probe='import torch; n = torch.cuda.device_count(); [torch.ones(1, device=f"cuda:{i}") for i in range(n)]; print(n)'
inside=$(docker run --rm --gpus all "$IMAGE" python3 -c "$probe" 2>&1) \
  || fail "a container cannot use the GPUs (NVIDIA Container Toolkit, nvidia-ctk runtime configure, Fabric Manager): $(tail -n 3 <<< "$inside")"
seen=$(tail -n 1 <<< "$inside")
[[ "$seen" == "$EXPECTED" ]] || fail "a container initialises CUDA on $seen of $EXPECTED GPUs"
log "ok: $EXPECTED GPUs answer on the host and initialise CUDA in $IMAGE"
