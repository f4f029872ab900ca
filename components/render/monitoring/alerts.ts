import { COMPONENT, DCGM, SGLANG, SGLANG_HISTOGRAMS } from "./metrics";
import { toYaml } from "../yaml";
import { resolveMonitoringInput } from "./resolve";
import { TemplatePart, goTemplate, label, value } from "./templates";
import { AlertSettings, DEFAULT_ALERTS, MonitoringInput } from "./types";

export type Severity = "warning" | "critical";

/** One alerting rule, as data: rendered to YAML and to promtool test cases from the same object. */
export interface AlertRule {
  /** Rule group it belongs to. */
  readonly group: string;
  readonly alert: string;
  readonly expr: string;
  /** Omitted when the alert should fire on the first evaluation. */
  readonly for?: string;
  readonly severity: Severity;
  readonly summary: readonly TemplatePart[];
  readonly description: readonly TemplatePart[];
  /** One line: what to look at and what to do. */
  readonly runbook: string;
  /**
   * Labels of the expression's result: `"series"` when it keeps the input series' labels, or the
   * `by (...)` list when it aggregates. Used to derive the expected labels in rule tests.
   */
  readonly resultLabels: "series" | readonly string[];
}

export const SGLANG_GROUP = "qwen-serving.sglang";
export const TARGETS_GROUP = "qwen-serving.targets";
export const GPU_GROUP = "qwen-serving.gpu";

/** PromQL number literal (no exponent surprises for the thresholds we accept). */
const num = (x: number): string => String(x);
const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

const KV_BY = ["service", "instance", "model_name"] as const;
const TTFT_BY = ["service", "model_name"] as const;

/** All alerting rules for the given settings (defaults when omitted). */
export function alertRules(overrides: Partial<AlertSettings> = {}): AlertRule[] {
  const a: AlertSettings = { ...DEFAULT_ALERTS, ...overrides };
  const exporters = [COMPONENT.router, COMPONENT.nodeExporter, COMPONENT.dcgmExporter].join("|");
  return [
    {
      group: SGLANG_GROUP,
      alert: "SGLangKVCacheHigh",
      // max over a replica's series: one alert per replica even if label sets ever split.
      expr: `max by (${KV_BY.join(", ")}) (${SGLANG.tokenUsage}) > ${num(a.kvUsageThreshold)}`,
      for: a.kvUsageFor,
      severity: "warning",
      summary: ["KV cache of ", label("service"), " at ", value("percent"), " on ", label("instance")],
      description: [
        `${SGLANG.tokenUsage} of `, label("model_name"), " on ", label("instance"),
        ` has stayed above ${pct(a.kvUsageThreshold)} for ${a.kvUsageFor}. New requests queue and running ones may be retracted when it runs out.`,
      ],
      runbook: "Check the Queued requests and KV-cache panels; add a replica, or lower --max-running-requests / --context-length, or move the service to GPUs with more memory.",
      resultLabels: KV_BY,
    },
    {
      group: SGLANG_GROUP,
      alert: "SGLangQueueGrowing",
      // Queue depth on the left so $value is the depth, not the slope.
      expr: `${SGLANG.numQueueReqs} >= ${num(a.queueMinDepth)} and deriv(${SGLANG.numQueueReqs}[${a.queueGrowthWindow}]) > 0`,
      for: a.queueGrowingFor,
      severity: "warning",
      summary: ["Request queue of ", label("service"), " growing on ", label("instance")],
      description: [
        value("integer"), " requests wait on ", label("instance"), " (", label("model_name"),
        `) and the queue has kept growing for ${a.queueGrowingFor}: arrivals exceed what the replica admits.`,
      ],
      runbook: "If KV-cache usage is high too, scale out; if KV is free, check --max-running-requests and --chunked-prefill-size; shed or rate-limit load at the router / load balancer.",
      resultLabels: "series",
    },
    {
      group: SGLANG_GROUP,
      alert: "SGLangTTFTP95High",
      // Quantile from bucket rates summed by le (never a per-bucket ratio).
      expr: `histogram_quantile(0.95, sum by (${[...TTFT_BY, "le"].join(", ")}) (rate(${SGLANG_HISTOGRAMS.timeToFirstToken}_bucket[${a.ttftWindow}]))) > ${num(a.ttftP95Seconds)}`,
      for: a.ttftFor,
      severity: "warning",
      summary: ["p95 time to first token of ", label("service"), " is ", value("fixed2"), "s"],
      description: [
        `p95 TTFT of `, label("model_name"), ` over ${a.ttftWindow} (histogram ${SGLANG_HISTOGRAMS.timeToFirstToken}) has been above ${num(a.ttftP95Seconds)}s for ${a.ttftFor}.`,
      ],
      runbook: "Compare queue depth and prompt-token rate: a deep queue means scale out; long prompts mean prefill-bound (check --chunked-prefill-size); check GPU utilization and throttling.",
      resultLabels: TTFT_BY,
    },
    {
      group: TARGETS_GROUP,
      alert: "SGLangTargetDown",
      expr: `up{component="${COMPONENT.sglang}"} == 0`,
      for: a.sglangDownFor,
      severity: "critical",
      summary: ["SGLang replica ", label("instance"), " of ", label("service"), " is down"],
      description: [
        "Prometheus could not scrape ", label("instance"), " (job ", label("job"),
        `) for ${a.sglangDownFor}. SGLang opens its port only after weights, KV cache and CUDA graphs are ready, so a cold start longer than this also fires.`,
      ],
      runbook: "Read the replica's logs (docker logs / journalctl / kubectl logs) for OOM, NCCL or weight-loading errors; GET /health on the port; check GPU XID alerts on the same host.",
      resultLabels: "series",
    },
    {
      group: TARGETS_GROUP,
      alert: "ScrapeTargetDown",
      expr: `up{component=~"${exporters}"} == 0`,
      for: a.exporterDownFor,
      severity: "warning",
      summary: [label("component"), " target ", label("instance"), " is down"],
      description: ["Prometheus could not scrape ", label("instance"), " (job ", label("job"), `) for ${a.exporterDownFor}; its metrics and the alerts built on them are blind.`],
      runbook: "Check the exporter's container/unit is running and its port is reachable from Prometheus (security group / network policy); routers expose metrics only with --prometheus-host set to a reachable address.",
      resultLabels: "series",
    },
    {
      group: GPU_GROUP,
      alert: "GPUXidError",
      // The gauge holds the last XID code until dcgm-exporter restarts; no `for`, fire at once.
      expr: `${DCGM.xidErrors} > 0`,
      severity: "critical",
      summary: ["GPU ", label("gpu"), " on ", label("instance"), " reported XID ", value("integer")],
      description: [
        "dcgm-exporter reports XID ", value("integer"), " on GPU ", label("gpu"), " (", label("modelName"), ") of ", label("instance"),
        ". The value is the last XID seen and stays set until dcgm-exporter restarts.",
      ],
      runbook: "Look the code up in NVIDIA's XID catalog: 48, 63, 64, 74, 79, 94, 95 mean hardware or NVLink trouble (drain and replace the host); 13, 31, 43 are usually application faults (check SGLang logs). Restart dcgm-exporter after fixing to clear it.",
      resultLabels: "series",
    },
    {
      group: GPU_GROUP,
      alert: "GPUTemperatureHigh",
      expr: `${DCGM.gpuTemp} > ${num(a.gpuTempCelsius)}`,
      for: a.gpuTempFor,
      severity: "warning",
      summary: ["GPU ", label("gpu"), " on ", label("instance"), " at ", value("integer"), "°C"],
      description: ["GPU ", label("gpu"), " (", label("modelName"), ") on ", label("instance"), ` has been above ${num(a.gpuTempCelsius)}°C for ${a.gpuTempFor}; expect clock throttling and lower throughput.`],
      runbook: "Check the power and utilization panels for the same GPU and the host's cooling; on a cloud instance, stop/start it to move to other hardware.",
      resultLabels: "series",
    },
  ];
}

