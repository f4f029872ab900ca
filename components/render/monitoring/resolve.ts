import { TTFT_BUCKETS } from "./metrics";
import {
  AlertSettings,
  AwsDiscovery,
  DEFAULT_ALERTS,
  DEFAULT_DASHBOARDS_DIR,
  DEFAULT_DCGM_PORT,
  DEFAULT_EVALUATION_INTERVAL,
  DEFAULT_GRAFANA_FOLDER,
  DEFAULT_NODE_EXPORTER_PORT,
  DEFAULT_NODE_TAG_KEY,
  DEFAULT_RETENTION_TIME,
  DEFAULT_ROUTER_TAG_PREFIX,
  DEFAULT_SCRAPE_INTERVAL,
  DEFAULT_SERVICE_TAG_PREFIX,
  MonitoredService,
  MonitoringInput,
  MonitoringPlatform,
  NodePort,
} from "./types";

/** A service with every optional field filled in. */
export interface ResolvedService {
  readonly name: string;
  readonly model: string;
  readonly port?: number;
  readonly routerMetricsPort?: number;
  readonly replicaEndpoints: readonly NodePort[];
  readonly routerEndpoint?: NodePort;
  readonly targets: readonly string[];
  readonly routerTargets: readonly string[];
}

/** `MonitoringInput` after defaults and validation. */
export interface ResolvedMonitoring {
  readonly stack: string;
  readonly platform: MonitoringPlatform;
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

/** Seconds in a Prometheus duration (`1h30m`, `90s`); throws on anything Prometheus would reject. */
export function durationSeconds(duration: string): number {
  const match = DURATION_RE.exec(duration);
  if (duration === "0") return 0;
  if (!match || duration === "") throw new Error(`"${duration}" is not a Prometheus duration (e.g. 30s, 10m, 1h)`);
  return DURATION_UNITS.reduce((total, [, seconds], i) => total + Number(match[i + 1] ?? 0) * seconds, 0);
}

const SERVICE_NAME_RE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
// host:port with a hostname, IPv4 or bracketed IPv6 host.
const TARGET_RE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):\d{1,5}$/;

function isPort(p: unknown): p is number {
  return typeof p === "number" && Number.isInteger(p) && p > 0 && p < 65536;
}

/**
 * Fills defaults and validates. Collects every problem and throws one Error listing them all,
 * so a user fixes their stack config in one pass.
 */
