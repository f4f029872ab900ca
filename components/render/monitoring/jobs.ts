import { PORTS } from "../../contract";
import { traitsOf } from "../../platforms/traits";
import { COMPONENT, ScrapeComponent } from "./metrics";
import { ResolvedMonitoring, ResolvedService, resolveMonitoringInput } from "./resolve";
import { MonitoringInput, NodePort } from "./types";

/** Every exporter here serves Prometheus text on this path (SGLang mounts it at `^/metrics(.*)$`). */
export const METRICS_PATH = "/metrics";

/**
 * Kubernetes port names our workloads should use, so ServiceMonitors/PodMonitors can select them.
 * (Port names are at most 15 characters.)
 */
export const KUBERNETES_PORT_NAMES = Object.freeze({
  /** SGLang's HTTP port; /metrics is on the serving port. */
  sglang: "http",
  /** sglang-router `--prometheus-port` (the router serves traffic on a separate port). */
  router: "metrics",
  nodeExporter: "metrics",
  dcgmExporter: "metrics",
});

/** One Prometheus job, independent of how its targets are discovered. */
export interface ScrapeJob {
  /** Prometheus `job` label, e.g. `sglang-qwen3-32b`. */
  readonly job: string;
  readonly component: ScrapeComponent;
  /** Our service name (the `service` label) for SGLang and router jobs. */
  readonly service?: string;
  readonly path: string;
  /** Port on each discovered instance (aws) or in the pod (kubernetes). */
  readonly port?: number;
  /** `host:port` targets on docker. */
  readonly staticTargets: readonly string[];
  /** aws: an instance must carry at least one of these tag keys. */
  readonly awsTagKeys: readonly string[];
  /** aws: planned node and port of each target; when set, discovery is by node tag and these ports instead of `port`. */
  readonly awsEndpoints: readonly NodePort[];
  /** Targets the plan expects healthy (TargetsBelowPlan). @default - unknown: only ScrapeJobAbsent watches the job */
  readonly planned?: number;
}

/** Job name of the SGLang replicas of a service. */
export const sglangJobName = (service: string): string => `sglang-${service}`;
/** Job name of a service's router. */
export const routerJobName = (service: string): string => `sglang-router-${service}`;
export const NODE_EXPORTER_JOB = "node-exporter";
export const DCGM_EXPORTER_JOB = "dcgm-exporter";

/** Labels every target of a job gets; rules and dashboards select on them on all platforms. */
export function jobTargetLabels(job: ScrapeJob): Record<string, string> {
  return job.service === undefined ? { component: job.component } : { service: job.service, component: job.component };
}

/** A job's fields with the defaults most jobs share: `/metrics`, no EC2 tag or endpoint filter. */
const job = (j: Omit<ScrapeJob, "path" | "awsTagKeys" | "awsEndpoints"> & Partial<Pick<ScrapeJob, "awsTagKeys" | "awsEndpoints">>): ScrapeJob => ({
  path: METRICS_PATH,
  awsTagKeys: [],
  awsEndpoints: [],
  ...j,
});

function serviceJobs(r: ResolvedMonitoring, s: ResolvedService): ScrapeJob[] {
  const aws = r.aws;
  const jobs = [
    job({
      job: sglangJobName(s.name),
      component: COMPONENT.sglang,
      service: s.name,
      port: s.port,
      staticTargets: s.targets,
      awsTagKeys: aws ? [`${aws.serviceTagPrefix}${s.name}`] : [],
      awsEndpoints: aws ? s.replicaEndpoints : [],
      planned: s.replicas,
    }),
  ];
  // A router is scraped where the plan gave it a concrete target (a metrics port, or host:port targets).
  const hasRouter = traitsOf(r.platform).routerScrapedBy === "targets" ? s.routerTargets.length > 0 : s.routerMetricsPort !== undefined || s.routerEndpoint !== undefined;
  if (hasRouter) {
    jobs.push(
      job({
        job: routerJobName(s.name),
        component: COMPONENT.router,
        service: s.name,
        port: s.routerMetricsPort,
        staticTargets: s.routerTargets,
        awsTagKeys: aws ? [`${aws.routerTagPrefix}${s.name}`] : [],
        awsEndpoints: aws && s.routerEndpoint ? [s.routerEndpoint] : [],
        planned: 1,
      }),
    );
  }
  return jobs;
}

