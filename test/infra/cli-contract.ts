// The documented JSON contracts of the two CLIs (README "Plan JSON" and "Capacity JSON",
// schemaVersion 1), shared by the in-process tests and the subprocess smoke tests.
import { z } from "zod";

/** One replica's KV pool as concurrent requests. */
const Concurrency = z.object({ atContextLength: z.number().int().nonnegative(), atTypicalRequest: z.number().int().nonnegative(), typicalRequestTokens: z.literal(4096) }).strict();
/** One input of the cold-start estimate: an assumption (never measured) or a config/catalog value, with its source. */
const ColdStartInput = z.object({ value: z.number().nonnegative(), unit: z.enum(["s", "GiB", "MiB/s", "MB/s", "bytes"]), source: z.string().min(1), assumption: z.boolean() }).strict();
const seconds = z.number().int().nonnegative();
/** The cold start in phases and its totals (README "Cold start"): first boot is every phase, a warm boot skips the first download, a reboot also the image pull. */
const ColdStart = z
  .object({
    instanceBootSeconds: seconds,
    imagePullSeconds: seconds,
    firstDownloadSeconds: seconds,
    loadFromCacheSeconds: seconds,
    warmupSeconds: seconds,
    firstBootSeconds: seconds,
    warmBootSeconds: seconds,
    rebootSeconds: seconds,
    inputs: z
      .object({
        instanceBootSeconds: ColdStartInput,
        imageGiB: ColdStartInput,
        imagePullMiBps: ColdStartInput,
        checkpointBytes: ColdStartInput,
        hubRateMBps: ColdStartInput,
        cacheThroughputMiBps: ColdStartInput,
        warmupSeconds: ColdStartInput,
      })
      .strict(),
  })
  .strict()
  .refine((c) => c.firstBootSeconds === c.instanceBootSeconds + c.imagePullSeconds + c.firstDownloadSeconds + c.loadFromCacheSeconds + c.warmupSeconds, "firstBootSeconds is every phase")
  .refine((c) => c.warmBootSeconds === c.firstBootSeconds - c.firstDownloadSeconds, "warmBootSeconds is every phase but the first download")
  .refine((c) => c.rebootSeconds === c.warmBootSeconds - c.imagePullSeconds, "rebootSeconds is the warm boot without the image pull");

/** A price: USD, or null where this project knows none. */
const usd = z.number().nonnegative().nullable();

/** The documented `plan --json` contract (README "Plan JSON", schemaVersion 1). */
export const PlanJson = z
  .object({
    schemaVersion: z.literal(1),
    stack: z.string(),
    platform: z.enum(["aws", "docker", "kubernetes"]),
    services: z.array(
      z
        .object({
          name: z.string(),
          model: z.string(),
          tp: z.number().int(),
          replicas: z.number().int(),
          port: z.number().int(),
          launchArgs: z.array(z.string()),
          placement: z.array(z.object({ node: z.string(), gpus: z.array(z.number().int()), port: z.number().int(), launchArgs: z.array(z.string()) }).strict()),
          router: z.object({ node: z.string(), port: z.number(), metricsPort: z.number(), policy: z.string() }).strict().nullable(),
          capacity: z
            .object({
              gpu: z.string(),
              gpuMemoryMiB: z.number(),
              weightsGiBPerGpu: z.number(),
              memFractionStatic: z.number(),
              kvTokens: z.number().int(),
              kvGiBPerGpu: z.number(),
              contextLength: z.number().int(),
              fitsContext: z.boolean(),
              chunkedPrefillSize: z.number().int(),
              maxRunningRequests: z.number().int(),
              concurrency: Concurrency,
            })
            .strict(),
          costPerHourUsd: z.number().nullable(),
          // Kept from the first version: image pull + load from cache + warm-up.
          coldStartSeconds: z.number(),
          coldStart: ColdStart,
        })
        .strict()
        .refine((s) => s.coldStartSeconds === s.coldStart.imagePullSeconds + s.coldStart.loadFromCacheSeconds + s.coldStart.warmupSeconds, "coldStartSeconds keeps its first meaning"),
    ),
    resources: z.array(z.object({ type: z.string(), name: z.string(), parent: z.string().nullable(), inputs: z.unknown() }).strict()),
    artifacts: z.array(z.string()),
    budget: z
      .object({
        region: z.string().nullable(),
        currency: z.literal("USD"),
        hoursPerMonth: z.literal(730),
        // usdPerHour null: no price known for the node in the stack's region (priceSource says why); priceRegion: whose list price it is, null for a config price.
        nodes: z.array(
          z
            .object({
              node: z.string(),
              instanceType: z.string().nullable(),
              gpu: z.string(),
              gpus: z.number().int(),
              gpusUsed: z.number().int(),
              gpusIdle: z.number().int(),
              usdPerHour: usd,
              priceSource: z.string(),
              priceRegion: z.string().nullable(),
            })
            .strict(),
        ),
        lines: z.array(z.object({ item: z.string(), usdPerHour: usd, usdPerMonth: usd, source: z.string() }).strict()),
        totalUsdPerHour: usd,
        totalUsdPerMonth: usd,
        knownUsdPerHour: z.number(),
        unknown: z.array(z.string()),
        pricesChecked: z.object({ gpuInstances: z.string(), aws: z.string().nullable() }).strict(),
        sources: z.array(z.string()),
        notIncluded: z.string(),
      })
      .strict(),
    endpoints: z.object({ mock: z.boolean(), urls: z.record(z.string(), z.string()), mocked: z.array(z.string()) }).strict(),
    warnings: z.array(z.string()),
  })
  .strict();

/** The documented `capacity --json` contract. */
export const CapacityJson = z
  .object({
    schemaVersion: z.literal(1),
    model: z.string(),
    gpu: z.string().nullable(),
    kvTokens: z.number().int(),
    memFractionStatic: z.number(),
    weightsGiBPerGpu: z.number(),
    kvGiBPerGpu: z.number(),
    contextLength: z.number(),
    fitsContext: z.boolean(),
    maxRunningRequests: z.number(),
    chunkedPrefillSize: z.number(),
    concurrency: Concurrency,
    platform: z.enum(["aws", "docker", "kubernetes"]),
    coldStart: ColdStart,
  })
  .passthrough();
