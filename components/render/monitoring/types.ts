/**
 * Input of the monitoring renderers. Plain data, no Pulumi types: the platform adapters resolve
 * their Outputs first and pass the plain values in, so every file we render can be checked by
 * promtool / a real Prometheus in tests.
 */

/** Where the stack runs; decides how Prometheus finds its targets. */
export type MonitoringPlatform = "aws" | "docker" | "kubernetes";

/** One SGLang service (one model) and where its metrics are served. */
export interface MonitoredService {
  /** Service name from the stack config (e.g. `qwen3-32b`); becomes the `service` target label. Lowercase DNS-like. */
  readonly name: string;
  /** Served model name, i.e. the `model_name` label SGLang puts on its metrics (`--served-model-name`, defaults to `--model-path`). */
  readonly model: string;
  /**
   * SGLang HTTP port (`--port`) of every replica; SGLang serves `/metrics` on it.
   * Required on `aws` (EC2 discovery scrapes `<private ip>:<port>`) and used for the Kubernetes helper.
   */
  readonly port?: number;
  /**
   * Prometheus port of the sglang-router (`--prometheus-port`, router default 29000; it binds
   * `--prometheus-host`, default 127.0.0.1, so the router must be started with a reachable host)
   * when the service has a router (replicas > 1). Used on `aws` and by `kubernetesScrapeTargets`.
   * @default undefined (no router job on aws / kubernetes)
   */
  readonly routerMetricsPort?: number;
  /**
   * `aws`: the planned node and port of every SGLang replica. Replicas behind a router listen on
   * their own worker ports (several per node), not on `port`, so each is discovered by the node
   * tag (`AwsDiscovery.nodeTagKey`) on its own port. Ignored elsewhere.
   * @default [] (every instance with the service tag, on `port`)
   */
  readonly replicaEndpoints?: readonly NodePort[];
  /** `aws`: the router's node and `--prometheus-port`. Ignored elsewhere. @default undefined (every instance with the router tag, on `routerMetricsPort`) */
  readonly routerEndpoint?: NodePort;
  /** `docker`: `host:port` of each SGLang replica. Ignored on `aws` and `kubernetes`. @default [] */
  readonly targets?: readonly string[];
  /** `docker`: `host:port` of the router's Prometheus endpoint (replicas > 1). Ignored elsewhere. @default [] */
  readonly routerTargets?: readonly string[];
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
  /** Tag key marking the stack's instances, e.g. `qwen-serving:stack`. */
  readonly tagKey: string;
  /** Value of `tagKey` for this stack, e.g. `prod`. */
  readonly tagValue: string;
  /**
   * An instance running replicas of service S carries a tag whose key is `${serviceTagPrefix}${S}`
   * (any value). Tag keys, not values, because one instance can host several services.
   * @default "qwen-serving:sglang:"
   */
  readonly serviceTagPrefix?: string;
  /** An instance running the router of service S carries the tag key `${routerTagPrefix}${S}`. @default "qwen-serving:router:" */
  readonly routerTagPrefix?: string;
  /** Tag key whose value is an instance's planned node name (see `MonitoredService.replicaEndpoints`). @default "qwen-serving:node" */
  readonly nodeTagKey?: string;
  /** node_exporter port on every stack instance. @default 9100 */
  readonly nodeExporterPort?: number;
  /** dcgm-exporter port on every instance that hosts an SGLang service. @default 9400 */
  readonly dcgmPort?: number;
  /** How often Prometheus re-lists instances. @default "60s" */
  readonly refreshInterval?: string;
}