/** The jobs of a resolved input. With static discovery, exporter jobs without targets are left out. */
export function scrapeJobsResolved(r: ResolvedMonitoring): ScrapeJob[] {
  const aws = r.aws;
  const fixedTargets = traitsOf(r.platform).discovery === "static";
  // With static discovery the targets are the plan; elsewhere the adapter says how many to expect, if it knows.
  const planned = (targets: readonly string[], count?: number) => (fixedTargets ? targets.length : count);
  const exporters = [
    // Every instance of the stack runs node_exporter: the stack tag filter is enough.
    job({
      job: NODE_EXPORTER_JOB,
      component: COMPONENT.nodeExporter,
      port: aws?.nodeExporterPort ?? PORTS.nodeExporter,
      staticTargets: r.nodeExporterTargets,
      planned: planned(r.nodeExporterTargets, r.plannedNodes),
    }),
    job({
      job: DCGM_EXPORTER_JOB,
      component: COMPONENT.dcgmExporter,
      port: aws?.dcgmPort ?? PORTS.dcgmExporter,
      staticTargets: r.dcgmTargets,
      // Only GPU instances run dcgm-exporter: those hosting any SGLang service (EC2 ORs the values of one filter).
      awsTagKeys: aws ? r.services.map((s) => `${aws.serviceTagPrefix}${s.name}`) : [],
      planned: planned(r.dcgmTargets, r.plannedGpuNodes),
    }),
  ];
  return [...r.services.flatMap((s) => serviceJobs(r, s)), ...exporters.filter((j) => !fixedTargets || j.staticTargets.length > 0)];
}

/** The Prometheus jobs for an input (after validation). */
export function scrapeJobs(input: MonitoringInput): ScrapeJob[] {
  return scrapeJobsResolved(resolveMonitoringInput(input));
}

/** A Prometheus Operator relabeling that sets a label to a constant. */
export interface ConstantRelabeling {
  readonly action: "replace";
  readonly targetLabel: string;
  readonly replacement: string;
}

/** What the Kubernetes adapter needs to build one ServiceMonitor/PodMonitor endpoint. */
export interface KubernetesScrapeTarget {
  readonly job: string;
  readonly component: ScrapeComponent;
  readonly service?: string;
  /** Name of the container/Service port to scrape. */
  readonly portName: string;
  readonly path: string;
  readonly interval: string;
  /**
   * Relabelings giving the same `job`, `service` and `component` labels as on aws/docker, so the
   * rendered rules and dashboards work unchanged. (The operator would otherwise set `service`
   * to the Kubernetes Service name.)
   */
  readonly relabelings: readonly ConstantRelabeling[];
}

/** Port names per component: a ServiceMonitor endpoint selects its port by name. */
const PORT_NAME: Record<ScrapeComponent, string> = {
  [COMPONENT.sglang]: KUBERNETES_PORT_NAMES.sglang,
  [COMPONENT.router]: KUBERNETES_PORT_NAMES.router,
  [COMPONENT.nodeExporter]: KUBERNETES_PORT_NAMES.nodeExporter,
  [COMPONENT.dcgmExporter]: KUBERNETES_PORT_NAMES.dcgmExporter,
};

/**
 * Scrape path, port name and labels per job for the ServiceMonitors / PodMonitors of a platform
 * whose discovery is `operator` (kubernetes). We do not render those objects here: the adapter
 * owns Kubernetes resources.
 */
export function kubernetesScrapeTargets(input: MonitoringInput): KubernetesScrapeTarget[] {
  if (traitsOf(input.platform).discovery !== "operator") throw new Error(`kubernetesScrapeTargets: platform ${input.platform} does not discover targets through the Prometheus Operator`);
  const r = resolveMonitoringInput(input);
  return scrapeJobsResolved(r).map((j) => {
    const labels: Record<string, string> = { job: j.job, ...jobTargetLabels(j) };
    return {
      job: j.job,
      component: j.component,
      service: j.service,
      portName: PORT_NAME[j.component],
      path: j.path,
      interval: r.scrapeInterval,
      relabelings: Object.entries(labels).map(([targetLabel, replacement]) => ({ action: "replace" as const, targetLabel, replacement })),
    };
  });
}
