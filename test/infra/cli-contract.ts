// The documented JSON contracts of the two CLIs (README "Plan JSON" and "Capacity JSON",
// schemaVersion 1), shared by the in-process tests and the subprocess smoke tests.
import { z } from "zod";

/** One replica's KV pool as concurrent requests. */
const Concurrency = z.object({ atContextLength: z.number().int().nonnegative(), atTypicalRequest: z.number().int().nonnegative(), typicalRequestTokens: z.literal(4096) }).strict();
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
          coldStartSeconds: z.number(),
        })
        .strict(),
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
  })
  .passthrough();
