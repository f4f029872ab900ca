import { z } from "zod";
import { IMAGES, NODE_PATHS } from "../contract";
import { ACCELERATOR_IDS } from "../catalog/accelerators";
import { INSTANCE_TYPE_NAMES } from "../catalog/instances";
import { AlertingSchema } from "./alerting";
import { AwsSettingsSchema, CapacityReservationSchema } from "./aws";
import { pinnedImage, port } from "./common";
import { DockerSettingsSchema } from "./docker";
import { KubernetesSettingsSchema } from "./kubernetes";
import { ProxySettingsSchema } from "./proxy";
import { PLATFORM_NAMES } from "../platforms/traits";

/**
 * The stack configuration schema: every key under the `qwen-serving:` namespace of a
 * `Pulumi.<stack>.yaml`. Pure data (no Pulumi imports) so tests and the offline plan use it directly.
 * Secrets (tokens, passwords, API keys) are NOT here: they are read as Pulumi secrets in infra/.
 * The schema checks each key's shape; the rules that tie keys together live in `checks.ts`, so that
 * they are reported with the planner's and the platform's problems, all at once.
 */

const NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;
const dnsName = (what: string) => z.string().regex(NAME, `${what} must be 2-40 chars of lowercase letters, digits and '-', starting with a letter`);

/** Where weights come from; a pinned revision is mandatory so every node serves the same bytes. */
export const WeightsSchema = z
  .object({
    /** `modelscope` (as in the seed), `huggingface`, or `s3` (a prefix holding the repository's files). */
    source: z.enum(["modelscope", "huggingface", "s3"]),
    /** Repository id at the source. @default - the service's `model` */
    repo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, "repo must look like 'Org/Name'")
      .optional(),
    /** Pinned revision: a 40-hex commit (huggingface), a commit or tag (modelscope); for s3 a version label. */
    revision: z
      .string()
      .min(1)
      .refine((r) => !["main", "master", "latest", "HEAD"].includes(r), "revision must be pinned (a commit hash or tag), not a moving branch"),
    /** s3 only: `s3://bucket/prefix/` holding the repository's files. */
    s3Uri: z
      .string()
      .regex(/^s3:\/\/[a-z0-9.-]{3,63}\/.*$/, "s3Uri must look like s3://bucket/prefix/")
      .optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (w.source === "s3" && !w.s3Uri) ctx.addIssue({ code: "custom", path: ["s3Uri"], message: "source 's3' needs s3Uri (s3://bucket/prefix/)" });
    if (w.source !== "s3" && w.s3Uri) ctx.addIssue({ code: "custom", path: ["s3Uri"], message: `s3Uri is only valid with source 's3', not '${w.source}'` });
  });

/** YaRN rope scaling, sent to SGLang as --json-model-override-args. */
export const RopeScalingSchema = z
  .object({
    type: z.literal("yarn"),
    /** Stretch factor: contextLength = factor x originalMaxPositionEmbeddings. */
    factor: z.number().gt(1).max(16),
    /** The model's native window (32768 for Qwen3). */
    originalMaxPositionEmbeddings: z.number().int().positive(),
  })
  .strict();

/** One explicitly placed replica: which node and which GPU indices on it. */
export const PlacementSchema = z
  .object({
    node: z.string().min(1),
    gpus: z.array(z.number().int().min(0).max(63)).min(1),
  })
  .strict();

