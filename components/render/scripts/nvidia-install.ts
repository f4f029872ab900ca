import { script, shq } from "./shell";
import { NODE_PATHS } from "./node-paths";

export interface NvidiaInstallOptions {
  /** NVIDIA server driver branch; 580 is the current long-lived branch on jammy and noble. @default 580 */
  readonly branch?: number;
  /** The instance has an NVSwitch fabric (8-GPU P types): install Fabric Manager at the driver's version. */
  readonly nvswitch: boolean;
}

/** The NVIDIA driver package: server branch, open kernel modules (required on Blackwell, recommended since Turing). */
export const driverPackage = (branch: number) => `nvidia-driver-${branch}-server-open`;
export const fabricManagerPackage = (branch: number) => `nvidia-fabricmanager-${branch}`;

/**
 * Plain Ubuntu 22.04/24.04 to a GPU container host, idempotently: the NVIDIA server driver (open
 * modules), Docker, the NVIDIA Container Toolkit from NVIDIA's apt repository wired into Docker with
 * `nvidia-ctk runtime configure`, and on NVSwitch types Fabric Manager at exactly the driver's
 * upstream version. Driver and Fabric Manager are held so unattended upgrades cannot split them.
 * Also the AWS CLI (a snap), which the DLAMI ships and boot-time secret fetches use.
 * When the new module cannot load without a reboot, the node reboots once (a stamp stops loops).
 */
export function renderNvidiaInstallScript(opts: NvidiaInstallOptions): string {
  const branch = opts.branch ?? 580;
  return script([
    "#!/bin/bash",
    "# qwen-serving: NVIDIA driver, Docker and NVIDIA Container Toolkit on plain Ubuntu; safe to re-run.",
    "set -euo pipefail",
    "export DEBIAN_FRONTEND=noninteractive",
    "",
    `DRIVER_PKG=${shq(driverPackage(branch))}`,
    `UTILS_PKG=${shq(`nvidia-utils-${branch}-server`)}`,
    `FM_PKG=${shq(fabricManagerPackage(branch))}`,
    `NVSWITCH=${opts.nvswitch ? 1 : 0}`,
    `STATE_DIR=${shq(NODE_PATHS.state)}`,
    "KEYRING=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
    "REPO_LIST=/etc/apt/sources.list.d/nvidia-container-toolkit.list",
    "NVIDIA_REPO=https://nvidia.github.io/libnvidia-container",
    "DOCKER_CONFIG=/etc/docker/daemon.json",
    "",
    "log() { printf 'qwen-nvidia: %s\\n' \"$*\" >&2; }",
    "fail() { log \"FAILED: $*\"; exit 1; }",
    "installed() { dpkg-query -W -f='${Status}' \"$1\" 2>/dev/null | grep -q 'install ok installed'; }",
    "apt_get() {",
    "  local n",
    "  for n in 1 2 3 4 5; do",
    '    apt-get -o DPkg::Lock::Timeout=600 "$@" && return 0',
    '    log "apt-get $1 failed (try $n of 5)"',
    "    sleep $(( n * 15 ))",
    "  done",
    "  return 1",
    "}",
    "",
    "# NVIDIA's apt repository for the container toolkit, signed by its own key.",
    'if [[ ! -s "$KEYRING" ]]; then',
    '  curl -fsSL --retry 5 "$NVIDIA_REPO/gpgkey" | gpg --dearmor --yes -o "$KEYRING.tmp"',
    '  mv -f "$KEYRING.tmp" "$KEYRING"',
    "fi",
    'if [[ ! -s "$REPO_LIST" ]]; then',
    '  curl -fsSL --retry 5 "$NVIDIA_REPO/stable/deb/nvidia-container-toolkit.list" \\',
    '    | sed "s#deb https://#deb [signed-by=$KEYRING] https://#g" > "$REPO_LIST.tmp"',
    '  mv -f "$REPO_LIST.tmp" "$REPO_LIST"',
    "fi",
    "",
    "need=()",
    'installed "$DRIVER_PKG" || need+=("$DRIVER_PKG" "linux-headers-$(uname -r)")',
    "installed docker.io || command -v docker >/dev/null || need+=(docker.io)",
    "installed nvidia-container-toolkit || need+=(nvidia-container-toolkit)",
    "if (( ${#need[@]} )); then",
    '  log "installing ${need[*]}"',
    "  apt_get update",
    '  apt_get install -y --no-install-recommends "${need[@]}" || fail "cannot install ${need[*]}"',
    "fi",
    "hold=(\"$DRIVER_PKG\" \"$UTILS_PKG\")",
    "",
    "if (( NVSWITCH )); then",
    "  # Fabric Manager refuses to start unless its version equals the driver's.",
    "  driver=$(dpkg-query -W -f='${Version}' \"$DRIVER_PKG\")",
    '  upstream="${driver%%-*}"',
    '  if ! installed "$FM_PKG"; then',
    "    fm=$(apt-cache madison \"$FM_PKG\" | awk -v u=\"$upstream-\" 'index($3, u) == 1 { print $3; exit }')",
    '    [[ -n "$fm" ]] || fail "no $FM_PKG build for driver $upstream: the NVSwitch GPUs would be unusable"',
    '    apt_get install -y --no-install-recommends "$FM_PKG=$fm" || fail "cannot install $FM_PKG=$fm"',
    "  fi",
    "  fm=$(dpkg-query -W -f='${Version}' \"$FM_PKG\")",
    '  [[ "${fm%%-*}" == "$upstream" ]] || fail "$FM_PKG is $fm but the driver is $driver"',
    '  hold+=("$FM_PKG")',
    "  systemctl enable --now nvidia-fabricmanager",
    "fi",
    'apt-mark hold "${hold[@]}" >/dev/null',
    "",
    "# Make docker's nvidia runtime known; restart docker only when the config changed.",
    'before=$(cat "$DOCKER_CONFIG" 2>/dev/null || true)',
    'nvidia-ctk runtime configure --runtime=docker --config="$DOCKER_CONFIG"',
    'if [[ "$(cat "$DOCKER_CONFIG")" != "$before" ]]; then',
    "  systemctl restart docker",
    "fi",
    "systemctl enable --now docker",
    "",
    "# The API-key fetch (render/api-key.ts) calls the AWS CLI, which the DLAMI has and Ubuntu lacks.",
    "if ! command -v aws >/dev/null; then",
    "  snap install aws-cli --classic",
    "  ln -sf /snap/bin/aws /usr/local/bin/aws",
    "fi",
    "",
    "if ! nvidia-smi -L >/dev/null 2>&1; then",
    "  modprobe nvidia || true",
    "fi",
    "if ! nvidia-smi -L >/dev/null 2>&1; then",
    '  if [[ ! -e "$STATE_DIR/driver-reboot" ]]; then',
    '    mkdir -p "$STATE_DIR"',
    '    touch "$STATE_DIR/driver-reboot"',
    '    log "the NVIDIA module needs a reboot to load; rebooting once"',
    "    systemctl --no-block reboot",
    "    # Hold dependants back until the reboot takes us down.",
    "    exec sleep infinity",
    "  fi",
    '  fail "the NVIDIA driver does not load even after a reboot (see: dmesg | grep -i nvidia)"',
    "fi",
    'log "driver $(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n 1) ready"',
  ]);
}
