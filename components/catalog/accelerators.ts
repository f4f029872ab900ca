/**
 * GPU catalog. `memoryMiB` is what `nvidia-smi --query-gpu=memory.total` reports, because that is
 * the figure SGLang 0.4.9.post2 feeds into its default `mem_fraction_static` (see kv-sizing.md §1).
 */
export interface Accelerator {
  /** Catalog key used in config (`--gpu h20`). */
  readonly id: string;
  /** Marketing name. */
  readonly name: string;
  /** nvidia-smi memory.total in MiB. */
  readonly memoryMiB: number;
  /** CUDA compute capability (sm_XY). */
  readonly computeCapability: string;
  /** Whether bf16 is supported natively (all Ampere and newer). */
  readonly bf16: boolean;
  /** Where `memoryMiB` comes from. */
  readonly source: string;
}

const NVIDIA_SMI = "nvidia-smi memory.total as reported in public nvidia-smi dumps";

export const ACCELERATORS: readonly Accelerator[] = [
  { id: "h20", name: "NVIDIA H20 96GB HBM3", memoryMiB: 97871, computeCapability: "9.0", bf16: true, source: `${NVIDIA_SMI} (shared/reference/sglang-0.4.9.post2/kv-sizing.md §3)` },
  { id: "h100-80gb", name: "NVIDIA H100 80GB HBM3 (SXM5)", memoryMiB: 81559, computeCapability: "9.0", bf16: true, source: NVIDIA_SMI },
  { id: "h200", name: "NVIDIA H200 141GB HBM3e", memoryMiB: 143771, computeCapability: "9.0", bf16: true, source: NVIDIA_SMI },
  { id: "a100-40gb", name: "NVIDIA A100-SXM4-40GB", memoryMiB: 40960, computeCapability: "8.0", bf16: true, source: `${NVIDIA_SMI}; EC2 reports 40,960 MiB` },
  { id: "a100-80gb", name: "NVIDIA A100-SXM4-80GB", memoryMiB: 81920, computeCapability: "8.0", bf16: true, source: NVIDIA_SMI },
  { id: "l40s", name: "NVIDIA L40S 48GB", memoryMiB: 46068, computeCapability: "8.9", bf16: true, source: `${NVIDIA_SMI}; EC2 reports 45,776 MiB` },
  { id: "a10g", name: "NVIDIA A10G 24GB", memoryMiB: 23028, computeCapability: "8.6", bf16: true, source: `${NVIDIA_SMI}; EC2 reports 22,888 MiB` },
  { id: "l4", name: "NVIDIA L4 24GB", memoryMiB: 23034, computeCapability: "8.9", bf16: true, source: `${NVIDIA_SMI}; EC2 reports 22,888 MiB` },
  { id: "b200", name: "NVIDIA B200 180GB HBM3e", memoryMiB: 183359, computeCapability: "10.0", bf16: true, source: `${NVIDIA_SMI}; AWS lists 1,432 GiB per 8 GPUs` },
];

export const ACCELERATOR_IDS = ACCELERATORS.map((a) => a.id);

/** Looks up a GPU by catalog id (case-insensitive); undefined when unknown. */
export function findAccelerator(id: string): Accelerator | undefined {
  const key = id.toLowerCase();
  return ACCELERATORS.find((a) => a.id === key);
}