export const ServiceSchema = z
  .object({
    /** Service name, used in resource names, unit names and `X-Model` routing. */
    name: dnsName("service name"),
    /** Catalog model id (e.g. `Qwen/Qwen3-32B`) or a path to a Hugging Face config.json. */
    model: z.string().min(1),
    weights: WeightsSchema,
    /** Tensor-parallel size: GPUs per replica. @default 1 */
    tp: z.number().int().min(1).max(8).default(1),
    /** Replicas; more than one puts SGLang's cache-aware router in front. @default 1 */
    replicas: z.number().int().min(1).max(16).default(1),
    /** Public port of the service (the server's, or the router's when replicas > 1). */
    port,
    /** --context-length. @default - the model's max_position_embeddings */
    contextLength: z.number().int().min(256).max(1_048_576).optional(),
    ropeScaling: RopeScalingSchema.optional(),
    /** --chat-template (a built-in name such as `qwen2-vl`). @default - the catalog's, if the model needs one */
    chatTemplate: z.string().min(1).optional(),
    /** --max-running-requests. @default - SGLang's own (from the KV pool) */
    maxRunningRequests: z.number().int().min(1).max(65536).optional(),
    /** --chunked-prefill-size. @default - SGLang's own (8192 on GPUs of 35-160 GiB) */
    chunkedPrefillSize: z.number().int().min(-1).max(1_048_576).optional(),
    /** --mem-fraction-static. @default - SGLang's own (from GPU memory and tp) */
    memFractionStatic: z.number().gt(0.1).lt(0.98).optional(),
    /** --kv-cache-dtype. @default "auto" */
    kvCacheDtype: z.enum(["auto", "fp8_e5m2", "fp8_e4m3"]).default("auto"),
    /** Node pool (aws/kubernetes) or host (docker) the replicas go to. @default - first with room */
    nodePool: z.string().min(1).optional(),
    /** Explicit placement, one entry per replica. @default - first fit */
    placement: z.array(PlacementSchema).optional(),
    /** Extra SGLang flags appended last, checked against SGLang 0.4.9.post2's argparse spec. @default [] */
    extraArgs: z.array(z.string()).default([]),
    /** Run a contextLength (or YaRN factor) beyond what the model documents; SGLang only warns. @default false */
    allowLongerContext: z.boolean().optional(),
    /** This service's TTFT p95 alert threshold, seconds (SGLangTTFTP95High). @default - monitoring.ttftP95Seconds */
    ttftP95Seconds: z.number().positive().max(600).optional(),
  })
  .strict();

/** A pool of identical GPU machines (aws: EC2 instances; kubernetes: existing nodes). */
export const NodePoolSchema = z
  .object({
    name: dnsName("node pool name"),
    /** aws only: EC2 instance type from the catalog. */
    instanceType: z.enum(INSTANCE_TYPE_NAMES as [string, ...string[]]).optional(),
    /** kubernetes only: GPU model of the nodes (catalog id). */
    gpu: z.enum(ACCELERATOR_IDS as [string, ...string[]]).optional(),
    /** kubernetes only: GPUs per node. */
    gpusPerNode: z.number().int().min(1).max(16).optional(),
    /** Number of machines. @default 1 */
    count: z.number().int().min(1).max(32).default(1),
    /** What one GPU-hour costs you (reserved or own hardware), for the plan's budget. @default - aws: the catalog's on-demand price; kubernetes: not shown */
    gpuHourlyUsd: z.number().nonnegative().optional(),
    /** aws only: run the pool's instances in reserved capacity (see CapacityReservationSchema). @default - on demand */
    capacityReservation: CapacityReservationSchema.optional(),
  })
  .strict();

/** An existing Docker host (platform docker). */
export const DockerHostSchema = z
  .object({
    name: dnsName("host name"),
    /** Docker endpoint: `ssh://user@host` or `tcp://host:2376` (TLS material from secrets). */
    dockerHost: z.string().regex(/^(ssh|tcp|unix):\/\/\S+$/, "dockerHost must start with ssh://, tcp:// or unix://"),
    /** Address Prometheus and the router use to reach this host's ports. @default - the host part of dockerHost */
    address: z.string().min(1).optional(),
    gpu: z.enum(ACCELERATOR_IDS as [string, ...string[]]),
    gpuCount: z.number().int().min(1).max(16),
    /** What the machine costs per hour, for the plan's cost column. @default - not shown */
    hourlyUsd: z.number().nonnegative().optional(),
    /** Or what one GPU-hour costs (the machine costs gpuCount x this). @default - not shown */
    gpuHourlyUsd: z.number().nonnegative().optional(),
    /** Host folder that holds the weights. @default NODE_PATHS.models ("/models") */
    modelsPath: z
      .string()
      .regex(/^\/\S*$/, "modelsPath must be an absolute path")
      .default(NODE_PATHS.models),
    /**
     * The host's GPU UUIDs in index order (`nvidia-smi --query-gpu=uuid --format=csv,noheader`): containers
     * then get their GPUs by UUID, which stays with the card across reboots and driver updates. @default - by index
     */
    gpuUuids: z.array(z.string().regex(/^GPU-[0-9a-fA-F-]{36}$/, "a GPU UUID looks like GPU-3a23c669-1f69-c64e-cf85-44e9b07e7a2a")).optional(),
  })
  .strict();

