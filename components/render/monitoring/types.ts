/**
 * Input of the monitoring renderers. Plain data, no Pulumi types: the platform adapters resolve
 * their Outputs first and pass the plain values in, so every file we render can be checked by
 * promtool / a real Prometheus in tests. What differs by platform (how targets are discovered,
 * which files are rendered) comes from the platform's traits (`components/platforms/traits.ts`).
 */
import { PROJECT } from "../../contract";
import { Platform } from "../../platforms/traits";
import { AlertingInput } from "./alertmanager";

/** One SGLang service (one model) and where its metrics are served. */
export interface MonitoredService {
  /** Service name from the stack config (e.g. `qwen3-32b`); becomes the `service` target label. Lowercase DNS-like. */
  readonly name: string;
  /** Served model name, i.e. the `model_name` label SGLang puts on its metrics (`--served-model-name`, defaults to `--model-path`). */
  readonly model: string;
  /**
   * SGLang HTTP port (`--port`) of every replica; SGLang serves `/metrics` on it.
   * Required where the platform's traits say `needsServicePort` (aws: EC2 discovery scrapes
   * `<private ip>:<port>`) unless `replicaEndpoints` are given; used by `kubernetesScrapeTargets`.
   * @default - none
   */
  readonly port?: number;
  /**
   * Prometheus port of the sglang-router (`--prometheus-port`, router default `PORTS.routerMetricsBase`; it binds
   * `--prometheus-host`, default 127.0.0.1, so the router must be started with a reachable host)
   * when the service has a router (replicas > 1). Used where the platform's `routerScrapedBy` is
   * `metricsPort` (aws, kubernetes).
   * @default - no router job there
   */
  readonly routerMetricsPort?: number;
  /**
   * EC2 discovery (aws): the planned node and port of every SGLang replica. Replicas behind a router listen on
   * their own worker ports (several per node), not on `port`, so each is discovered by the node
   * tag (`AwsDiscovery.nodeTagKey`) on its own port. Ignored elsewhere.
   * @default - every instance with the service tag, on `port`
   */
  readonly replicaEndpoints?: readonly NodePort[];
  /** EC2 discovery (aws): the router's node and `--prometheus-port`. Ignored elsewhere. @default - every instance with the router tag, on `routerMetricsPort` */
  readonly routerEndpoint?: NodePort;
  /** Static discovery (docker): `host:port` of each SGLang replica. Ignored elsewhere. @default [] */
  readonly targets?: readonly string[];
  /** Static discovery (docker): `host:port` of the router's Prometheus endpoint (replicas > 1). Ignored elsewhere. @default [] */
  readonly routerTargets?: readonly string[];
  /**
   * Planned SGLang replicas: fewer healthy targets than this fires TargetsBelowPlan, even when a
   * vanished instance has left discovery.
   * @default - the number of `targets`, else of `replicaEndpoints`, else 1
   */
  readonly replicas?: number;
  /** TTFT p95 threshold of this service, seconds (config `services[].ttftP95Seconds`). @default - `AlertSettings.ttftP95Seconds` */
  readonly ttftP95Seconds?: number;
}

/** Where a process listens on aws: the planned node name (an instance tag value) and a port. */
export interface NodePort {
  readonly node: string;
  readonly port: number;
}

/**
 * EC2 service discovery. Prometheus lists running instances carrying the stack tag and, per job,
 * the tag that says what runs there; it authenticates with the instance role (no keys in config).
 */
export interface AwsDiscovery {
  /** AWS region of the stack's instances. */
  readonly region: string;
  /** Tag key marking the stack's instances (`TAGS.stack`). */
  readonly tagKey: string;
  /** Value of `tagKey` for this stack, e.g. `prod`. */
  readonly tagValue: string;
  /**
   * An instance running replicas of service S carries a tag whose key is `${serviceTagPrefix}${S}`
   * (any value). Tag keys, not values, because one instance can host several services.
   * @default TAGS.servicePrefix
   */
  readonly serviceTagPrefix?: string;
  /** An instance running the router of service S carries the tag key `${routerTagPrefix}${S}`. @default TAGS.routerPrefix */
  readonly routerTagPrefix?: string;
  /** Tag key whose value is an instance's planned node name (see `MonitoredService.replicaEndpoints`). @default TAGS.node */
  readonly nodeTagKey?: string;
  /** node_exporter port on every stack instance. @default PORTS.nodeExporter */
  readonly nodeExporterPort?: number;
  /** dcgm-exporter port on every instance that hosts an SGLang service. @default PORTS.dcgmExporter */
  readonly dcgmPort?: number;
  /** How often Prometheus re-lists instances. @default "60s" */
  readonly refreshInterval?: string;
}

