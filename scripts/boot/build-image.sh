#!/usr/bin/env bash
# Builds the boot test's guest image: Debian 12 (bookworm) from Debian's packages with mmdebstrap,
# plus the stand-ins of test/boot/guest/rootfs (fake GPUs, Docker, AWS CLI, model hub, report).
# No root loop mounts: the root filesystem image is made from a folder with `mkfs.ext4 -d`.
#
#   bash scripts/boot/build-image.sh [CACHE_DIR]      prints the image folder on stdout
#
# Two cached stages under CACHE_DIR (default .cache/boot, git-ignored), each keyed on a hash of
# its inputs so an unchanged input never rebuilds:
#   base-<key>.tar   the Debian root (package list + this script): about 2 minutes from cold
#   image-<key>/     root.img (ext4), vmlinuz, initrd.img: base + the guest files, seconds
# Needs root (mmdebstrap --mode=root and file ownership in the image), mmdebstrap, e2fsprogs.
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE_DIR="${1:-.cache/boot}"
GUEST_DIR=test/boot/guest
SUITE=bookworm
MIRROR="${BOOT_IMAGE_MIRROR:-http://deb.debian.org/debian}"
# What the DLAMI gives a node, as far as the user-data uses it, plus what the stand-ins run on.
PACKAGES=(
  linux-image-amd64 initramfs-tools systemd-sysv udev dbus cloud-init python3 curl ca-certificates
  xfsprogs nvme-cli iproute2 util-linux procps kmod e2fsprogs locales
  # The front proxy container runs the real nginx (Debian's 1.22.1, as the proxy was proven with).
  nginx-light libnginx-mod-http-js
)

log() { printf 'build-image: %s\n' "$*" >&2; }
for tool in mmdebstrap mkfs.ext4 sha256sum tar; do
  command -v "$tool" >/dev/null || { log "$tool is missing: bash scripts/install-test-tools.sh installs it"; exit 2; }
done
[[ "$(id -u)" == 0 ]] || { log "needs root (mmdebstrap --mode=root, file ownership inside the image)"; exit 2; }

mkdir -p "$CACHE_DIR"
# Boot test files run in parallel and each asks for the image: one builds, the others wait for it.
exec 9> "$CACHE_DIR/.build.lock"
flock 9
base_key=$({ printf '%s\n' "$SUITE" "$MIRROR" "${PACKAGES[@]}"; sed -n '/^# base-stage-begin/,/^# base-stage-end/p' "$0"; } | sha256sum | cut -c1-16)
base="$CACHE_DIR/base-$base_key.tar"

# base-stage-begin
if [[ ! -s "$base" ]]; then
  log "building the Debian $SUITE base (cold: about 2 minutes) into $base"
  # C.UTF-8 needs no generated locale; cloud-init's locale module and Python are happy with it.
  mmdebstrap --mode=root --variant=apt --format=tar \
    --include="$(IFS=,; echo "${PACKAGES[*]}")" \
    --customize-hook='echo "LANG=C.UTF-8" > "$1/etc/default/locale"' \
    --customize-hook='rm -f "$1/etc/machine-id" && touch "$1/etc/machine-id"' \
    "$SUITE" "$base.tmp" "$MIRROR" >&2
  mv -f "$base.tmp" "$base"
fi
# base-stage-end

image_key=$({ printf '%s\n' "$base_key"; sed -n '/^# image-stage-begin/,/^# image-stage-end/p' "$0";
  (cd "$GUEST_DIR" && find . -type f -print0 | sort -z | xargs -0 sha256sum; find . -type f -printf '%m %p\n' | sort); } | sha256sum | cut -c1-16)
out="$CACHE_DIR/image-$image_key"
if [[ -s "$out/root.img" ]]; then
  echo "$out"
  exit 0
fi

# image-stage-begin
log "assembling the guest image $out"
work=$(mktemp -d "$CACHE_DIR/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"
tar -C "$root" -xf "$base"
cp -a "$GUEST_DIR/rootfs/." "$root/"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$root/etc/fstab"
# Count every mkfs.xfs: the test asserts the cache volume is formatted exactly once.
mv "$root/usr/sbin/mkfs.xfs" "$root/usr/sbin/mkfs.xfs.real"
ln -s /usr/lib/qtest/mkfs-xfs-counter "$root/usr/sbin/mkfs.xfs"
# The stand-in services start at boot, as the DLAMI's own would.
for unit in docker.service nvidia-fabricmanager.service nvidia-persistenced.service fake-hub.service qtest-report.service qtest-scenario.service; do
  ln -sf "/etc/systemd/system/$unit" "$root/etc/systemd/system/multi-user.target.wants/$unit"
done
# No serial getty racing the report on ttyS1, no timers that do work during a short boot.
rm -f "$root"/etc/systemd/system/*.wants/apt-daily* "$root"/etc/systemd/system/timers.target.wants/*
kernel=$(find "$root/boot" -name 'vmlinuz-*' | sort | tail -n 1)
initrd=$(find "$root/boot" -name 'initrd.img-*' | sort | tail -n 1)
[[ -n "$kernel" && -n "$initrd" ]] || { log "no kernel or initrd in the base"; exit 1; }
mkdir -p "$work/out"
cp "$kernel" "$work/out/vmlinuz"
cp "$initrd" "$work/out/initrd.img"
mkfs.ext4 -q -F -L qtest-root -d "$root" "$work/out/root.img" 3G >&2
rm -rf "$out"
mv "$work/out" "$out"
# image-stage-end
# Older images of this cache are stale: keep the newest base and image only.
find "$CACHE_DIR" -maxdepth 1 \( -name 'image-*' ! -name "image-$image_key" -o -name 'base-*.tar' ! -name "base-$base_key.tar" \) -exec rm -rf {} +
echo "$out"