/** The weight cache (aws: gp3 EBS volume; docker: host folder; kubernetes: PVC). */
export const CacheSchema = z
  .object({
    /** Size. @default - the planned models' weight bytes x 1.3, rounded up to 50 GiB */
    sizeGiB: z.number().int().min(50).max(65536).optional(),
    /** gp3 / storage-class throughput; also the read rate used for cold-start estimates. @default 1000 */
    throughputMiBps: z.number().int().min(125).max(2000).default(1000),
    /** gp3 IOPS (at least throughput/0.25 so reads are not IOPS-bound). @default 6000 */
    iops: z.number().int().min(3000).max(80000).default(6000),
    /** Keep the cache when the stack or a node is removed. @default - true in the `prod` environment */
    retain: z.boolean().optional(),
    /**
     * Model hub download rate per model, MB/s (10^6 bytes), for the plan's first-boot estimate only
     * (the download itself takes what the hub gives). Measure yours: checkpoint size over the time from
     * the weights unit's start to its completion marker, in its journal.
     * @default - 100, an assumption (components/sglang/plan/cold-start.ts COLD_START.hubRate)
     */
    hubRateMBps: z.number().positive().max(100_000).optional(),
  })
  .strict();

export const MonitoringSchema = z
  .object({
    /** Deploy Prometheus + Grafana. @default true */
    enabled: z.boolean().default(true),
    /** Prometheus TSDB retention in days. @default 15 */
    retentionDays: z.number().int().min(1).max(3650).default(15),
    /** TTFT p95 alert threshold, seconds. @default 5 */
    ttftP95Seconds: z.number().positive().max(600).default(5),
    /** KV-cache usage alert threshold (sglang:token_usage). @default 0.85 */
    kvUsageThreshold: z.number().gt(0).lt(1).default(0.85),
    /** Alertmanager's receivers and routes (see components/config/alerting.ts). @default - no receivers */
    alerting: AlertingSchema.prefault({}),
  })
  .strict();

/** The platforms a stack can deploy to; one entry per platform in platforms/traits.ts. */
export const PLATFORMS = PLATFORM_NAMES;

/** The whole `qwen-serving:` namespace of a stack. */
export const StackConfigSchema = z
  .object({
    /** Where the GPUs are. */
    platform: z.enum(PLATFORMS),
    /** Environment name; `prod` turns on protection of weight caches. @default - the stack name */
    environment: dnsName("environment").optional(),
    /** SGLang server image, pinned. @default IMAGES.sglang */
    image: pinnedImage.default(IMAGES.sglang),
    services: z.array(ServiceSchema).min(1, "at least one service is needed"),
    /** aws and kubernetes: GPU machines. */
    nodePools: z.array(NodePoolSchema).default([]),
    /** docker: existing GPU hosts. */
    hosts: z.array(DockerHostSchema).default([]),
    cache: CacheSchema.default({ throughputMiBps: 1000, iops: 6000 }),
    monitoring: MonitoringSchema.prefault({}),
    /** The front proxy before every SGLang server and router (see components/config/proxy.ts). @default - every field's default */
    proxy: ProxySettingsSchema.prefault({}),
    /** Settings for platform aws (see components/config/aws.ts). */
    aws: AwsSettingsSchema.optional(),
    /** Settings for platform docker (see components/config/docker.ts). */
    docker: DockerSettingsSchema.optional(),
    /** Settings for platform kubernetes (see components/config/kubernetes.ts). */
    kubernetes: KubernetesSettingsSchema.optional(),
  })
  .strict();

export type StackConfig = z.output<typeof StackConfigSchema>;
export type ServiceConfig = z.output<typeof ServiceSchema>;
export type NodePoolConfig = z.output<typeof NodePoolSchema>;
export type DockerHostConfig = z.output<typeof DockerHostSchema>;
export type CacheConfig = z.output<typeof CacheSchema>;
export type MonitoringConfig = z.output<typeof MonitoringSchema>;
/** What a user writes (defaults not yet applied). */
export type StackConfigInput = z.input<typeof StackConfigSchema>;
