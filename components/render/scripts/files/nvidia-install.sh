#!/bin/bash
# qwen-serving: NVIDIA driver, Docker and NVIDIA Container Toolkit on plain Ubuntu; safe to re-run.
# Header (components/render/aws/nvidia-install.ts): DRIVER_PKG UTILS_PKG FM_PKG NVSWITCH STATE_DIR

set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

KEYRING=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg
REPO_LIST=/etc/apt/sources.list.d/nvidia-container-toolkit.list
NVIDIA_REPO=https://nvidia.github.io/libnvidia-container
DOCKER_CONFIG=/etc/docker/daemon.json

log() { printf 'qwen-nvidia: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
apt_get() {
  local n
  for n in 1 2 3 4 5; do
    apt-get -o DPkg::Lock::Timeout=600 "$@" && return 0
    log "apt-get $1 failed (try $n of 5)"
    sleep $(( n * 15 ))
  done
  return 1
}

# NVIDIA's apt repository for the container toolkit, signed by its own key.
if [[ ! -s "$KEYRING" ]]; then
  curl -fsSL --retry 5 "$NVIDIA_REPO/gpgkey" | gpg --dearmor --yes -o "$KEYRING.tmp"
  mv -f "$KEYRING.tmp" "$KEYRING"
fi
if [[ ! -s "$REPO_LIST" ]]; then
  curl -fsSL --retry 5 "$NVIDIA_REPO/stable/deb/nvidia-container-toolkit.list" \
    | sed "s#deb https://#deb [signed-by=$KEYRING] https://#g" > "$REPO_LIST.tmp"
  mv -f "$REPO_LIST.tmp" "$REPO_LIST"
fi

need=()
installed "$DRIVER_PKG" || need+=("$DRIVER_PKG" "linux-headers-$(uname -r)")
installed docker.io || command -v docker >/dev/null || need+=(docker.io)
installed nvidia-container-toolkit || need+=(nvidia-container-toolkit)
if (( ${#need[@]} )); then
  log "installing ${need[*]}"
  apt_get update
  apt_get install -y --no-install-recommends "${need[@]}" || fail "cannot install ${need[*]}"
fi
hold=("$DRIVER_PKG" "$UTILS_PKG")

if (( NVSWITCH )); then
  # Fabric Manager refuses to start unless its version equals the driver's.
  driver=$(dpkg-query -W -f='${Version}' "$DRIVER_PKG")
  upstream="${driver%%-*}"
  if ! installed "$FM_PKG"; then
    fm=$(apt-cache madison "$FM_PKG" | awk -v u="$upstream-" 'index($3, u) == 1 { print $3; exit }')
    [[ -n "$fm" ]] || fail "no $FM_PKG build for driver $upstream: the NVSwitch GPUs would be unusable"
    apt_get install -y --no-install-recommends "$FM_PKG=$fm" || fail "cannot install $FM_PKG=$fm"
  fi
  fm=$(dpkg-query -W -f='${Version}' "$FM_PKG")
  [[ "${fm%%-*}" == "$upstream" ]] || fail "$FM_PKG is $fm but the driver is $driver"
  hold+=("$FM_PKG")
  systemctl enable --now nvidia-fabricmanager
fi
apt-mark hold "${hold[@]}" >/dev/null

# Make docker's nvidia runtime known; restart docker only when the config changed.
before=$(cat "$DOCKER_CONFIG" 2>/dev/null || true)
nvidia-ctk runtime configure --runtime=docker --config="$DOCKER_CONFIG"
if [[ "$(cat "$DOCKER_CONFIG")" != "$before" ]]; then
  systemctl restart docker
fi
systemctl enable --now docker

# The API-key fetch (render/aws/api-key.ts) calls the AWS CLI, which the DLAMI has and Ubuntu lacks.
if ! command -v aws >/dev/null; then
  snap install aws-cli --classic
  ln -sf /snap/bin/aws /usr/local/bin/aws
fi

if ! nvidia-smi -L >/dev/null 2>&1; then
  modprobe nvidia || true
fi
if ! nvidia-smi -L >/dev/null 2>&1; then
  if [[ ! -e "$STATE_DIR/driver-reboot" ]]; then
    mkdir -p "$STATE_DIR"
    touch "$STATE_DIR/driver-reboot"
    log "the NVIDIA module needs a reboot to load; rebooting once"
    systemctl --no-block reboot
    # Hold dependants back until the reboot takes us down.
    exec sleep infinity
  fi
  fail "the NVIDIA driver does not load even after a reboot (see: dmesg | grep -i nvidia)"
fi
log "driver $(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n 1) ready"