/** Alert thresholds and durations. Durations are Prometheus durations (`30s`, `10m`, `1h`). */
export interface AlertSettings {
  /** `sglang:token_usage` (KV-cache fraction in use) above this, while requests queue, fires SGLangKVCacheHigh. @default 0.85 */
  readonly kvUsageThreshold: number;
  /** How long the KV-cache usage must stay above the threshold. @default "10m" */
  readonly kvUsageFor: string;
  /** Window of `deriv()` over `sglang:num_queue_reqs` for SGLangQueueGrowing. @default "10m" */
  readonly queueGrowthWindow: string;
  /** How long the queue must keep growing. @default "10m" */
  readonly queueGrowingFor: string;
  /** Smallest waiting-queue depth worth alerting on. @default 1 */
  readonly queueMinDepth: number;
  /** A queue at least this deep fires SGLangQueueDeep, growing or not. @default 20 */
  readonly queueDeepDepth: number;
  /** How long the queue must stay that deep. @default "10m" */
  readonly queueDeepFor: string;
  /** p95 time to first token (seconds) above this fires SGLangTTFTP95High. Must lie inside SGLang's TTFT buckets (0.1 .. 400). @default 5 */
  readonly ttftP95Seconds: number;
  /** Rate window of the TTFT histogram. @default "5m" */
  readonly ttftWindow: string;
  /** How long the p95 must stay high. @default "10m" */
  readonly ttftFor: string;
  /** Finished requests per second below which the TTFT p95 is too noisy to alert on. @default 0.1 */
  readonly ttftMinRequestsPerSecond: number;
  /**
   * SGLangThroughputStall: requests running for this whole window and not one finished. Longer than
   * the longest allowed generation, since SGLang counts tokens when a request finishes.
   * @default "20m"
   */
  readonly stallWindow: string;
  /** How long an SGLang target may be down; long because SGLang opens its port only after weights, KV cache and CUDA graphs are ready. @default "15m" */
  readonly sglangDownFor: string;
  /** How long a router / node_exporter / dcgm-exporter target may be down. @default "5m" */
  readonly exporterDownFor: string;
  /** GPU temperature (°C, `DCGM_FI_DEV_GPU_TEMP`) above this fires GPUTemperatureHigh. @default 85 */
  readonly gpuTempCelsius: number;
  /** How long the GPU must stay hot. @default "5m" */
  readonly gpuTempFor: string;
  /** How long an XID alert stays active after the XID gauge changed to that code; at least 2m. @default "15m" */
  readonly xidWindow: string;
  /** The router answers more than this fraction of its requests with a 5xx: RouterErrorRatioHigh. @default 0.05 */
  readonly routerErrorRatio: number;
  /** Rate window of the router's error ratio and traffic guard. @default "5m" */
  readonly routerErrorWindow: string;
  /** How long the error ratio must stay high. @default "5m" */
  readonly routerErrorFor: string;
  /** Requests per second below which the router's error ratio is not alerted on. @default 0.1 */
  readonly routerMinRequestsPerSecond: number;
  /** How long a router may have no healthy worker with a closed breaker. @default "2m" */
  readonly routerNoWorkerFor: string;
  /**
   * RouterLoadSkew: the busiest worker holds this many times the mean of in-flight requests (between
   * 1 and 2: with two workers 1.5 is a 3:1 split, and 2 would need the other worker to hold nothing).
   * @default 1.5
   */
  readonly routerSkewRatio: number;
  /** ... and the mean is at least this many requests in flight per worker. @default 4 */
  readonly routerSkewMinInFlight: number;
  /** Window the in-flight counts are averaged over. @default "10m" */
  readonly routerSkewWindow: string;
  /** How long the skew must last. @default "15m" */
  readonly routerSkewFor: string;
  /** NodeDiskSpaceLow below this free fraction of a filesystem. @default 0.1 */
  readonly nodeDiskFreeRatio: number;
  /** NodeMemoryLow below this available fraction of memory. @default 0.1 */
  readonly nodeMemoryFreeRatio: number;
  /** How long disk or memory must stay low. @default "10m" */
  readonly nodeFor: string;
  /**
   * Base of every alert's `runbook_url` (`<base>/<Alert>.md`), e.g. the docs/runbooks folder of the
   * repository on a web host. @default "docs/runbooks" (the runbooks shipped in this package)
   */
  readonly runbookBaseUrl: string;
}

/** Grafana side. */
export interface GrafanaSettings {
  /** URL Grafana uses to reach Prometheus (server side, `access: proxy`), e.g. `http://prometheus:<PORTS.prometheus>`. */
  readonly prometheusUrl: string;
  /** Folder inside the Grafana container where the dashboard JSON files are mounted. @default "/var/lib/grafana/dashboards" */
  readonly dashboardsDir?: string;
  /** Grafana folder the dashboards appear in. @default "qwen-serving" */
  readonly folder?: string;
}

