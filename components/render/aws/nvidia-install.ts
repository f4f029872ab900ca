import { NODE_PATHS } from "../../contract";
import { renderShellScript } from "../scripts/sources";

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
  return renderShellScript<{ DRIVER_PKG: string; UTILS_PKG: string; FM_PKG: string; NVSWITCH: boolean; STATE_DIR: string }>("nvidia-install.sh", {
    DRIVER_PKG: driverPackage(branch),
    UTILS_PKG: `nvidia-utils-${branch}-server`,
    FM_PKG: fabricManagerPackage(branch),
    NVSWITCH: opts.nvswitch,
    STATE_DIR: NODE_PATHS.state,
  });
}
