/**
 * Input of the monitoring renderers. Plain data, no Pulumi types: the platform adapters resolve
 * their Outputs first and pass the plain values in, so every file we render can be checked by
 * promtool / a real Prometheus in tests. What differs by platform (how targets are discovered,
 * which files are rendered) comes from the platform's traits (`components/platforms/traits.ts`).
 */
import { PROJECT } from "../../contract";
import { Platform } from "../../platforms/traits";

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
  /** When set, each alert also gets `runbook_url: <base>#<alertname>`. @default - no runbook links */
  readonly runbookBaseUrl?: string;
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

export const DEFAULT_SCRAPE_INTERVAL = "15s";
export const DEFAULT_EVALUATION_INTERVAL = "15s";
export const DEFAULT_RETENTION_TIME = "15d";
export const DEFAULT_DASHBOARDS_DIR = "/var/lib/grafana/dashboards";
/** Grafana folder of the dashboards: the project's name. */
export const DEFAULT_GRAFANA_FOLDER = PROJECT;
