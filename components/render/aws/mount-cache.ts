import { NODE_PATHS } from "../../contract";
import { renderShellScript } from "../scripts/sources";

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
  return renderShellScript<{ VOLUME_ID: string; DEVICE: string; MOUNT_POINT: string; FSTAB: string; LABEL: string; WAIT_SECONDS: number }>("mount-cache.sh", {
    VOLUME_ID: opts.volumeId,
    DEVICE: ebsDevicePath(opts.volumeId),
    MOUNT_POINT: opts.mountPoint ?? NODE_PATHS.models,
    FSTAB: "/etc/fstab",
    LABEL: CACHE_LABEL,
    WAIT_SECONDS: opts.waitSeconds ?? 1800,
  });
}
