import { PORTS, TAGS } from "../../contract";
import { Platform, traitsOf } from "../../platforms/traits";
import { Problem, Problems, QwenServingError } from "../../problems";
import { TTFT_BUCKETS } from "./metrics";
import {
  AlertSettings,
  AwsDiscovery,
  DEFAULT_ALERTS,
  DEFAULT_DASHBOARDS_DIR,
  DEFAULT_EVALUATION_INTERVAL,
  DEFAULT_GRAFANA_FOLDER,
  DEFAULT_RETENTION_TIME,
  DEFAULT_SCRAPE_INTERVAL,
  MonitoredService,
  MonitoringInput,
  NodePort,
} from "./types";

/** A service with every optional field filled in. */
export interface ResolvedService {
  readonly name: string;
  readonly model: string;
  readonly port?: number;
  readonly routerMetricsPort?: number;
  readonly replicaEndpoints: readonly NodePort[];
  /** Only where discovery is `ec2`. */
  readonly routerEndpoint?: NodePort;
  readonly targets: readonly string[];
  readonly routerTargets: readonly string[];
  /** Planned SGLang replicas. */
  readonly replicas: number;
  /** TTFT p95 threshold, seconds (the service's own or the stack's). */
  readonly ttftP95Seconds: number;
}

/** `MonitoringInput` after defaults and validation. */
export interface ResolvedMonitoring {
  readonly stack: string;
  readonly platform: Platform;
  readonly services: readonly ResolvedService[];
  readonly nodeExporterTargets: readonly string[];
  readonly dcgmTargets: readonly string[];
  readonly aws?: Required<AwsDiscovery>;
  readonly alerts: AlertSettings;
  readonly grafana: { prometheusUrl: string; dashboardsDir: string; folder: string };
  readonly retention: { time: string; size?: string };
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  readonly alertmanagers: readonly string[];
  readonly plannedNodes?: number;
  readonly plannedGpuNodes?: number;
}

const DURATION_UNITS: ReadonlyArray<[string, number]> = [
  ["y", 365 * 86400],
  ["w", 7 * 86400],
  ["d", 86400],
  ["h", 3600],
  ["m", 60],
  ["s", 1],
  ["ms", 0.001],
];
// Prometheus' own duration grammar: units in descending order, each at most once.
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

const isDuration = (duration: string): boolean => duration === "0" || (duration !== "" && DURATION_RE.test(duration));

/** Seconds in a Prometheus duration (`1h30m`, `90s`); throws on anything Prometheus would reject. */
export function durationSeconds(duration: string): number {
  if (!isDuration(duration)) throw new Error(`"${duration}" is not a Prometheus duration (e.g. 30s, 10m, 1h)`);
  const match = DURATION_RE.exec(duration);
  return match ? DURATION_UNITS.reduce((total, [, seconds], i) => total + Number(match[i + 1] ?? 0) * seconds, 0) : 0;
}

const SERVICE_NAME_RE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
// host:port with a hostname, IPv4 or bracketed IPv6 host.
const TARGET_RE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):\d{1,5}$/;

function isPort(p: unknown): p is number {
  return typeof p === "number" && Number.isInteger(p) && p > 0 && p < 65536;
}

/**
 * Renderer fields that stack config sets through a key of its own. The rest have no key (the
 * adapters derive or default them) and are reported at `monitoring`, naming the field.
 */
const CONFIG_KEYS: Readonly<Record<string, string>> = {
  "alerts.kvUsageThreshold": "monitoring.kvUsageThreshold",
  "alerts.ttftP95Seconds": "monitoring.ttftP95Seconds",
  "retention.time": "monitoring.retentionDays",
};
const atMonitoring = (field: string, value: unknown, rule: string, advice?: string): Problem =>
  field in CONFIG_KEYS ? { path: CONFIG_KEYS[field], value, rule, advice } : { path: "monitoring", value, rule: `${field} ${rule}`, advice };

