#!/usr/bin/env bash
# Installs the real tools the tests run against rendered files (Debian/Ubuntu, as root or via sudo):
# ShellCheck (scripts), pyflakes3 (Python sources), cloud-init (cloud-init schema), prometheus + promtool (config, rules, live
# scrape), systemd (systemd-analyze verify); curl, python3 and flock (util-linux) run the rendered
# download and example scripts for real; qemu, mmdebstrap and cloud-image-utils build and boot the
# boot test's guest (test/boot/, scripts/boot/build-image.sh).
set -euo pipefail

packages=(shellcheck cloud-init prometheus systemd curl python3 util-linux qemu-system-x86 qemu-utils mmdebstrap cloud-image-utils e2fsprogs python3-pyflakes)
# nginx and its njs module: the front proxy (test/render/proxy/); python3-venv: the pinned router's venv;
# iproute2 (ip) and util-linux (unshare, nsenter): the AWS node's proxy runs in its own network namespace.
packages+=(nginx-light libnginx-mod-http-js python3-venv iproute2)
# openssh-client: ssh -G judges the docker hosts' connection-sharing options (test/docker/).
packages+=(openssh-client)
# prometheus-alertmanager: amtool check-config and a real Alertmanager (test/render/monitoring/).
packages+=(prometheus-alertmanager)
missing=()
for tool in shellcheck cloud-init promtool prometheus systemd-analyze curl python3 flock qemu-system-x86_64 qemu-img mmdebstrap cloud-localds mkfs.ext4 pyflakes3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
for tool in nginx /usr/lib/nginx/modules/ngx_http_js_module.so ip unshare nsenter ssh amtool prometheus-alertmanager; do [ -e "$(command -v "$tool" || echo "$tool")" ] || missing+=("$tool"); done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "test tools present: shellcheck cloud-init promtool prometheus systemd-analyze curl python3 flock qemu-system-x86_64 qemu-img mmdebstrap cloud-localds mkfs.ext4 pyflakes3"
  bash "$(dirname "$0")/install-router-venv.sh"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# --no-install-recommends keeps prometheus from pulling its web UI assets and exporters.
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "installed: ${packages[*]}"
bash "$(dirname "$0")/install-router-venv.sh"
