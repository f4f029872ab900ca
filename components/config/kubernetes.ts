import { z } from "zod";
import { pinnedImage } from "./common";

/**
 * `qwen-serving:kubernetes` — settings only the kubernetes platform reads. Every field is optional
 * with a documented default, so a stack can omit the block; node pools, the weight cache's
 * size/throughput/IOPS and the monitoring thresholds stay in the top-level keys every platform reads.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsLabel = (what: string) => z.string().regex(DNS_LABEL, `${what} must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters`);
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.0.0.0/16");
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsSubdomain = (what: string) => z.string().regex(DNS_SUBDOMAIN, `${what} must be a lowercase DNS name such as example.com`);

// Kubernetes' own label grammar: optional DNS-subdomain prefix, then a 63-character name.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const labels = z.record(
  z.string().regex(LABEL_KEY, "label keys look like 'example.com/name' or 'name'"),
  z.string().regex(LABEL_VALUE, "label values are at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric"),
);

export const TolerationSchema = z
  .object({
    /** Taint key; omit with operator Exists to tolerate every taint. */
    key: z.string().min(1).optional(),
    /** @default "Equal" */
    operator: z.enum(["Equal", "Exists"]).default("Equal"),
    value: z.string().optional(),
    /** @default - every effect */
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.operator === "Exists" && t.value !== undefined) ctx.addIssue({ code: "custom", path: ["value"], message: "operator Exists takes no value" });
    if (t.operator === "Equal" && t.key === undefined) ctx.addIssue({ code: "custom", path: ["key"], message: "operator Equal needs a key" });
  });