/** Alert thresholds and durations. Durations are Prometheus durations (`30s`, `10m`, `1h`). */
export interface AlertSettings {
  /** `sglang:token_usage` (KV-cache fraction in use) above this fires SGLangKVCacheHigh. @default 0.85 */
  readonly kvUsageThreshold: number;
  /** How long the KV-cache usage must stay above the threshold. @default "10m" */
  readonly kvUsageFor: string;
  /** Window of `deriv()` over `sglang:num_queue_reqs` for SGLangQueueGrowing. @default "10m" */
  readonly queueGrowthWindow: string;
  /** How long the queue must keep growing. @default "10m" */
  readonly queueGrowingFor: string;
  /** Smallest waiting-queue depth worth alerting on. @default 1 */
  readonly queueMinDepth: number;
  /** p95 time to first token (seconds) above this fires SGLangTTFTP95High. Must lie inside SGLang's TTFT buckets (0.1 .. 400). @default 5 */
  readonly ttftP95Seconds: number;
  /** Rate window of the TTFT histogram. @default "5m" */
  readonly ttftWindow: string;
  /** How long the p95 must stay high. @default "10m" */
  readonly ttftFor: string;
  /** How long an SGLang target may be down; long because SGLang opens its port only after weights, KV cache and CUDA graphs are ready. @default "15m" */
  readonly sglangDownFor: string;
  /** How long a router / node_exporter / dcgm-exporter target may be down. @default "5m" */
  readonly exporterDownFor: string;
  /** GPU temperature (°C, `DCGM_FI_DEV_GPU_TEMP`) above this fires GPUTemperatureHigh. @default 85 */
  readonly gpuTempCelsius: number;
  /** How long the GPU must stay hot. @default "5m" */
  readonly gpuTempFor: string;
  /** When set, each alert also gets `runbook_url: <base>#<alertname>`. @default undefined */
  readonly runbookBaseUrl?: string;
}

/** Grafana side. */
export interface GrafanaSettings {
  /** URL Grafana uses to reach Prometheus (server side, `access: proxy`), e.g. `http://prometheus:9090`. */
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
  /** `--storage.tsdb.retention.size`, e.g. `50GB`. @default undefined (no size limit) */
  readonly size?: string;
}

/** Everything the monitoring renderers need. */
export interface MonitoringInput {
  /** Stack name; added as the `stack` external label and to dashboard uids. */
  readonly stack: string;
  readonly platform: MonitoringPlatform;
  readonly services: readonly MonitoredService[];
  /** `docker`: `host:port` of each node_exporter. @default [] */
  readonly nodeExporterTargets?: readonly string[];
  /** `docker`: `host:port` of each dcgm-exporter. @default [] */
  readonly dcgmTargets?: readonly string[];
  /** Required when `platform` is `aws`. */
  readonly aws?: AwsDiscovery;
  /** Overrides of `DEFAULT_ALERTS`. @default DEFAULT_ALERTS */
  readonly alerts?: Partial<AlertSettings>;
  readonly grafana: GrafanaSettings;
  readonly retention?: RetentionSettings;
  /** Global scrape interval. SGLang refreshes its gauges every 40 decode steps or 30 s idle, so finer is wasted. @default "15s" */
  readonly scrapeInterval?: string;
  /** Rule evaluation interval. @default "15s" */
  readonly evaluationInterval?: string;
  /** `host:port` of Alertmanagers to send alerts to. @default [] (alerts visible in Prometheus only) */
  readonly alertmanagers?: readonly string[];
}

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
});

/** node_exporter's registered default port. */
export const DEFAULT_NODE_EXPORTER_PORT = 9100;
/** dcgm-exporter's default listen port (`:9400`). */
export const DEFAULT_DCGM_PORT = 9400;
/** sglang-router 0.1.5 `--prometheus-port` default. */
export const DEFAULT_ROUTER_METRICS_PORT = 29000;
export const DEFAULT_SCRAPE_INTERVAL = "15s";
export const DEFAULT_EVALUATION_INTERVAL = "15s";
export const DEFAULT_RETENTION_TIME = "15d";
export const DEFAULT_DASHBOARDS_DIR = "/var/lib/grafana/dashboards";
export const DEFAULT_GRAFANA_FOLDER = "qwen-serving";
export const DEFAULT_SERVICE_TAG_PREFIX = "qwen-serving:sglang:";
export const DEFAULT_ROUTER_TAG_PREFIX = "qwen-serving:router:";
export const DEFAULT_NODE_TAG_KEY = "qwen-serving:node";
