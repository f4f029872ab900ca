import { MODELS_MOUNT } from "../../sglang/launch-args";
import { script, shq } from "./shell";

export interface MountCacheOptions {
  /** EBS volume id (`vol-...`) of the weight cache. */
  readonly volumeId: string;
  /** Where the cache is mounted on the host. @default MODELS_MOUNT ("/models") */
  readonly mountPoint?: string;
  /** How long to wait for the volume to be attached, seconds. @default 1800 */
  readonly waitSeconds?: number;
}

/** Filesystem label of a cache this script formatted. */
export const CACHE_LABEL = "qwen-models";

/** The stable NVMe path of an EBS volume on Nitro instances (udev names it by the volume id). */
export function ebsDevicePath(volumeId: string): string {
  return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
}

/**
 * Mounts the weight-cache volume at one fixed path, idempotently: waits for the volume's NVMe
 * by-id device (the attachment is created after the instance, so it may appear minutes into boot),
 * formats it only when blkid finds no signature at all, adds one fstab line by UUID with `nofail`
 * (a missing volume must not stop the node from booting), and mounts it unless it is mounted.
 */
export function renderMountCacheScript(opts: MountCacheOptions): string {
  if (!/^vol-[0-9a-f]{8,17}$/.test(opts.volumeId)) throw new Error(`renderMountCacheScript: '${opts.volumeId}' is not an EBS volume id`);
  const mountPoint = opts.mountPoint ?? MODELS_MOUNT;
  return script([
    "#!/bin/bash",
    "# qwen-serving: mount the weight cache volume; safe to run any number of times.",
    "set -euo pipefail",
    "",
    `VOLUME_ID=${shq(opts.volumeId)}`,
    `DEVICE=${shq(ebsDevicePath(opts.volumeId))}`,
    `MOUNT_POINT=${shq(mountPoint)}`,
    `FSTAB=${shq("/etc/fstab")}`,
    `LABEL=${shq(CACHE_LABEL)}`,
    `WAIT_SECONDS=${opts.waitSeconds ?? 1800}`,
    "",
    "log() { printf 'qwen-cache: %s\\n' \"$*\" >&2; }",
    "",
    "waited=0",
    'until [[ -e "$DEVICE" ]]; do',
    "  if (( waited >= WAIT_SECONDS )); then",
    '    log "volume $VOLUME_ID is still not attached after ${WAIT_SECONDS}s ($DEVICE is missing); check the VolumeAttachment"',
    "    exit 1",
    "  fi",
    "  sleep 5",
    "  waited=$(( waited + 5 ))",
    "done",
    'dev=$(readlink -f "$DEVICE")',
    "",
    "# blkid -p probes the device itself (no cache): 0 = a signature was found, 2 = none at all.",
    "# Anything else (an ambivalent probe, an I/O error) is not proof of a blank disk: stop.",
    "probe=0",
    'blkid -p "$dev" >/dev/null 2>&1 || probe=$?',
    'if (( probe == 2 )); then',
    '  log "$dev ($VOLUME_ID) is blank: creating an xfs filesystem"',
    '  mkfs.xfs -q -L "$LABEL" "$dev"',
    "elif (( probe != 0 )); then",
    '  log "cannot tell whether $dev holds data (blkid exit $probe); not formatting it"',
    "  exit 1",
    "fi",
    'fstype=$(blkid -p -o value -s TYPE "$dev")',
    'uuid=$(blkid -p -o value -s UUID "$dev")',
    'if [[ -z "$fstype" || -z "$uuid" ]]; then',
    '  log "$dev holds a signature but no filesystem with a UUID (partition table?); not touching it"',
    "  exit 1",
    "fi",
    "",
    'mkdir -p "$MOUNT_POINT"',
    'entry="UUID=$uuid $MOUNT_POINT $fstype defaults,noatime,nofail 0 2"',
    'if ! grep -qxF "$entry" "$FSTAB"; then',
    "  # Replace a line for this mount point left by an earlier volume, then add ours.",
    "  tmp=$(mktemp)",
    '  awk -v mp="$MOUNT_POINT" \'$2 != mp\' "$FSTAB" > "$tmp"',
    '  printf \'%s\\n\' "$entry" >> "$tmp"',
    '  cat "$tmp" > "$FSTAB"',
    '  rm -f "$tmp"',
    '  log "fstab: $entry"',
    "fi",
    'if ! mountpoint -q "$MOUNT_POINT"; then',
    '  mount "$MOUNT_POINT"',
    '  log "mounted $VOLUME_ID at $MOUNT_POINT"',
    "fi",
  ]);
}
