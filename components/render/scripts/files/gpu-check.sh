#!/bin/bash
# qwen-serving: check the GPUs before SGLang starts.
#   gpu-check.sh <stamp>   the stamp file is written when every check passed (SGLang waits for it)
# Header (components/render/aws/gpu-check.ts): EXPECTED INSTANCE_TYPE NVSWITCH IMAGE

set -euo pipefail

STAMP=${1:-}
# How long Fabric Manager may take to train the NVSwitch fabric after it starts.
FABRIC_WAIT=600

log() { printf 'qwen-gpu-check: %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  log "the SGLang services on this node stay stopped until this check passes; systemd runs it again in 30 s (systemctl restart qwen-gpu-check.service runs it now)"
  exit 1
}

[[ -z "$STAMP" ]] || rm -f "$STAMP"

command -v nvidia-smi >/dev/null || fail "nvidia-smi is missing: no NVIDIA driver is installed"
list=$(nvidia-smi -L 2>&1) || fail "nvidia-smi cannot reach the driver: $list"
seen=$(grep -c '^GPU ' <<< "$list" || true)
(( seen == EXPECTED )) || fail "$INSTANCE_TYPE has $EXPECTED GPUs but nvidia-smi sees $seen"
if (( NVSWITCH )); then
  systemctl is-active --quiet nvidia-fabricmanager || systemctl start nvidia-fabricmanager \
    || fail "nvidia-fabricmanager is not running: NVSwitch GPUs cannot initialise CUDA without it"
  # Fabric Manager is up before the fabric is trained; CUDA fails on every GPU until it is.
  for (( waited = 0; ; waited += 5 )); do
    states=$(nvidia-smi -q | awk '/^ *Fabric *$/ { f = 1; next } f && /State/ { sub(/.*: */, ""); print; f = 0 }')
    # No fabric section at all: a driver that does not report it; the CUDA probe below still decides.
    if [[ -z "$states" ]] || ! grep -qv '^Completed$' <<< "$states"; then break; fi
    (( waited < FABRIC_WAIT )) || fail "the NVSwitch fabric is not ready after ${FABRIC_WAIT}s (fabric state: $(sort -u <<< "$states" | paste -sd, -))"
    sleep 5
  done
fi

# Pulled once: a reboot, or a Docker Hub outage, must not need the registry again.
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  for n in 1 2 3 4 5; do
    docker pull -q "$IMAGE" >/dev/null && break
    (( n < 5 )) || fail "cannot pull $IMAGE"
    log "pulling $IMAGE failed (try $n of 5)"
    sleep $(( n * 20 ))
  done
fi
# CUDA initialised on every GPU inside the serving image proves driver, toolkit and fabric together.
probe='import torch; n = torch.cuda.device_count(); [torch.ones(1, device=f"cuda:{i}") for i in range(n)]; print(n)'
inside=$(docker run --rm --gpus all "$IMAGE" python3 -c "$probe" 2>&1) \
  || fail "a container cannot use the GPUs (NVIDIA Container Toolkit, nvidia-ctk runtime configure, Fabric Manager): $(tail -n 3 <<< "$inside")"
seen=$(tail -n 1 <<< "$inside")
[[ "$seen" == "$EXPECTED" ]] || fail "a container initialises CUDA on $seen of $EXPECTED GPUs"
if [[ -n "$STAMP" ]]; then
  mkdir -p "$(dirname "$STAMP")"
  touch "$STAMP"
fi
log "ok: $EXPECTED GPUs answer on the host and initialise CUDA in $IMAGE"