/** The taint GPU node groups usually carry (EKS GPU AMIs and Karpenter GPU pools use it). */
export const DEFAULT_GPU_TOLERATIONS: readonly z.output<typeof TolerationSchema>[] = Object.freeze([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
/** Label put on a pool's nodes when no nodeSelector is configured: `<key>: <pool name>`. */
export const NODE_POOL_LABEL = "qwen-serving.io/node-pool";

/** How the pods of one top-level node pool find and tolerate its nodes. */
export const NodePoolSchedulingSchema = z
  .object({
    /**
     * Labels the pool's nodes carry, e.g. GPU feature discovery's `nvidia.com/gpu.product` or EKS's
     * `eks.amazonaws.com/nodegroup`. Pick one that singles out the GPU type: the plan's memory math
     * assumes it. @default - { "qwen-serving.io/node-pool": <pool name> } (label your nodes so)
     */
    nodeSelector: labels.optional(),
    /** @default [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] */
    tolerations: z.array(TolerationSchema).optional(),
    /**
     * Zone the pool's nodes are in (`topology.kubernetes.io/zone`, e.g. `us-east-1b`): pods are pinned
     * there and weight volumes are created only there, because an EBS volume never attaches in another
     * zone. Pin the node group to that zone's subnets too. @default - unpinned (the plan warns)
     */
    zone: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "zone must be a zone name such as us-east-1b")
      .optional(),
  })
  .strict();

/** Where each replica's weight volume comes from. */
export const WeightStorageSchema = z
  .object({
    /** StorageClass of the weight PVCs. @default "qwen-weights" */
    storageClassName: dnsSubdomain("storageClassName").default("qwen-weights"),
    /**
     * Create that StorageClass (gp3 with the top-level cache's throughput and IOPS, encrypted,
     * bound where the pod lands). false: use an existing class of that name.
     * @default true
     */
    create: z.boolean().default(true),
    /** CSI provisioner of a created class. @default "ebs.csi.aws.com" */
    provisioner: z.string().min(1).default("ebs.csi.aws.com"),
    /** Parameters of a created class. @default - gp3 with `cache.throughputMiBps`, `cache.iops`, encrypted */
    parameters: z.record(z.string().min(1), z.string()).optional(),
    /**
     * New replicas start from a VolumeSnapshot of a volume a Job filled once per revision, instead of
     * each downloading from the hub (needs the snapshot CRDs and controller; see README). false: every
     * replica downloads. @default true
     */
    snapshots: z.boolean().default(true),
    /** VolumeSnapshotClass of those snapshots. @default "qwen-weights" */
    snapshotClassName: dnsSubdomain("snapshotClassName").default("qwen-weights"),
    /** Create that VolumeSnapshotClass (driver: `provisioner`). false: use an existing class of that name. @default true */
    createSnapshotClass: z.boolean().default(true),
  })
  .strict();

/** CPU and host memory of each SGLang pod (GPUs come from the plan). */
export const PodResourcesSchema = z
  .object({
    /** CPU cores requested (no limit: throttling the tokenizer and scheduler loop stalls every request). @default 8 */
    cpu: z.number().positive().max(512).default(8),
    /** Host memory, request = limit, including /dev/shm (tmpfs pages count against it). @default 128 */
    memoryGiB: z.number().int().min(8).max(4096).default(128),
    /** In-memory /dev/shm for NCCL and the tokenizer processes (SGLang's docs run Docker with --shm-size 32g). @default 32 */
    shmGiB: z.number().int().min(1).max(1024).default(32),
  })
  .strict()
  .refine((r) => r.shmGiB < r.memoryGiB, { path: ["shmGiB"], message: "shmGiB must be below memoryGiB: /dev/shm is memory charged to the pod" });

/** Optional Ingress per service at `<service>.<domain>`. */
export const IngressSettingsSchema = z
  .object({
    /** IngressClass to use (e.g. `nginx`, `alb`). */
    className: dnsSubdomain("className"),
    /** Each service is served at `<service>.<domain>`. */
    domain: dnsSubdomain("domain"),
    /** Secret (in the serving namespace) holding the TLS certificate for `*.<domain>`. @default - plain HTTP */
    tlsSecretName: dnsSubdomain("tlsSecretName").optional(),
    /**
     * Which controller serves the class, for its LLM defaults (nginx: body size, read/send timeouts,
     * no buffering; alb: idle timeout, draining, ip targets). @default - "nginx" or "alb" when className is one, else "other" (no defaults)
     */
    controller: z.enum(["nginx", "alb", "other"]).optional(),
    /** Controller-specific annotations, laid over the controller's defaults; one that undercuts the proxy's limits is refused. @default {} */
    annotations: z.record(z.string().min(1), z.string()).default({}),
  })
  .strict();

/** The NVIDIA GPU operator's dcgm-exporter, scraped for the GPU dashboard and alerts. */
export const DcgmExporterSchema = z
  .object({
    /** Namespace of its Service. @default "gpu-operator" */
    namespace: dnsLabel("dcgm namespace").default("gpu-operator"),
    /** Labels of its Service. @default { app: "nvidia-dcgm-exporter" } */
    matchLabels: labels.default({ app: "nvidia-dcgm-exporter" }),
    /** Name of its metrics port. @default "gpu-metrics" */
    portName: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/, "portName must be a Kubernetes port name (at most 15 characters)")
      .default("gpu-metrics"),
  })
  .strict();

/** The private IPv4 ranges (RFC 1918, section 3: https://www.rfc-editor.org/rfc/rfc1918#section-3). */
export const RFC1918_CIDRS = Object.freeze(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);

