/**
 * Silence is an alert: the Watchdog, every planned scrape job watched for fewer healthy targets than
 * planned and for vanishing altogether, and targets that answer no scrape.
 */
import { ScrapeJob, scrapeJobsResolved } from "../jobs";
import { COMPONENT } from "../metrics";
import { ResolvedMonitoring } from "../resolve";
import { label, value } from "../templates";
import { AlertSettings } from "../types";
import { AlertRule, HEALTH_GROUP, Severity, num } from "./rule";

/** SGLang replicas and routers serve users: losing one is critical; an exporter only blinds us. */
const serving = (j: ScrapeJob): boolean => j.component === COMPONENT.sglang || j.component === COMPONENT.router;
const severityOf = (j: ScrapeJob): Severity => (serving(j) ? "critical" : "warning");
/** SGLang opens its port only once weights, KV cache and CUDA graphs are ready: it gets the longer wait. */
const downFor = (j: ScrapeJob, a: AlertSettings): string => (j.component === COMPONENT.sglang ? a.sglangDownFor : a.exporterDownFor);
const jobLabels = (j: ScrapeJob): Record<string, string> => (j.service === undefined ? { component: j.component } : { service: j.service, component: j.component });

function watchdog(): AlertRule {
  return {
    group: HEALTH_GROUP,
    alert: "Watchdog",
    expr: "vector(1)",
    severity: "none",
    summary: ["Alerting pipeline of the stack is alive"],
    description: [
      "Always firing, on purpose. It reaches the dead man's switch receiver every repeat interval; when it stops arriving, Prometheus, its rule evaluation, or Alertmanager is down and no other alert can reach anyone.",
    ],
    runbook: "If the dead man's switch reports it missing: check the Prometheus and Alertmanager containers/pods, their logs, and Prometheus' /api/v1/alertmanagers.",
    resultLabels: [],
  };
}

/** Fewer healthy targets than planned, counting a target that left discovery (EC2: a stopped instance) as missing. */
function belowPlan(j: ScrapeJob, planned: number, a: AlertSettings): AlertRule {
  return {
    group: HEALTH_GROUP,
    alert: "TargetsBelowPlan",
    // `or vector(0)`: with every target gone from discovery, count() is empty, not 0.
    expr: `(count(up{job="${j.job}"} == 1) or vector(0)) < ${num(planned)}`,
    for: downFor(j, a),
    severity: severityOf(j),
    labels: { job: j.job, ...jobLabels(j) },
    // $labels holds the expression's labels only (none here), not the rule's: the job is spelled out.
    summary: [`${j.job} has `, value("integer"), ` of ${planned} planned targets healthy`],
    description: [
      `${j.job} has had fewer healthy targets than the ${planned} planned for ${downFor(j, a)}: `,
      "targets are down or have vanished from discovery (an instance stopped or terminated, a container or pod gone).",
    ],
    runbook: "List the job's targets in Prometheus (Status > Targets); for a missing one check the instance/container/pod exists and is running, then its logs.",
    resultLabels: [],
  };
}

/** The job has no `up` series at all: nothing is discovered or scraped for it. */
function jobAbsent(j: ScrapeJob, a: AlertSettings): AlertRule {
  return {
    group: HEALTH_GROUP,
    alert: "ScrapeJobAbsent",
    // absent() takes the job label from the equality matcher.
    expr: `absent(up{job="${j.job}"})`,
    for: downFor(j, a),
    severity: severityOf(j),
    labels: jobLabels(j),
    summary: ["No target of job ", label("job"), " is discovered"],
    description: ["Prometheus has had no target for job ", label("job"), ` for ${downFor(j, a)}: every instance it ran on is gone from discovery, or the scrape configuration lost the job.`],
    runbook: "Check the instances/containers/pods of the job exist (EC2 console by the stack tag, docker ps, kubectl get pods) and Prometheus' service discovery page.",
    resultLabels: ["job"],
  };
}

function targetDown(a: AlertSettings): AlertRule[] {
  const exporters = [COMPONENT.router, COMPONENT.nodeExporter, COMPONENT.dcgmExporter].join("|");
  return [
    {
      group: HEALTH_GROUP,
      alert: "SGLangTargetDown",
      expr: `up{component="${COMPONENT.sglang}"} == 0`,
      for: a.sglangDownFor,
      severity: "critical",
      summary: ["SGLang replica ", label("instance"), " of ", label("service"), " is down"],
      description: [
        "Prometheus could not scrape ",
        label("instance"),
        " (job ",
        label("job"),
        `) for ${a.sglangDownFor}. SGLang opens its port only after weights, KV cache and CUDA graphs are ready, so a cold start longer than this also fires.`,
      ],
      runbook: "Read the replica's logs (docker logs / journalctl / kubectl logs) for OOM, NCCL or weight-loading errors; GET /health on the port; check GPU XID alerts on the same host.",
      resultLabels: "series",
    },
    {
      group: HEALTH_GROUP,
      alert: "ScrapeTargetDown",
      expr: `up{component=~"${exporters}"} == 0`,
      for: a.exporterDownFor,
      severity: "warning",
      summary: [label("component"), " target ", label("instance"), " is down"],
      description: ["Prometheus could not scrape ", label("instance"), " (job ", label("job"), `) for ${a.exporterDownFor}; its metrics and the alerts built on them are blind.`],
      runbook: "Check the exporter's container/unit is running and its port is reachable from Prometheus (security group / network policy); the router serves metrics on its --prometheus-host only.",
      resultLabels: "series",
    },
  ];
}

/** The health rules: the Watchdog, then per planned job its plan and absence, then targets down. */
export function healthRules(r: ResolvedMonitoring, a: AlertSettings): AlertRule[] {
  const planned = scrapeJobsResolved(r).filter((j): j is ScrapeJob & { planned: number } => j.planned !== undefined && j.planned > 0);
  return [watchdog(), ...planned.map((j) => belowPlan(j, j.planned, a)), ...planned.map((j) => jobAbsent(j, a)), ...targetDown(a)];
}
