import { PORTS } from "../../contract";
import { AlertRule, alertRules, ruleAnnotations } from "./alerts";
import { DCGM_EXPORTER_JOB, NODE_EXPORTER_JOB, routerJobName, sglangJobName } from "./jobs";
import { COMPONENT, DCGM, SGLANG, SGLANG_HISTOGRAMS, TTFT_BUCKETS } from "./metrics";
import { toYaml } from "../yaml";
import { ALERT_RULES_PATH } from "./prometheus";
import { durationSeconds, resolveMonitoringInput } from "./resolve";
import { expandTemplate } from "./templates";
import { AlertSettings, MonitoringInput } from "./types";

type Labels = Readonly<Record<string, string>>;

interface InputSeries {
  readonly name: string;
  readonly labels: Labels;
  /** promtool expanding notation, one sample per minute, e.g. `0+1x20`. */
  readonly values: string;
}

/** A scenario for one alert: series that must fire and series that must stay quiet. */
interface Scenario {
  readonly series: readonly InputSeries[];
  /** Series (by labels) expected to alert at the firing evaluation, with the alert's value. */
  readonly firing: ReadonlyArray<{ readonly labels: Labels; readonly value: number }>;
}

const SVC_A = "svc-a";
const SVC_B = "svc-b";
const sglangReplica = (service: string, ip: string): Labels => ({
  job: sglangJobName(service),
  instance: `${ip}:${PORTS.workerBase}`,
  service,
  component: COMPONENT.sglang,
  model_name: `model-${service}`,
  engine_type: "unified",
});
// Tokenizer-side metrics (histograms, counters) carry model_name only.
const tokenizerReplica = (service: string, ip: string): Labels =>
  Object.fromEntries(Object.entries(sglangReplica(service, ip)).filter(([k]) => k !== "engine_type"));
const gpu = (index: number): Labels => ({
  job: DCGM_EXPORTER_JOB,
  instance: `10.0.0.11:${PORTS.dcgmExporter}`,
  component: COMPONENT.dcgmExporter,
  gpu: String(index),
  UUID: `GPU-00000000-0000-0000-0000-00000000000${index}`,
  device: `nvidia${index}`,
  modelName: "NVIDIA H20",
  Hostname: "gpu-node-1",
});
const target = (job: string, component: string, instance: string, service?: string): Labels =>
  service === undefined ? { job, instance, component } : { job, instance, component, service };

interface ScenarioBuilder {
  /** Minute from which the bad series satisfy the expression (rate/deriv need two samples). */
  readonly activeFrom: number;
  /** `n`: samples per series after the first; `fireAt`: minute of the firing evaluation. */
  readonly build: (a: AlertSettings, n: number, fireAt: number) => Scenario;
}