export function resolveMonitoringInput(input: MonitoringInput): ResolvedMonitoring {
  const problems: string[] = [];
  const alerts: AlertSettings = { ...DEFAULT_ALERTS, ...input.alerts };

  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(input.stack)) problems.push(`stack "${input.stack}" must be letters, digits, '.', '_' or '-'`);
  if (input.services.length === 0) problems.push("services: at least one service is needed");

  const seen = new Set<string>();
  const services = input.services.map((s: MonitoredService): ResolvedService => {
    if (!SERVICE_NAME_RE.test(s.name)) problems.push(`services[${s.name}]: name must be lowercase letters, digits, '.' or '-'`);
    if (seen.has(s.name)) problems.push(`services[${s.name}]: duplicate service name`);
    seen.add(s.name);
    if (s.model.trim() === "") problems.push(`services[${s.name}]: model (served model name) is empty`);
    if (s.port !== undefined && !isPort(s.port)) problems.push(`services[${s.name}]: port ${s.port} is not a TCP port`);
    if (s.routerMetricsPort !== undefined && !isPort(s.routerMetricsPort)) problems.push(`services[${s.name}]: routerMetricsPort ${s.routerMetricsPort} is not a TCP port`);
    const targets = [...(s.targets ?? [])];
    const routerTargets = [...(s.routerTargets ?? [])];
    for (const t of [...targets, ...routerTargets]) if (!TARGET_RE.test(t)) problems.push(`services[${s.name}]: target "${t}" is not host:port`);
    const replicaEndpoints = [...(s.replicaEndpoints ?? [])];
    for (const e of [...replicaEndpoints, ...(s.routerEndpoint ? [s.routerEndpoint] : [])])
      if (e.node.trim() === "" || !isPort(e.port)) problems.push(`services[${s.name}]: endpoint ${e.node}:${e.port} needs a node name and a TCP port`);
    if (input.platform === "aws" && s.port === undefined && replicaEndpoints.length === 0) problems.push(`services[${s.name}]: port is required on aws unless replicaEndpoints are given (EC2 discovery scrapes <private ip>:<port>)`);
    if (input.platform === "docker" && targets.length === 0) problems.push(`services[${s.name}]: docker needs at least one target host:port`);
    return { name: s.name, model: s.model, port: s.port, routerMetricsPort: s.routerMetricsPort, replicaEndpoints, routerEndpoint: s.routerEndpoint, targets, routerTargets };
  });

  const nodeExporterTargets = [...(input.nodeExporterTargets ?? [])];
  const dcgmTargets = [...(input.dcgmTargets ?? [])];
  for (const t of [...nodeExporterTargets, ...dcgmTargets]) if (!TARGET_RE.test(t)) problems.push(`exporter target "${t}" is not host:port`);

  let aws: Required<AwsDiscovery> | undefined;
  if (input.platform === "aws") {
    if (!input.aws) {
      problems.push("aws: EC2 discovery settings are required on platform aws");
    } else {
      aws = {
        region: input.aws.region,
        tagKey: input.aws.tagKey,
        tagValue: input.aws.tagValue,
        serviceTagPrefix: input.aws.serviceTagPrefix ?? DEFAULT_SERVICE_TAG_PREFIX,
        routerTagPrefix: input.aws.routerTagPrefix ?? DEFAULT_ROUTER_TAG_PREFIX,
        nodeTagKey: input.aws.nodeTagKey ?? DEFAULT_NODE_TAG_KEY,
        nodeExporterPort: input.aws.nodeExporterPort ?? DEFAULT_NODE_EXPORTER_PORT,
        dcgmPort: input.aws.dcgmPort ?? DEFAULT_DCGM_PORT,
        refreshInterval: input.aws.refreshInterval ?? "60s",
      };
      if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(aws.region)) problems.push(`aws.region "${aws.region}" does not look like an AWS region`);
      if (aws.tagKey === "" || aws.tagValue === "" || aws.nodeTagKey === "") problems.push("aws.tagKey, aws.tagValue and aws.nodeTagKey must be non-empty");
      if (!isPort(aws.nodeExporterPort)) problems.push(`aws.nodeExporterPort ${aws.nodeExporterPort} is not a TCP port`);
      if (!isPort(aws.dcgmPort)) problems.push(`aws.dcgmPort ${aws.dcgmPort} is not a TCP port`);
    }
  }

  const scrapeInterval = input.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL;
  const evaluationInterval = input.evaluationInterval ?? DEFAULT_EVALUATION_INTERVAL;
  const retention = { time: input.retention?.time ?? DEFAULT_RETENTION_TIME, size: input.retention?.size };
  const durations: Array<[string, string]> = [
    ["scrapeInterval", scrapeInterval],
    ["evaluationInterval", evaluationInterval],
    ["retention.time", retention.time],
    ["alerts.kvUsageFor", alerts.kvUsageFor],
    ["alerts.queueGrowthWindow", alerts.queueGrowthWindow],
    ["alerts.queueGrowingFor", alerts.queueGrowingFor],
    ["alerts.ttftWindow", alerts.ttftWindow],
    ["alerts.ttftFor", alerts.ttftFor],
    ["alerts.sglangDownFor", alerts.sglangDownFor],
    ["alerts.exporterDownFor", alerts.exporterDownFor],
    ["alerts.gpuTempFor", alerts.gpuTempFor],
  ];
  if (aws) durations.push(["aws.refreshInterval", aws.refreshInterval]);
  for (const [field, value] of durations) {
    try {
      durationSeconds(value);
    } catch (e) {
      problems.push(`${field}: ${(e as Error).message}`);
    }
  }
  if (retention.size !== undefined && !/^\d+(B|KB|MB|GB|TB|PB|EB)$/.test(retention.size)) problems.push(`retention.size "${retention.size}" must look like 50GB`);

  if (!(alerts.kvUsageThreshold > 0 && alerts.kvUsageThreshold < 1)) problems.push(`alerts.kvUsageThreshold ${alerts.kvUsageThreshold} must be between 0 and 1 (token_usage is a fraction)`);
  if (!(Number.isInteger(alerts.queueMinDepth) && alerts.queueMinDepth >= 1)) problems.push(`alerts.queueMinDepth ${alerts.queueMinDepth} must be an integer >= 1`);
  const firstBucket = TTFT_BUCKETS[0];
  const lastBucket = TTFT_BUCKETS[TTFT_BUCKETS.length - 1];
  if (!(alerts.ttftP95Seconds >= firstBucket && alerts.ttftP95Seconds < lastBucket)) {
    problems.push(`alerts.ttftP95Seconds ${alerts.ttftP95Seconds} must be in [${firstBucket}, ${lastBucket}) seconds, the range of SGLang's TTFT histogram buckets`);
  }
  if (!(alerts.gpuTempCelsius > 0 && alerts.gpuTempCelsius < 150)) problems.push(`alerts.gpuTempCelsius ${alerts.gpuTempCelsius} is not a plausible GPU temperature`);
  if (alerts.runbookBaseUrl !== undefined && !/^https?:\/\//.test(alerts.runbookBaseUrl)) problems.push(`alerts.runbookBaseUrl "${alerts.runbookBaseUrl}" must be an http(s) URL`);

  if (!/^https?:\/\/[^\s]+$/.test(input.grafana.prometheusUrl)) problems.push(`grafana.prometheusUrl "${input.grafana.prometheusUrl}" must be an http(s) URL`);
  const alertmanagers = [...(input.alertmanagers ?? [])];
  for (const t of alertmanagers) if (!TARGET_RE.test(t)) problems.push(`alertmanager "${t}" is not host:port`);

  if (problems.length > 0) {
    throw new Error(`Invalid monitoring input for stack "${input.stack}":\n${problems.map((p, i) => `  ${i + 1}. ${p}`).join("\n")}`);
  }
  return {
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
  };
}
