import { ModelArch } from "../catalog/models";

/**
 * SGLang 0.4.9.post2's own GPU memory math (server_args.py, model_runner.py at commit eb118d88),
 * as written down in shared/reference/sglang-0.4.9.post2/kv-sizing.md. All GiB are 2^30 bytes,
 * which is what SGLang's log calls "GB".
 */

const GIB = 2 ** 30;

/**
 * Memory the CUDA context and NCCL take before weights load: the seed's 2 x H20 log shows
 * 97871 MiB on the card and 93.87 GiB free before weights (95.58 - 93.87 = 1.71 GiB).
 * Used only when no measured `availBeforeGiB` is given.
 */
export const RUNTIME_OVERHEAD_GIB = 1.71;

export interface MemoryInput {
  readonly model: ModelArch;
  /** nvidia-smi memory.total of the smallest GPU, MiB. */
  readonly gpuMemoryMiB: number;
  readonly tp: number;
  /** --context-length. @default - model.maxPositionEmbeddings */
  readonly contextLength?: number;
  /** --mem-fraction-static. @default - SGLang's default from GPU memory and tp */
  readonly memFractionStatic?: number;
  /** --kv-cache-dtype. @default "auto" */
  readonly kvCacheDtype?: "auto" | "fp8_e5m2" | "fp8_e4m3";
  readonly maxRunningRequests?: number;
  readonly chunkedPrefillSize?: number;
  /** --max-total-tokens cap. */
  readonly maxTotalTokens?: number;
  /** --page-size. @default 1 */
  readonly pageSize?: number;
  /** Measured free memory (GiB) before and after weight load, from a startup log. */
  readonly calibration?: { readonly availBeforeGiB: number; readonly availAfterGiB: number };
  readonly speculative?: boolean;
  readonly dpAttention?: boolean;
}

export interface MemoryPlan {
  readonly gpuMemoryMiB: number;
  readonly tp: number;
  /** Memory SGLang keeps out of the static pool, MiB. */
  readonly reservedMiB: number;
  readonly memFractionStatic: number;
  readonly memFractionSource: "config" | "sglang-default";
  /** Free memory before weights (M0), GiB: measured or catalog minus runtime overhead. */
  readonly availBeforeGiB: number;
  /** Free memory after weights (M1), GiB. */
  readonly availAfterGiB: number;
  readonly weightsGiBPerGpu: number;
  /** KV bytes per token per GPU (K and V). */
  readonly kvCellBytes: number;
  /** max_total_num_tokens. */
  readonly kvTokens: number;
  /** K + V pool size per GPU, GiB. */
  readonly kvGiBPerGpu: number;
  /** What SGLang logs as "K size". */
  readonly kSizeGiB: number;
  readonly contextLength: number;
  readonly fitsContext: boolean;
  readonly chunkedPrefillSize: number;
  readonly maxPrefillTokens: number;
  readonly maxRunningRequests: number;
  readonly calibrated: boolean;
}

/** SGLang's reserved memory for the default mem_fraction_static (server_args.py __post_init__). */
export function reservedMiB(gpuMemoryMiB: number, tp: number, opts: { speculative?: boolean; dpAttention?: boolean } = {}): number {
  const g = gpuMemoryMiB;
  let r: number;
  if (g < 35 * 1024) r = (2.8 + tp / 10) * 1024;
  else if (g < 90 * 1024) r = (9.5 + tp / 2) * 1024;
  else if (g < 160 * 1024) r = (12 + tp / 2) * 1024;
  else r = 32 * 1024;
  if (opts.speculative) r += 2 * 1024;
  if (opts.dpAttention) r += 4 * 1024;
  return r;
}

/** Python's round(x, 3) for the values SGLang feeds it (banker's ties are immaterial here). */
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function defaultMemFractionStatic(gpuMemoryMiB: number, tp: number, multimodal: boolean, opts: { speculative?: boolean; dpAttention?: boolean } = {}): number {
  const mfs = round3((gpuMemoryMiB - reservedMiB(gpuMemoryMiB, tp, opts)) / gpuMemoryMiB);
  return multimodal ? mfs * 0.9 : mfs; // SGLang does not re-round after the multimodal scale.
}

export function defaultChunkedPrefillSize(gpuMemoryMiB: number): number {
  if (gpuMemoryMiB < 35 * 1024) return 2048;
  if (gpuMemoryMiB < 160 * 1024) return 8192;
  return 16384;
}

/** KV bytes per token per GPU: max(1, kv_heads // tp) * head_dim * layers * 2 * dtype bytes. */
export function kvCellBytes(model: ModelArch, tp: number, kvCacheDtype: MemoryInput["kvCacheDtype"] = "auto"): number {
  const heads = Math.max(1, Math.floor(model.numKeyValueHeads / tp));
  const bytes = kvCacheDtype === "auto" ? model.dtypeBytes : 1;
  return heads * model.headDim * model.numLayers * 2 * bytes;
}

/** Weight memory per GPU: every tensor (vision tower included) is sharded across tp ranks. */
export function weightsGiBPerGpu(model: ModelArch, tp: number): number {
  return (model.params * model.dtypeBytes) / tp / GIB;
}

export function planMemory(input: MemoryInput): MemoryPlan {
  const { model, gpuMemoryMiB, tp } = input;
  const opts = { speculative: input.speculative, dpAttention: input.dpAttention };
  const mfs = input.memFractionStatic ?? defaultMemFractionStatic(gpuMemoryMiB, tp, model.multimodal, opts);
  const weights = weightsGiBPerGpu(model, tp);
  const m0 = input.calibration?.availBeforeGiB ?? gpuMemoryMiB / 1024 - RUNTIME_OVERHEAD_GIB;
  const m1 = input.calibration?.availAfterGiB ?? m0 - weights;
  const cell = kvCellBytes(model, tp, input.kvCacheDtype);
  const pageSize = input.pageSize ?? 1;
  const rest = m1 - m0 * (1 - mfs);
  let tokens = Math.max(0, Math.floor((rest * GIB) / cell));
  tokens = Math.floor(tokens / pageSize) * pageSize;
  if (input.maxTotalTokens !== undefined) tokens = Math.min(tokens, input.maxTotalTokens);
  const contextLength = input.contextLength ?? model.maxPositionEmbeddings;
  const maxNumReqs = input.maxRunningRequests ?? Math.min(Math.max(Math.floor((tokens / contextLength) * 512), 2048), 4096);
  const maxRunning = Math.min(input.maxRunningRequests ?? Math.floor(tokens / 2), maxNumReqs);
  return {
    gpuMemoryMiB,
    tp,
    reservedMiB: reservedMiB(gpuMemoryMiB, tp, opts),
    memFractionStatic: mfs,
    memFractionSource: input.memFractionStatic === undefined ? "sglang-default" : "config",
    availBeforeGiB: m0,
    availAfterGiB: m1,
    weightsGiBPerGpu: m0 - m1,
    kvCellBytes: cell,
    kvTokens: tokens,
    kvGiBPerGpu: (tokens * cell) / GIB,
    kSizeGiB: ((tokens + pageSize) * cell) / 2 / GIB,
    contextLength,
    fitsContext: tokens >= contextLength,
    chunkedPrefillSize: input.chunkedPrefillSize ?? defaultChunkedPrefillSize(gpuMemoryMiB),
    maxPrefillTokens: 16384,
    maxRunningRequests: maxRunning,
    calibrated: input.calibration !== undefined,
  };
}
