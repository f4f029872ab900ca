import { toYaml } from "../yaml";
import { Discovery, traitsOf } from "../../platforms/traits";
import { ScrapeJob, jobTargetLabels, scrapeJobsResolved } from "./jobs";
import { ResolvedMonitoring, resolveMonitoringInput } from "./resolve";
import { MonitoringInput } from "./types";

/** Where the rendered files live, relative to the artifact root. */
export const PROMETHEUS_CONFIG_PATH = "monitoring/prometheus.yml";
export const ALERT_RULES_PATH = "monitoring/rules/sglang.rules.yml";
export const ALERT_RULE_TESTS_PATH = "monitoring/rules/sglang.rules.test.yml";
/** `rule_files` entry; Prometheus resolves it relative to the config file's folder. */
const RULE_FILE_FROM_CONFIG = "rules/sglang.rules.yml";

function staticJob(job: ScrapeJob): Record<string, unknown> {
  return {
    job_name: job.job,
    metrics_path: job.path,
    static_configs: [{ targets: [...job.staticTargets], labels: jobTargetLabels(job) }],
  };
}

function ec2Job(r: ResolvedMonitoring, job: ScrapeJob): Record<string, unknown> {
  const aws = r.aws;
  if (!aws || (job.port === undefined && job.awsEndpoints.length === 0)) throw new Error(`job ${job.job}: aws discovery needs aws settings and a port`);
  const base: Array<{ name: string; values: string[] }> = [
    { name: `tag:${aws.tagKey}`, values: [aws.tagValue] },
    // Stopped instances are still listed by DescribeInstances; they would show as down targets.
    { name: "instance-state-name", values: ["running"] },
  ];
  // `port` makes the target <private ip>:<port>; credentials come from the instance role.
  const sd = (port: number, filters: Array<{ name: string; values: string[] }>) => ({ region: aws.region, port, refresh_interval: aws.refreshInterval, filters: [...base, ...filters] });
  let configs;
  if (job.awsEndpoints.length > 0) {
    // One discovery per planned port, limited to the nodes the plan put a listener on that port.
    const nodesByPort = new Map<number, string[]>();
    for (const e of job.awsEndpoints) nodesByPort.set(e.port, [...new Set([...(nodesByPort.get(e.port) ?? []), e.node])]);
    configs = [...nodesByPort].sort(([a], [b]) => a - b).map(([port, nodes]) => sd(port, [{ name: `tag:${aws.nodeTagKey}`, values: nodes }]));
  } else {
    configs = [sd(job.port!, job.awsTagKeys.length > 0 ? [{ name: "tag-key", values: [...job.awsTagKeys] }] : [])];
  }
  const constant = Object.entries(jobTargetLabels(job)).map(([target_label, replacement]) => ({ target_label, replacement }));
  return {
    job_name: job.job,
    metrics_path: job.path,
    ec2_sd_configs: configs,
    relabel_configs: [
      ...constant,
      { source_labels: ["__meta_ec2_instance_id"], target_label: "ec2_instance_id" },
      { source_labels: ["__meta_ec2_availability_zone"], target_label: "availability_zone" },
    ],
  };
}

/** How a job's targets are found in prometheus.yml, per discovery kind of the platform traits. */
const SCRAPE_CONFIG: Record<Exclude<Discovery, "operator">, (r: ResolvedMonitoring, job: ScrapeJob) => Record<string, unknown>> = {
  ec2: ec2Job,
  static: (_r, job) => staticJob(job),
};

/** The prometheus.yml document (before YAML), for a resolved input. */
export function prometheusConfigDocument(r: ResolvedMonitoring): Record<string, unknown> {
  const { discovery } = traitsOf(r.platform);
  if (discovery === "operator") {
    throw new Error(`platform ${r.platform}: Prometheus is configured by ServiceMonitors/PodMonitors (see kubernetesScrapeTargets), not by prometheus.yml`);
  }
  const jobs = scrapeJobsResolved(r);
  const doc: Record<string, unknown> = {
    global: {
      scrape_interval: r.scrapeInterval,
      evaluation_interval: r.evaluationInterval,
      external_labels: { stack: r.stack },
    },
    rule_files: [RULE_FILE_FROM_CONFIG],
  };
  if (r.alertmanagers.length > 0) doc.alerting = { alertmanagers: [{ static_configs: [{ targets: [...r.alertmanagers] }] }] };
  doc.scrape_configs = jobs.map((j) => SCRAPE_CONFIG[discovery](r, j));
  return doc;
}

/** Renders `monitoring/prometheus.yml` for a platform with EC2 (aws) or static (docker) discovery. */
export function renderPrometheusConfig(input: MonitoringInput): string {
  return toYaml(prometheusConfigDocument(resolveMonitoringInput(input)));
}

/**
 * Prometheus server flags for settings that are not in prometheus.yml (retention).
 * `configFile` and `storagePath` are paths as the Prometheus process sees them.
 */
export function prometheusArgs(input: MonitoringInput, paths: { configFile: string; storagePath: string }): string[] {
  const r = resolveMonitoringInput(input);
  const args = [`--config.file=${paths.configFile}`, `--storage.tsdb.path=${paths.storagePath}`, `--storage.tsdb.retention.time=${r.retention.time}`];
  if (r.retention.size !== undefined) args.push(`--storage.tsdb.retention.size=${r.retention.size}`);
  return args;
}