export const KubernetesMonitoringSchema = z
  .object({
    /**
     * Install kube-prometheus-stack with Helm. false: use the Prometheus Operator and Grafana
     * already in the cluster (`monitorLabels` must match its selectors). @default true
     */
    install: z.boolean().default(true),
    /** Namespace of the release, and where dashboards and rules go (Grafana's sidecar watches it). @default "monitoring" */
    namespace: dnsLabel("monitoring namespace").default("monitoring"),
    /** Helm release name. @default "kube-prometheus-stack" */
    releaseName: dnsLabel("releaseName").default("kube-prometheus-stack"),
    /** Chart version, pinned. @default "72.6.2" */
    chartVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "chartVersion must be an exact version such as 72.6.2")
      .default("72.6.2"),
    /** Chart repository. @default "https://prometheus-community.github.io/helm-charts" */
    chartRepository: z
      .string()
      .regex(/^(https|oci):\/\/\S+$/, "chartRepository must be an https:// or oci:// URL")
      .default("https://prometheus-community.github.io/helm-charts"),
    /** Labels the operator selects ServiceMonitors, PodMonitors and PrometheusRules by. @default - { release: <releaseName> } */
    monitorLabels: labels.optional(),
    /** Prometheus' own volume. @default 50 */
    prometheusStorageGiB: z.number().int().min(1).max(65536).default(50),
    /** Alertmanager's volume (silences and notification state). @default 10 */
    alertmanagerStorageGiB: z.number().int().min(1).max(1024).default(10),
    /**
     * StorageClass of Prometheus' and Alertmanager's volumes. EKS 1.30 and later ship no default class, so
     * a claim without one stays Pending and Prometheus never starts. @default "qwen-monitoring"
     */
    storageClassName: dnsSubdomain("storageClassName").default("qwen-monitoring"),
    /** Create that StorageClass (gp3, encrypted, `storage.provisioner`). false: it exists already. @default true */
    createStorageClass: z.boolean().default(true),
    /**
     * Source ranges the pods' front proxies answer `/metrics` to (with `proxy.metricsCidrs`); every
     * other source gets 403, whatever the NetworkPolicy lets through. Prometheus' pod address is not
     * known in advance, so the default is the private ranges pod networks use: any in-cluster pod on
     * them passes this check, and only the NetworkPolicy (an enforcing CNI) narrows that to
     * Prometheus. Set the cluster's pod CIDR (or Prometheus' node subnets, with the VPC CNI) to
     * narrow it; pods outside RFC 1918 (EKS custom networking on 100.64.0.0/10) must set it.
     * @default ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
     */
    prometheusCidrs: z
      .array(cidr)
      .min(1)
      .default([...RFC1918_CIDRS]),
    dcgm: DcgmExporterSchema.prefault({}),
  })
  .strict();

/** Who a NetworkPolicy admits: pods by namespace and pod labels, or an address range. */
export const NetworkPeerSchema = z
  .object({
    /** Labels of the namespaces, e.g. `kubernetes.io/metadata.name: ingress-nginx` (every namespace has that one). @default - the serving namespace */
    namespaceLabels: labels.optional(),
    /** Labels of the pods. @default - every pod of those namespaces */
    podLabels: labels.optional(),
    /** An IPv4 range instead (an ALB's subnets, for `target-type: ip`). */
    cidr: cidr.optional(),
  })
  .strict()
  .refine((p) => (p.cidr === undefined) !== (p.namespaceLabels === undefined && p.podLabels === undefined), { message: "give either cidr or namespaceLabels/podLabels" });

/**
 * The stack's NetworkPolicies: a default deny for ingress to every pod of the stack, then allows
 * for the services' clients (to the front pods' API port), the routers (to their workers) and
 * Prometheus (to every metrics port). Egress is not restricted (hubs, the API server).
 */
export const NetworkPolicySettingsSchema = z
  .object({
    /** false: no NetworkPolicy at all (the front proxies still check keys and paths). @default true */
    enabled: z.boolean().default(true),
    /**
     * Who calls the services' API. @default - with an Ingress of controller nginx, ingress-nginx's
     * controller pods (namespace `ingress-nginx`, `app.kubernetes.io/name: ingress-nginx`); without an
     * Ingress, the pods of the serving namespace; another controller needs it set
     */
    clients: z.array(NetworkPeerSchema).min(1).optional(),
    /** Prometheus. @default - pods labelled `app.kubernetes.io/name: prometheus` in `monitoring.namespace` (the Prometheus Operator's label) */
    prometheus: z.array(NetworkPeerSchema).min(1).optional(),
  })
  .strict();