/** Service `i` of the input is `services[i]` of the stack config: the adapters map the plan's services in order. */
function serviceProblems(input: MonitoringInput, alerts: AlertSettings, problems: Problems): ResolvedService[] {
  const traits = traitsOf(input.platform);
  const seen = new Set<string>();
  return input.services.map((s: MonitoredService, i): ResolvedService => {
    const at = (field?: string) => `services[${i}]${field ? `.${field}` : ""}`;
    if (!SERVICE_NAME_RE.test(s.name)) problems.add({ path: at("name"), value: s.name, rule: "must be lowercase letters, digits, '.' or '-'" });
    if (seen.has(s.name)) problems.add({ path: at("name"), value: s.name, rule: "is the name of an earlier service too" });
    seen.add(s.name);
    if (s.model.trim() === "") problems.add({ path: at("model"), value: s.model, rule: "the served model name is empty" });
    if (s.port !== undefined && !isPort(s.port)) problems.add({ path: at("port"), value: s.port, rule: "is not a TCP port" });
    if (s.routerMetricsPort !== undefined && !isPort(s.routerMetricsPort)) problems.add({ path: at(), value: s.routerMetricsPort, rule: "the router's metrics port is not a TCP port" });
    const targets = [...(s.targets ?? [])];
    const routerTargets = [...(s.routerTargets ?? [])];
    for (const t of [...targets, ...routerTargets]) if (!TARGET_RE.test(t)) problems.add({ path: at(), value: t, rule: "a scrape target is not host:port" });
    const replicaEndpoints = [...(s.replicaEndpoints ?? [])];
    for (const e of [...replicaEndpoints, ...(s.routerEndpoint ? [s.routerEndpoint] : [])])
      if (e.node.trim() === "" || !isPort(e.port)) problems.add({ path: at(), value: `${e.node}:${e.port}`, rule: "a scrape endpoint needs a node name and a TCP port" });
    if (traits.needsServicePort && s.port === undefined && replicaEndpoints.length === 0)
      problems.add({ path: at("port"), rule: `is required on platform ${input.platform} unless replica endpoints are given`, advice: "discovery scrapes <address>:<port>" });
    if (traits.discovery === "static" && targets.length === 0)
      problems.add({ path: at(), rule: `platform ${input.platform} scrapes fixed targets and the service has none`, advice: "give at least one host:port target" });
    // The router's node is a discovery filter only with EC2 discovery; elsewhere it is ignored.
    const routerEndpoint = traits.discovery === "ec2" ? s.routerEndpoint : undefined;
    const replicas = s.replicas ?? (targets.length || replicaEndpoints.length || 1);
    if (!(Number.isInteger(replicas) && replicas >= 1)) problems.add({ path: at("replicas"), value: replicas, rule: "must be an integer >= 1" });
    const ttftP95Seconds = s.ttftP95Seconds ?? alerts.ttftP95Seconds;
    if (s.ttftP95Seconds !== undefined) ttftProblem(ttftP95Seconds, at("ttftP95Seconds"), problems);
    return { name: s.name, model: s.model, port: s.port, routerMetricsPort: s.routerMetricsPort, replicaEndpoints, routerEndpoint, targets, routerTargets, replicas, ttftP95Seconds };
  });
}

/** EC2 discovery settings with defaults, where the platform discovers by EC2 tags. */
function ec2Discovery(input: MonitoringInput, problems: Problems): Required<AwsDiscovery> | undefined {
  if (traitsOf(input.platform).discovery !== "ec2") return undefined;
  if (!input.aws) {
    problems.add({ path: "aws", rule: `EC2 discovery settings are required on platform ${input.platform}` });
    return undefined;
  }
  const aws: Required<AwsDiscovery> = {
    region: input.aws.region,
    tagKey: input.aws.tagKey,
    tagValue: input.aws.tagValue,
    serviceTagPrefix: input.aws.serviceTagPrefix ?? TAGS.servicePrefix,
    routerTagPrefix: input.aws.routerTagPrefix ?? TAGS.routerPrefix,
    nodeTagKey: input.aws.nodeTagKey ?? TAGS.node,
    nodeExporterPort: input.aws.nodeExporterPort ?? PORTS.nodeExporter,
    dcgmPort: input.aws.dcgmPort ?? PORTS.dcgmExporter,
    refreshInterval: input.aws.refreshInterval ?? "60s",
  };
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(aws.region)) problems.add({ path: "aws", value: aws.region, rule: "the region does not look like an AWS region" });
  if (aws.tagKey === "" || aws.tagValue === "" || aws.nodeTagKey === "") problems.add({ path: "aws", rule: "the discovery tag key, tag value and node tag key must be non-empty" });
  if (!isPort(aws.nodeExporterPort)) problems.add({ path: "aws", value: aws.nodeExporterPort, rule: "the node_exporter port is not a TCP port" });
  if (!isPort(aws.dcgmPort)) problems.add({ path: "aws", value: aws.dcgmPort, rule: "the dcgm-exporter port is not a TCP port" });
  if (!isDuration(aws.refreshInterval)) problems.add({ path: "aws", value: aws.refreshInterval, rule: "the discovery refresh interval is not a Prometheus duration", advice: "e.g. 30s, 10m, 1h" });
  return aws;
}