/** Prometheus server settings that are command-line flags, not config (see `prometheusArgs`). */
export interface RetentionSettings {
  /** `--storage.tsdb.retention.time`. @default "15d" */
  readonly time?: string;
  /** `--storage.tsdb.retention.size`, e.g. `50GB`. @default - no size limit */
  readonly size?: string;
}

/** Everything the monitoring renderers need. */
export interface MonitoringInput {
  /** Stack name; added as the `stack` external label and to dashboard uids. */
  readonly stack: string;
  /** Where the stack runs; its traits decide how Prometheus finds the targets. */
  readonly platform: Platform;
  readonly services: readonly MonitoredService[];
  /** Static discovery (docker): `host:port` of each node_exporter. @default [] */
  readonly nodeExporterTargets?: readonly string[];
  /** Static discovery (docker): `host:port` of each dcgm-exporter. @default [] */
  readonly dcgmTargets?: readonly string[];
  /** Required where the platform discovers targets by EC2 tags (aws). @default - none */
  readonly aws?: AwsDiscovery;
  /** Overrides of `DEFAULT_ALERTS`. @default DEFAULT_ALERTS */
  readonly alerts?: Partial<AlertSettings>;
  readonly grafana: GrafanaSettings;
  readonly retention?: RetentionSettings;
  /** Global scrape interval. SGLang refreshes its gauges every 40 decode steps or 30 s idle, so finer is wasted. @default "15s" */
  readonly scrapeInterval?: string;
  /** Rule evaluation interval. @default "15s" */
  readonly evaluationInterval?: string;
  /** `host:port` of Alertmanagers to send alerts to (prometheus.yml's `alerting:` block). @default [] (alerts visible in Prometheus only) */
  readonly alertmanagers?: readonly string[];
  /**
   * Receivers and routes of the stack's Alertmanager: rendered to alertmanager.yml where the
   * platform renders monitoring files (aws, docker); the kubernetes adapter puts the same document
   * into kube-prometheus-stack's values. @default - no alertmanager.yml
   */
  readonly alerting?: AlertingInput;
  /**
   * Planned node_exporter targets where discovery finds them (aws: every instance of the stack):
   * fewer healthy ones fires TargetsBelowPlan. With static discovery the targets are the plan.
   * @default - no planned count (only ScrapeJobAbsent watches the job)
   */
  readonly plannedNodes?: number;
  /** Planned dcgm-exporter targets where discovery finds them (aws: the GPU nodes). @default - no planned count */
  readonly plannedGpuNodes?: number;
}

/** Where the runbooks live in this repository and package; `runbook_url` is `<base>/<Alert>.md`. */
export const DEFAULT_RUNBOOK_BASE = "docs/runbooks";

/** Default alert settings; `MonitoringInput.alerts` overrides them field by field. */
export const DEFAULT_ALERTS: AlertSettings = Object.freeze({
  kvUsageThreshold: 0.85,
  kvUsageFor: "10m",
  queueGrowthWindow: "10m",
  queueGrowingFor: "10m",
  queueMinDepth: 1,
  ttftP95Seconds: 5,
  ttftWindow: "5m",
  ttftFor: "10m",
  sglangDownFor: "15m",
  exporterDownFor: "5m",
  gpuTempCelsius: 85,
  gpuTempFor: "5m",
  queueDeepDepth: 20,
  queueDeepFor: "10m",
  ttftMinRequestsPerSecond: 0.1,
  stallWindow: "20m",
  xidWindow: "15m",
  routerErrorRatio: 0.05,
  routerErrorWindow: "5m",
  routerErrorFor: "5m",
  routerMinRequestsPerSecond: 0.1,
  routerNoWorkerFor: "2m",
  routerSkewRatio: 1.5,
  routerSkewMinInFlight: 4,
  routerSkewWindow: "10m",
  routerSkewFor: "15m",
  nodeDiskFreeRatio: 0.1,
  nodeMemoryFreeRatio: 0.1,
  nodeFor: "10m",
  runbookBaseUrl: DEFAULT_RUNBOOK_BASE,
});

export const DEFAULT_SCRAPE_INTERVAL = "15s";
export const DEFAULT_EVALUATION_INTERVAL = "15s";
export const DEFAULT_RETENTION_TIME = "15d";
export const DEFAULT_DASHBOARDS_DIR = "/var/lib/grafana/dashboards";
/** Grafana folder of the dashboards: the project's name. */
export const DEFAULT_GRAFANA_FOLDER = PROJECT;
