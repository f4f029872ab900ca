#!/bin/bash
# qwen-serving: mount an EBS volume (the weight cache, the TSDB) by its id; safe to run any number of times.
# Header (components/render/aws/mount-cache.ts): VOLUME_ID DEVICE MOUNT_POINT FSTAB LABEL WAIT_SECONDS

set -euo pipefail

log() { printf 'qwen-cache: %s\n' "$*" >&2; }

waited=0
until [[ -e "$DEVICE" ]]; do
  if (( waited >= WAIT_SECONDS )); then
    log "volume $VOLUME_ID is still not attached after ${WAIT_SECONDS}s ($DEVICE is missing); check the VolumeAttachment"
    exit 1
  fi
  sleep 5
  waited=$(( waited + 5 ))
done
dev=$(readlink -f "$DEVICE")

# blkid -p probes the device itself (no cache): 0 = a signature was found, 2 = none at all.
# Anything else (an ambivalent probe, an I/O error) is not proof of a blank disk: stop.
probe=0
blkid -p "$dev" >/dev/null 2>&1 || probe=$?
if (( probe == 2 )); then
  log "$dev ($VOLUME_ID) is blank: creating an xfs filesystem"
  mkfs.xfs -q -L "$LABEL" "$dev"
elif (( probe != 0 )); then
  log "cannot tell whether $dev holds data (blkid exit $probe); not formatting it"
  exit 1
fi
fstype=$(blkid -p -o value -s TYPE "$dev")
uuid=$(blkid -p -o value -s UUID "$dev")
if [[ -z "$fstype" || -z "$uuid" ]]; then
  log "$dev holds a signature but no filesystem with a UUID (partition table?); not touching it"
  exit 1
fi

mkdir -p "$MOUNT_POINT"
entry="UUID=$uuid $MOUNT_POINT $fstype defaults,noatime,nofail 0 2"
known=1
if ! grep -qxF "$entry" "$FSTAB"; then
  known=0
  # Replace a line for this mount point left by an earlier volume, then add ours.
  tmp=$(mktemp)
  awk -v mp="$MOUNT_POINT" '$2 != mp' "$FSTAB" > "$tmp"
  printf '%s\n' "$entry" >> "$tmp"
  cat "$tmp" > "$FSTAB"
  rm -f "$tmp"
  log "fstab: $entry"
fi
if ! mountpoint -q "$MOUNT_POINT"; then
  unit=$(systemd-escape --path --suffix=mount "$MOUNT_POINT")
  if (( known )) && [[ "$(systemctl show -p LoadState --value "$unit" 2>/dev/null)" == loaded ]]; then
    # systemd read this fstab line at boot and may be mounting it right now (after an unclean stop
    # the log replay takes a while): starting its mount unit joins that job instead of racing it.
    systemctl start "$unit"
  else
    mount "$MOUNT_POINT"
  fi
  log "mounted $VOLUME_ID at $MOUNT_POINT"
fi

# A raised cache.sizeGiB grows the EBS volume in place; grow the filesystem into it at boot (online,
# and a no-op when it already fills the device).
case "$fstype" in
  xfs) grown=$(xfs_growfs -d "$MOUNT_POINT" 2>&1) || { log "xfs_growfs $MOUNT_POINT failed: $grown"; exit 1; } ;;
  ext4) grown=$(resize2fs "$dev" 2>&1) || { log "resize2fs $dev failed: $grown"; exit 1; } ;;
  *) grown="" ;;
esac
if grep -qE "data blocks changed|is now [0-9]+ .*blocks long" <<<"$grown"; then
  log "grew the filesystem at $MOUNT_POINT to the volume's size"
fi
