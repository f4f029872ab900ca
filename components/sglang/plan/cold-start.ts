import type { Platform } from "../../platforms/traits";

/** One input of the cold-start estimate: its value and where it comes from. */
export interface ColdStartInput {
  readonly value: number;
  readonly unit: "s" | "GiB" | "MiB/s" | "MB/s" | "bytes";
  /** The config key, the catalog entry, or what an assumption rests on (the flag below says which it is). */
  readonly source: string;
  /** True for a figure this project assumes (never measured here); false for config and catalog values. */
  readonly assumption: boolean;
}

/** Everything the estimate used, so a reader can re-weigh it. */
export interface ColdStartInputs {
  readonly instanceBootSeconds: ColdStartInput;
  readonly imageGiB: ColdStartInput;
  readonly imagePullMiBps: ColdStartInput;
  readonly checkpointBytes: ColdStartInput;
  readonly hubRateMBps: ColdStartInput;
  readonly cacheThroughputMiBps: ColdStartInput;
  readonly warmupSeconds: ColdStartInput;
}

/**
 * What a service goes through before it answers, in phases (seconds, each rounded), and the two
 * totals (README "Cold start"). A warm boot re-attaches the weight cache, so it skips the first
 * download; a replacement (new instance, fresh root) pulls the image again, a reboot keeps it
 * (the node pulls only a missing image).
 */
export interface ColdStart {
  readonly instanceBootSeconds: number;
  readonly imagePullSeconds: number;
  readonly firstDownloadSeconds: number;
  readonly loadFromCacheSeconds: number;
  readonly warmupSeconds: number;
  /** Every phase. */
  readonly firstBootSeconds: number;
  /** A replacement with the cache re-attached: every phase but the first download. */
  readonly warmBootSeconds: number;
  /** A reboot: the warm boot without the image pull. */
  readonly rebootSeconds: number;
  readonly inputs: ColdStartInputs;
}

const assumed = (value: number, unit: ColdStartInput["unit"], source: string): ColdStartInput => ({ value, unit, source, assumption: true });

/** What a platform's machines bring to the estimate (NodePlan.boot). */
export interface NodeBoot {
  /** Starting the machine up to cloud-init's final stage. */
  readonly instanceBoot: ColdStartInput;
  /** What `cache.throughputMiBps` is on this platform: a provisioned rate or an assumed one. */
  readonly cacheRead: Pick<ColdStartInput, "source" | "assumption">;
}

const CACHE_KEY = "config cache.throughputMiBps";

/**
 * Per platform; the instance boot is an assumption, not a measurement. EC2: general-purpose
 * instances boot in about 40 s (https://depot.dev/blog/faster-ec2-boot-time); a GPU node on the
 * DLAMI also loads the NVIDIA driver and waits for Fabric Manager, so 120 s.
 */
export const NODE_BOOT: Readonly<Record<Platform, NodeBoot>> = {
  aws: {
    instanceBoot: assumed(
      120,
      "s",
      "EC2 launch to cloud-init's final stage on a GPU DLAMI (general-purpose instances: ~40 s, depot.dev/blog/faster-ec2-boot-time; plus driver and Fabric Manager start)",
    ),
    cacheRead: { source: `${CACHE_KEY}: the gp3 cache volume's provisioned throughput (an upper bound)`, assumption: false },
  },
  docker: {
    instanceBoot: assumed(0, "s", "the host already runs (the stack starts containers, not machines)"),
    cacheRead: { source: `${CACHE_KEY}, taken as the host folder's read rate (the stack provisions no disk there)`, assumption: true },
  },
  kubernetes: {
    instanceBoot: assumed(0, "s", "the cluster's nodes already run (a node a cluster autoscaler adds boots first, not counted)"),
    cacheRead: { source: `${CACHE_KEY}: the created gp3 storage class's throughput (an upper bound; a class of your own is assumed to match)`, assumption: false },
  },
};