export const KubernetesSettingsSchema = z
  .object({
    /** Namespace of the serving workloads. @default "qwen-serving" */
    namespace: dnsLabel("namespace").default("qwen-serving"),
    /** Create the namespace (with Pod Security `baseline` enforced). false: it exists already. @default true */
    createNamespace: z.boolean().default(true),
    /** Scheduling per top-level node pool name. @default - every pool gets the defaults of NodePoolSchedulingSchema */
    nodePools: z.record(z.string(), NodePoolSchedulingSchema).default({}),
    /** Weight volumes. @default - a created gp3 StorageClass `qwen-weights` */
    storage: WeightStorageSchema.prefault({}),
    /** CPU, memory and /dev/shm of each SGLang pod. @default - 8 CPU, 128 GiB, 32 GiB shm */
    resources: PodResourcesSchema.prefault({}),
    /**
     * How long SGLang may take from container start until it listens (weights from the volume, KV
     * pool, CUDA graphs): the startup probe's budget. At least 30 minutes. @default 30
     */
    startupMinutes: z
      .number()
      .int()
      .min(30, "give SGLang at least 30 minutes to start: a 32B model's load, KV allocation and CUDA-graph capture can take that long on a cold volume")
      .max(240)
      .default(30),
    /** How long `pulumi up` waits for a StatefulSet to become ready: first weight download plus startup. @default 120 */
    rolloutTimeoutMinutes: z.number().int().min(30).max(1440).default(120),
    /**
     * Older spelling of the longest generation; `proxy.maxGenerationSeconds` is the one value every
     * platform reads (proxy, Ingress, termination grace) and wins when both are set.
     * @default - proxy.maxGenerationSeconds
     */
    maxGenerationSeconds: z.number().int().min(30).max(3600).optional(),
    /** How long a stopping pod keeps serving before SIGTERM, so endpoints and routers drop it first (preStop). @default 15 */
    preStopSeconds: z.number().int().min(0).max(120).default(15),
    /**
     * A prebuilt router image with smg 1.13.0 (`python3 -m smg.launch_router`), pinned by tag or digest.
     * @default - IMAGES.routerPython, with components/sglang/router-requirements.txt's hash-checked wheels installed by an init container
     */
    routerImage: pinnedImage.optional(),
    /** Secrets (in the serving namespace) for pulling private images; images may be pinned by digest (`repo@sha256:...`). @default [] */
    imagePullSecrets: z.array(dnsSubdomain("imagePullSecrets entry")).default([]),
    /** RuntimeClass of the SGLang pods (e.g. `nvidia` where the NVIDIA runtime is not the node's default). @default - the node's default */
    runtimeClassName: dnsSubdomain("runtimeClassName").optional(),
    /**
     * PriorityClass of the SGLang and router pods, so other work cannot preempt a loaded server. With
     * `value` the stack creates it; without, it must exist. @default - none
     */
    priorityClass: z
      .object({ name: dnsSubdomain("priorityClass.name"), value: z.number().int().min(-2_147_483_648).max(1_000_000_000).optional() })
      .strict()
      .optional(),
    /** Annotations of the SGLang pods' ServiceAccount (e.g. `eks.amazonaws.com/role-arn` for s3 weights). @default {} */
    serviceAccountAnnotations: z.record(z.string().min(1), z.string()).default({}),
    /** An Ingress per service. @default - none (Services are ClusterIP only) */
    ingress: IngressSettingsSchema.optional(),
    /** Default-deny NetworkPolicy and its allows. @default - enabled, with the defaults of NetworkPolicySettingsSchema */
    networkPolicy: NetworkPolicySettingsSchema.prefault({}),
    monitoring: KubernetesMonitoringSchema.prefault({}),
  })
  .strict()
  .superRefine((k, ctx) => {
    if (k.rolloutTimeoutMinutes < k.startupMinutes)
      ctx.addIssue({ code: "custom", path: ["rolloutTimeoutMinutes"], message: `rolloutTimeoutMinutes (${k.rolloutTimeoutMinutes}) must cover startupMinutes (${k.startupMinutes})` });
  });

export type KubernetesSettings = z.output<typeof KubernetesSettingsSchema>;
export type Toleration = z.output<typeof TolerationSchema>;
export type NodePoolScheduling = z.output<typeof NodePoolSchedulingSchema>;
export type NetworkPeer = z.output<typeof NetworkPeerSchema>;
