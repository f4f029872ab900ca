/**
 * Building blocks of the rendered promtool tests: input series in promtool's notation, what an alert
 * case expects, and the labels our scrape configs give each kind of target. Ports from the contract.
 */
import { PORTS } from "../../../contract";
import { AlertRule } from "../alerts";
import { DCGM_EXPORTER_JOB, NODE_EXPORTER_JOB, ScrapeJob, routerJobName, scrapeJobsResolved, sglangJobName } from "../jobs";
import { COMPONENT } from "../metrics";
import { ResolvedMonitoring } from "../resolve";
import { AlertSettings } from "../types";

export type Labels = Readonly<Record<string, string>>;

export interface InputSeries {
  readonly name: string;
  readonly labels: Labels;
  /** promtool expanding notation, one sample per minute from minute 0, e.g. `0+1x20`, `1 stale`. */
  readonly values: string;
}

/** An alert expected at an evaluation: the rule it comes from, its expression's labels, its value. */
export interface Expected {
  readonly rule: AlertRule;
  readonly labels: Labels;
  readonly value: number;
}

/** Series and what fires with them. @default expect [] (nothing fires) */
export interface AlertCase {
  readonly series: readonly InputSeries[];
  readonly expect?: readonly Expected[];
}

/** The three cases every alert's test has, and extra evaluations of the firing one. */
export interface ScenarioCases {
  /** The fault, next to healthy series that must stay quiet. */
  readonly fires: AlertCase;
  /** Normal load: nothing fires (the Watchdog excepted). */
  readonly healthy: AlertCase;
  /** No traffic (idle replicas, or too little traffic to judge): nothing fires. */
  readonly idle: AlertCase;
  /** More evaluations of the firing case, e.g. an XID alert that has resolved while the gauge still holds the code. */
  readonly later?: ReadonlyArray<{ readonly at: number; readonly expect: readonly Expected[] }>;
}

export interface ScenarioContext {
  readonly r: ResolvedMonitoring;
  readonly a: AlertSettings;
  /** The rules of the alert under test (several for per-service and per-job alerts). */
  readonly rules: readonly AlertRule[];
  /** Samples per series after the first. */
  readonly n: number;
  /** Minute of the firing evaluation. */
  readonly fireAt: number;
}

export interface ScenarioBuilder {
  /** Minute from which the fault satisfies the expression. */
  readonly activeFrom: (a: AlertSettings) => number;
  /** Minutes between the end of `for` and the firing evaluation. @default 2 */
  readonly settle?: number;
  /** Minutes before `activeFrom + for` of the quiet evaluation. @default 1 */
  readonly quietMargin?: number;
  readonly build: (ctx: ScenarioContext) => ScenarioCases;
}

/** `v` at every minute. */
export const flat = (v: number, n: number): string => `${v}x${n}`;
/** From `start`, `step` more each minute. */
export const ramp = (start: number, step: number, n: number): string => `${start}${step < 0 ? "" : "+"}${step}x${n}`;

/** The one rule of `rules` that `pick` selects (per-service and per-job alerts have several). */
export function only(rules: readonly AlertRule[], pick: (rule: AlertRule) => boolean, what: string): AlertRule {
  const found = rules.filter(pick);
  if (found.length !== 1) throw new Error(`expected one rule of ${rules[0]?.alert} for ${what}, found ${found.length}`);
  return found[0];
}

/** Service `i` of the input, or a made-up one past its end (alerts that are not per planned service). */
export const serviceName = (r: ResolvedMonitoring, i: number): string => r.services[i]?.name ?? `svc-${i}`;

/** An SGLang replica's scheduler series (model_name, engine_type) as our scrape configs label them. */
export function sglangReplica(r: ResolvedMonitoring, service: number, replica: number): Labels {
  const name = serviceName(r, service);
  return {
    job: sglangJobName(name),
    instance: `10.0.${service}.${replica + 1}:${PORTS.workerBase + replica}`,
    service: name,
    component: COMPONENT.sglang,
    model_name: r.services[service]?.model ?? `model-${name}`,
    engine_type: "unified",
  };
}

/** Tokenizer-side series (histograms, counters) carry model_name only. */
export function tokenizerReplica(r: ResolvedMonitoring, service: number, replica: number): Labels {
  const { engine_type: _unused, ...rest } = sglangReplica(r, service, replica);
  return rest;
}

/** The router of service `i`'s own target labels. */
export function routerTarget(r: ResolvedMonitoring, service: number): Labels {
  const name = serviceName(r, service);
  return { job: routerJobName(name), instance: `10.0.${service}.1:${PORTS.routerMetricsBase + service}`, service: name, component: COMPONENT.router };
}

/** A router series about one of its workers (`worker` is the worker's URL). */
export const routerWorker = (r: ResolvedMonitoring, service: number, worker: number): Labels => ({
  ...routerTarget(r, service),
  worker: `http://10.0.${service}.${worker + 1}:${PORTS.workerBase + worker}`,
});

export const gpu = (index: number): Labels => ({
  job: DCGM_EXPORTER_JOB,
  instance: `10.0.9.1:${PORTS.dcgmExporter}`,
  component: COMPONENT.dcgmExporter,
  gpu: String(index),
  UUID: `GPU-00000000-0000-0000-0000-00000000000${index}`,
  device: `nvidia${index}`,
  modelName: "NVIDIA H20",
  Hostname: "gpu-node-1",
});

export const node = (host: number, extra: Labels = {}): Labels => ({ job: NODE_EXPORTER_JOB, instance: `10.0.9.${host + 1}:${PORTS.nodeExporter}`, component: COMPONENT.nodeExporter, ...extra });

/** The `up` labels of target `k` of a job: SGLang replicas and routers as above, exporters by host. */
export function targetOf(r: ResolvedMonitoring, job: ScrapeJob, k: number): Labels {
  const service = r.services.findIndex((s) => s.name === job.service);
  if (job.component === COMPONENT.sglang) {
    const { job: j, instance, service: s, component } = sglangReplica(r, service, k);
    return { job: j, instance, service: s, component };
  }
  if (job.component === COMPONENT.router) return routerTarget(r, service);
  const port = job.component === COMPONENT.nodeExporter ? PORTS.nodeExporter : PORTS.dcgmExporter;
  return { job: job.job, instance: `10.0.9.${k + 1}:${port}`, component: job.component };
}

/** Every rendered job with its planned targets (1 where the plan gives no count). */
export function plannedTargets(r: ResolvedMonitoring): Array<{ job: ScrapeJob; targets: Labels[] }> {
  return scrapeJobsResolved(r).map((job) => ({ job, targets: Array.from({ length: job.planned ?? 1 }, (_, k) => targetOf(r, job, k)) }));
}

/** `up` of every planned target, 1 throughout, except where `change` gives other values (or drops the series with `null`). */
export function upSeries(r: ResolvedMonitoring, n: number, change: (job: ScrapeJob, target: Labels, k: number) => string | null | undefined = () => undefined): InputSeries[] {
  return plannedTargets(r).flatMap(({ job, targets }) =>
    targets.flatMap((labels, k) => {
      const values = change(job, labels, k);
      return values === null ? [] : [{ name: "up", labels, values: values ?? flat(1, n) }];
    }),
  );
}