/** histogram_quantile cannot report beyond SGLang's TTFT buckets. */
function ttftProblem(seconds: number, path: string, problems: Problems): void {
  const firstBucket = TTFT_BUCKETS[0];
  const lastBucket = TTFT_BUCKETS[TTFT_BUCKETS.length - 1];
  if (!(seconds >= firstBucket && seconds < lastBucket))
    problems.add({ path, value: seconds, rule: `must be in [${firstBucket}, ${lastBucket}) seconds`, advice: "the range of SGLang's TTFT histogram buckets" });
}

const isFraction = (x: number): boolean => x > 0 && x < 1;

function alertProblems(alerts: AlertSettings, problems: Problems): void {
  if (!(alerts.kvUsageThreshold > 0 && alerts.kvUsageThreshold < 1))
    problems.add(atMonitoring("alerts.kvUsageThreshold", alerts.kvUsageThreshold, "must be between 0 and 1", "token_usage is a fraction"));
  if (!(Number.isInteger(alerts.queueMinDepth) && alerts.queueMinDepth >= 1)) problems.add(atMonitoring("alerts.queueMinDepth", alerts.queueMinDepth, "must be an integer >= 1"));
  ttftProblem(alerts.ttftP95Seconds, CONFIG_KEYS["alerts.ttftP95Seconds"], problems);
  if (!(alerts.gpuTempCelsius > 0 && alerts.gpuTempCelsius < 150)) problems.add(atMonitoring("alerts.gpuTempCelsius", alerts.gpuTempCelsius, "is not a plausible GPU temperature"));
  if (!/^(https?:\/\/\S+|[A-Za-z0-9._/-]+)$/.test(alerts.runbookBaseUrl)) problems.add(atMonitoring("alerts.runbookBaseUrl", alerts.runbookBaseUrl, "must be an http(s) URL or a relative path"));
  for (const k of ["routerErrorRatio", "nodeDiskFreeRatio", "nodeMemoryFreeRatio"] as const)
    if (!isFraction(alerts[k])) problems.add(atMonitoring(`alerts.${k}`, alerts[k], "must be between 0 and 1"));
  for (const k of ["queueDeepDepth", "routerSkewMinInFlight"] as const)
    if (!(Number.isInteger(alerts[k]) && alerts[k] >= 1)) problems.add(atMonitoring(`alerts.${k}`, alerts[k], "must be an integer >= 1"));
  for (const k of ["ttftMinRequestsPerSecond", "routerMinRequestsPerSecond"] as const) if (!(alerts[k] > 0)) problems.add(atMonitoring(`alerts.${k}`, alerts[k], "must be above 0"));
  if (!(alerts.routerSkewRatio > 1 && alerts.routerSkewRatio < 2))
    problems.add(atMonitoring("alerts.routerSkewRatio", alerts.routerSkewRatio, "must be between 1 and 2", "two workers never exceed 2"));
  if (isDuration(alerts.xidWindow) && durationSeconds(alerts.xidWindow) < 120)
    problems.add(atMonitoring("alerts.xidWindow", alerts.xidWindow, "must be at least 2m", "changes() needs the samples before and after the change"));
}

/** Every duration field of AlertSettings, checked alike. */
const ALERT_DURATIONS = [
  "kvUsageFor",
  "queueGrowthWindow",
  "queueGrowingFor",
  "queueDeepFor",
  "ttftWindow",
  "ttftFor",
  "stallWindow",
  "sglangDownFor",
  "exporterDownFor",
  "gpuTempFor",
  "xidWindow",
  "routerErrorWindow",
  "routerErrorFor",
  "routerNoWorkerFor",
  "routerSkewWindow",
  "routerSkewFor",
  "nodeFor",
] as const;

