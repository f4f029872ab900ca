import { renderShellScript } from "../scripts/sources";

export interface GpuCheckOptions {
  /** GPUs the instance type has (from the plan). */
  readonly expectedGpus: number;
  /** For the message: the instance type. */
  readonly instanceType: string;
  /** NVSwitch fabric: Fabric Manager must be running for CUDA to initialise. */
  readonly nvswitch: boolean;
  /** The pinned SGLang image: the container check uses it, so it is pulled before any service starts. */
  readonly image: string;
}

/**
 * Verifies the node before any service starts: the driver answers `nvidia-smi` with the planned
 * number of GPUs, Fabric Manager runs on NVSwitch types, and a container from the serving image
 * sees every GPU and initialises CUDA on each (which fails on a missing Fabric Manager or a driver
 * too old for the image's CUDA). On failure it says what is wrong in one plain line and exits 1, so
 * the units that require it stay down.
 */
export function renderGpuCheckScript(opts: GpuCheckOptions): string {
  return renderShellScript<{ EXPECTED: number; INSTANCE_TYPE: string; NVSWITCH: boolean; IMAGE: string }>("gpu-check.sh", {
    EXPECTED: opts.expectedGpus,
    INSTANCE_TYPE: opts.instanceType,
    NVSWITCH: opts.nvswitch,
    IMAGE: opts.image,
  });
}