/** Scenario builders, one per alert name; a rule without one makes rendering fail (every alert is tested). */
const SCENARIOS: Record<string, ScenarioBuilder> = {
  SGLangKVCacheHigh: {
    activeFrom: 0,
    build: (a, n) => {
      const high = (a.kvUsageThreshold + 1) / 2;
      const bad = sglangReplica(SVC_A, "10.0.0.11");
      return {
        series: [
          { name: SGLANG.tokenUsage, labels: bad, values: `${high}x${n}` },
          { name: SGLANG.tokenUsage, labels: sglangReplica(SVC_A, "10.0.0.12"), values: `${a.kvUsageThreshold / 2}x${n}` },
        ],
        firing: [{ labels: bad, value: high }],
      };
    },
  },
  SGLangQueueGrowing: {
    activeFrom: 1,
    build: (a, n, fireAt) => {
      const bad = sglangReplica(SVC_A, "10.0.0.11");
      return {
        series: [
          // One more waiting request per minute, starting at the minimum depth.
          { name: SGLANG.numQueueReqs, labels: bad, values: `${a.queueMinDepth}+1x${n}` },
          // A deep but steady queue and a draining one must not fire.
          { name: SGLANG.numQueueReqs, labels: sglangReplica(SVC_A, "10.0.0.12"), values: `${a.queueMinDepth + 5}x${n}` },
          { name: SGLANG.numQueueReqs, labels: sglangReplica(SVC_B, "10.0.0.13"), values: `${a.queueMinDepth + n}-1x${n}` },
        ],
        firing: [{ labels: bad, value: a.queueMinDepth + fireAt }],
      };
    },
  },
  SGLangTTFTP95High: {
    activeFrom: 1,
    build: (a, n) => {
      // All observations of the slow service fall in the first bucket at or above the threshold,
      // those of the fast service in the first bucket: p95 interpolates inside those buckets.
      const bounds = [...TTFT_BUCKETS, Number.POSITIVE_INFINITY];
      const lo = bounds.find((b) => b >= a.ttftP95Seconds) ?? TTFT_BUCKETS[TTFT_BUCKETS.length - 1];
      const hi = bounds[bounds.indexOf(lo) + 1];
      const p95 = Number.isFinite(hi) ? lo + (hi - lo) * 0.95 : lo;
      const perMinute = 60;
      const buckets = (service: string, ip: string, observedAt: number): InputSeries[] =>
        bounds.map((le) => ({
          name: `${SGLANG_HISTOGRAMS.timeToFirstToken}_bucket`,
          labels: { ...tokenizerReplica(service, ip), le: Number.isFinite(le) ? String(le) : "+Inf" },
          values: le >= observedAt ? `0+${perMinute}x${n}` : `0x${n}`,
        }));
      return {
        series: [...buckets(SVC_A, "10.0.0.11", hi), ...buckets(SVC_B, "10.0.0.12", TTFT_BUCKETS[0])],
        firing: [{ labels: tokenizerReplica(SVC_A, "10.0.0.11"), value: p95 }],
      };
    },
  },
  SGLangTargetDown: {
    activeFrom: 0,
    build: (_a, n) => {
      const bad = target(sglangJobName(SVC_A), COMPONENT.sglang, `10.0.0.11:${PORTS.workerBase}`, SVC_A);
      return {
        series: [
          { name: "up", labels: bad, values: `0x${n}` },
          { name: "up", labels: target(sglangJobName(SVC_A), COMPONENT.sglang, `10.0.0.12:${PORTS.workerBase}`, SVC_A), values: `1x${n}` },
          // A down router is ScrapeTargetDown's business, not this alert's.
          { name: "up", labels: target(routerJobName(SVC_A), COMPONENT.router, `10.0.0.11:${PORTS.routerMetricsBase}`, SVC_A), values: `0x${n}` },
        ],
        firing: [{ labels: bad, value: 0 }],
      };
    },
  },
  ScrapeTargetDown: {
    activeFrom: 0,
    build: (_a, n) => {
      const router = target(routerJobName(SVC_A), COMPONENT.router, `10.0.0.11:${PORTS.routerMetricsBase}`, SVC_A);
      const node = target(NODE_EXPORTER_JOB, COMPONENT.nodeExporter, `10.0.0.11:${PORTS.nodeExporter}`);
      const dcgm = target(DCGM_EXPORTER_JOB, COMPONENT.dcgmExporter, `10.0.0.11:${PORTS.dcgmExporter}`);
      return {
        series: [
          { name: "up", labels: router, values: `0x${n}` },
          { name: "up", labels: node, values: `0x${n}` },
          { name: "up", labels: dcgm, values: `0x${n}` },
          { name: "up", labels: target(NODE_EXPORTER_JOB, COMPONENT.nodeExporter, `10.0.0.12:${PORTS.nodeExporter}`), values: `1x${n}` },
          // SGLang replicas have their own, slower alert.
          { name: "up", labels: target(sglangJobName(SVC_A), COMPONENT.sglang, `10.0.0.11:${PORTS.workerBase}`, SVC_A), values: `0x${n}` },
        ],
        firing: [router, node, dcgm].map((labels) => ({ labels, value: 0 })),
      };
    },
  },
  GPUXidError: {
    // XID 79 appears at minute 3 on GPU 0.
    activeFrom: 3,
    build: (_a, n) => ({
      series: [
        { name: DCGM.xidErrors, labels: gpu(0), values: `0 0 0 79x${n}` },
        { name: DCGM.xidErrors, labels: gpu(1), values: `0x${n + 3}` },
      ],
      firing: [{ labels: gpu(0), value: 79 }],
    }),
  },
  GPUTemperatureHigh: {
    activeFrom: 0,
    build: (a, n) => {
      const hot = Math.ceil(a.gpuTempCelsius) + 5;
      return {
        series: [
          { name: DCGM.gpuTemp, labels: gpu(0), values: `${hot}x${n}` },
          { name: DCGM.gpuTemp, labels: gpu(1), values: `${Math.max(0, Math.floor(a.gpuTempCelsius) - 20)}x${n}` },
        ],
        firing: [{ labels: gpu(0), value: hot }],
      };
    },
  },
};