/** Fills defaults and collects every problem of the input. */
function resolve(input: MonitoringInput): { resolved: ResolvedMonitoring; problems: readonly Problem[] } {
  const problems = new Problems();
  const alerts: AlertSettings = { ...DEFAULT_ALERTS, ...input.alerts };
  const machines = traitsOf(input.platform).machines;

  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(input.stack)) problems.add({ path: "stack", value: input.stack, rule: "the stack name must be letters, digits, '.', '_' or '-'" });
  if (input.services.length === 0) problems.add({ path: "services", rule: "at least one service is needed" });
  const services = serviceProblems(input, alerts, problems);

  const nodeExporterTargets = [...(input.nodeExporterTargets ?? [])];
  const dcgmTargets = [...(input.dcgmTargets ?? [])];
  for (const t of [...nodeExporterTargets, ...dcgmTargets]) if (!TARGET_RE.test(t)) problems.add({ path: machines, value: t, rule: "an exporter target is not host:port" });
  const aws = ec2Discovery(input, problems);

  const scrapeInterval = input.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL;
  const evaluationInterval = input.evaluationInterval ?? DEFAULT_EVALUATION_INTERVAL;
  const retention = { time: input.retention?.time ?? DEFAULT_RETENTION_TIME, size: input.retention?.size };
  const durations: Array<[string, string]> = [
    ["scrapeInterval", scrapeInterval],
    ["evaluationInterval", evaluationInterval],
    ["retention.time", retention.time],
    ...ALERT_DURATIONS.map((k): [string, string] => [`alerts.${k}`, alerts[k]]),
  ];
  for (const [field, value] of durations) if (!isDuration(value)) problems.add(atMonitoring(field, value, "is not a Prometheus duration", "e.g. 30s, 10m, 1h"));
  if (retention.size !== undefined && !/^\d+(B|KB|MB|GB|TB|PB|EB)$/.test(retention.size)) problems.add(atMonitoring("retention.size", retention.size, "must look like 50GB"));
  alertProblems(alerts, problems);

  if (!/^https?:\/\/[^\s]+$/.test(input.grafana.prometheusUrl)) problems.add(atMonitoring("grafana.prometheusUrl", input.grafana.prometheusUrl, "must be an http(s) URL"));
  const alertmanagers = [...(input.alertmanagers ?? [])];
  for (const t of alertmanagers) if (!TARGET_RE.test(t)) problems.add(atMonitoring("alertmanagers", t, "lists a target that is not host:port"));
  for (const [k, n] of [
    ["plannedNodes", input.plannedNodes],
    ["plannedGpuNodes", input.plannedGpuNodes],
  ] as const)
    if (n !== undefined && !(Number.isInteger(n) && n >= 0)) problems.add(atMonitoring(k, n, "must be an integer >= 0"));

  const resolved: ResolvedMonitoring = {
    stack: input.stack,
    platform: input.platform,
    services,
    nodeExporterTargets,
    dcgmTargets,
    aws,
    alerts,
    grafana: {
      prometheusUrl: input.grafana.prometheusUrl,
      dashboardsDir: input.grafana.dashboardsDir ?? DEFAULT_DASHBOARDS_DIR,
      folder: input.grafana.folder ?? DEFAULT_GRAFANA_FOLDER,
    },
    retention,
    scrapeInterval,
    evaluationInterval,
    alertmanagers,
    plannedNodes: input.plannedNodes,
    plannedGpuNodes: input.plannedGpuNodes,
  };
  return { resolved, problems: problems.all };
}

/** Every problem of a monitoring input, for an adapter that reports them with its own before any resource exists. */
export function monitoringInputProblems(input: MonitoringInput): readonly Problem[] {
  return resolve(input).problems;
}

/**
 * Fills defaults and validates. Throws one QwenServingError listing every problem, so a user fixes
 * their stack config in one pass.
 */
export function resolveMonitoringInput(input: MonitoringInput): ResolvedMonitoring {
  const { resolved, problems } = resolve(input);
  if (problems.length) throw new QwenServingError("platform", problems);
  return resolved;
}