/** The estimate's fixed inputs; each an assumption with what it rests on, stated so users can re-weigh them. */
export const COLD_START = {
  /** sgl-project/sglang#3673: `lmsysorg/sglang:latest` was one ~11 GB layer (Feb 2025); not measured for the pinned tag. */
  image: assumed(11, "GiB", "the SGLang CUDA image is ~11 GB compressed (sgl-project/sglang#3673, lmsysorg/sglang:latest, Feb 2025; not measured for the pinned tag)"),
  /** The registry's rate; the aws root volume (1000 MiB/s provisioned, aws/gpu-node.ts) is not the bound. */
  imagePull: assumed(150, "MiB/s", "Docker Hub pull and extract rate on a GPU instance (not measured)"),
  /**
   * Issue 14 estimated 15-45 min for ~134 GB through one connection (about 50-150 MB/s); the node
   * now fetches 8 files at once per model, bounded by the hub's per-connection rate and the node's link.
   */
  hubRate: assumed(100, "MB/s", "Hugging Face Hub download rate per model (issue 14 estimated 50-150 MB/s through one connection; not measured)"),
  /** Weight deserialisation, NCCL set-up and CUDA-graph capture for a 32B model at tp 2 on Hopper. */
  warmup: assumed(90, "s", "SGLang's start after the weights are read (NCCL, KV pool, CUDA graphs), ~90 s for a 32B model at tp 2 on Hopper (not measured)"),
} as const;

export interface ColdStartArgs {
  /** The checkpoint's size (catalog `checkpointBytes`). */
  readonly checkpointBytes: number;
  /** `cache.throughputMiBps`; what it stands for per platform is `boot.cacheRead`. */
  readonly cacheThroughputMiBps: number;
  /** The platform's machines (the slowest instance boot among the service's nodes). */
  readonly boot: NodeBoot;
  /** Hub download rate in MB/s (10^6 bytes) and its source. @default COLD_START.hubRate */
  readonly hubRate?: ColdStartInput;
}

/** The phases and totals of one service's cold start; every rate and duration comes back in `inputs`. */
export function planColdStart(a: ColdStartArgs): ColdStart {
  const hub = a.hubRate ?? COLD_START.hubRate;
  const instanceBootSeconds = Math.round(a.boot.instanceBoot.value);
  const imagePullSeconds = Math.round((COLD_START.image.value * 1024) / COLD_START.imagePull.value);
  const firstDownloadSeconds = Math.round(a.checkpointBytes / 1e6 / hub.value);
  const loadFromCacheSeconds = Math.round(a.checkpointBytes / 2 ** 20 / a.cacheThroughputMiBps);
  const warmupSeconds = COLD_START.warmup.value;
  const rebootSeconds = instanceBootSeconds + loadFromCacheSeconds + warmupSeconds;
  return {
    instanceBootSeconds,
    imagePullSeconds,
    firstDownloadSeconds,
    loadFromCacheSeconds,
    warmupSeconds,
    firstBootSeconds: rebootSeconds + imagePullSeconds + firstDownloadSeconds,
    warmBootSeconds: rebootSeconds + imagePullSeconds,
    rebootSeconds,
    inputs: {
      instanceBootSeconds: a.boot.instanceBoot,
      imageGiB: COLD_START.image,
      imagePullMiBps: COLD_START.imagePull,
      checkpointBytes: { value: a.checkpointBytes, unit: "bytes", source: "catalog checkpointBytes", assumption: false },
      hubRateMBps: hub,
      cacheThroughputMiBps: { value: a.cacheThroughputMiBps, unit: "MiB/s", ...a.boot.cacheRead },
      warmupSeconds: COLD_START.warmup,
    },
  };
}

/** The plan JSON's `coldStartSeconds` (schemaVersion 1, kept): image pull + load from cache + warm-up. */
export const legacyColdStartSeconds = (c: ColdStart): number => c.imagePullSeconds + c.loadFromCacheSeconds + c.warmupSeconds;