/** Every alert name and expression, for tests and for the Kubernetes PrometheusRule. */
export function alertExpressions(overrides: Partial<AlertSettings> = {}): Array<{ alert: string; expr: string }> {
  return alertRules(overrides).map((r) => ({ alert: r.alert, expr: r.expr }));
}

/** Annotations of a rule as Prometheus reads them. */
export function ruleAnnotations(rule: AlertRule, runbookBaseUrl?: string): Record<string, string> {
  const annotations: Record<string, string> = {
    summary: goTemplate(rule.summary),
    description: goTemplate(rule.description),
    runbook: rule.runbook,
  };
  if (runbookBaseUrl !== undefined) annotations.runbook_url = `${runbookBaseUrl.replace(/\/$/, "")}#${rule.alert.toLowerCase()}`;
  return annotations;
}

/**
 * The rule groups (`groups:` of a rules file, and `spec.groups` of a Kubernetes PrometheusRule).
 */
export function alertRuleGroups(input: MonitoringInput): Array<{ name: string; rules: Array<Record<string, unknown>> }> {
  const r = resolveMonitoringInput(input);
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const rule of alertRules(r.alerts)) {
    const rendered: Record<string, unknown> = { alert: rule.alert, expr: rule.expr };
    if (rule.for !== undefined) rendered.for = rule.for;
    rendered.labels = { severity: rule.severity };
    rendered.annotations = ruleAnnotations(rule, r.alerts.runbookBaseUrl);
    groups.set(rule.group, [...(groups.get(rule.group) ?? []), rendered]);
  }
  return [...groups.entries()].map(([name, rules]) => ({ name, rules }));
}

/** Renders `monitoring/rules/sglang.rules.yml`. */
export function renderAlertRules(input: MonitoringInput): string {
  return toYaml({ groups: alertRuleGroups(input) });
}