/** Alert names that have a rendered promtool test (for the test suite's completeness check). */
export const TESTED_ALERTS: readonly string[] = Object.keys(SCENARIOS);

const seriesSelector = (s: InputSeries): string =>
  `${s.name}{${Object.entries(s.labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",")}}`;

function expectedAlert(rule: AlertRule, labels: Labels, alertValue: number, runbookBaseUrl?: string) {
  const resultLabels: Record<string, string> =
    rule.resultLabels === "series" ? { ...labels } : Object.fromEntries(rule.resultLabels.filter((l) => l in labels).map((l) => [l, labels[l]]));
  const annotations = ruleAnnotations(rule, runbookBaseUrl);
  return {
    exp_labels: { ...resultLabels, severity: rule.severity },
    exp_annotations: {
      ...annotations,
      summary: expandTemplate(rule.summary, resultLabels, alertValue),
      description: expandTemplate(rule.description, resultLabels, alertValue),
    },
  };
}

/**
 * Renders `monitoring/rules/sglang.rules.test.yml`: for every alert, `promtool test rules` checks
 * that it fires (with exact labels and expanded annotations) once its `for` has elapsed, that it is
 * quiet before, and that the healthy series next to it never fire.
 */
export function renderAlertRuleTests(input: MonitoringInput): string {
  const r = resolveMonitoringInput(input);
  const tests = alertRules(r.alerts).map((rule) => {
    const scenario = SCENARIOS[rule.alert];
    if (!scenario) throw new Error(`alert ${rule.alert} has no promtool test scenario; add one to SCENARIOS`);
    const forMinutes = Math.ceil(durationSeconds(rule.for ?? "0s") / 60);
    const fireAt = scenario.activeFrom + forMinutes + 2;
    const s = scenario.build(r.alerts, fireAt + 5, fireAt);
    const cases: Array<Record<string, unknown>> = [
      {
        eval_time: `${fireAt}m`,
        alertname: rule.alert,
        exp_alerts: s.firing.map((f) => expectedAlert(rule, f.labels, f.value, r.alerts.runbookBaseUrl)),
      },
    ];
    // Before `for` has elapsed (or before the fault) nothing fires.
    const quietAt = forMinutes > 0 ? scenario.activeFrom + forMinutes - 1 : scenario.activeFrom - 1;
    if (quietAt >= 0) cases.push({ eval_time: `${quietAt}m`, alertname: rule.alert, exp_alerts: [] });
    return {
      name: `${rule.alert}: fires after ${rule.for ?? "0s"}, quiet before and for healthy series`,
      interval: "1m",
      input_series: s.series.map((x) => ({ series: seriesSelector(x), values: x.values })),
      alert_rule_test: cases,
    };
  });
  return toYaml({
    // Relative to this file: both live in monitoring/rules/.
    rule_files: [ALERT_RULES_PATH.split("/").pop()],
    evaluation_interval: "1m",
    tests,
  });
}
