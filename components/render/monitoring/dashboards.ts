import { createHash } from "crypto";
import {
  LegendDisplayMode,
  LegendPlacement,
  GraphThresholdsStyleMode,
  SortOrder,
  TooltipDisplayMode,
  GraphThresholdsStyleConfigBuilder,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { Artifact } from "../artifact";
import { COMPONENT, DCGM, SGLANG, SGLANG_HISTOGRAMS } from "./metrics";
import { resolveMonitoringInput } from "./resolve";
import { AlertSettings, DEFAULT_ALERTS, MonitoringInput } from "./types";

/** Panels pick the Prometheus datasource through this dashboard variable (portable across Grafanas). */
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };
/** Grafana expands this to a rate window that spans at least 4 scrapes (needs `timeInterval` on the datasource). */
const RATE = "$__rate_interval";
const SVC = `service=~"$service"`;
const GPU = `instance=~"$instance"`;

/** One PromQL query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

/** A panel as data; the same list builds the dashboard JSON and `dashboardQueries()`. */
export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  /** Grafana unit id (`percentunit`, `s`, `reqps`, `watt`, `celsius`, `mbytes` = MiB, ...). */
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  readonly min?: number;
  readonly max?: number;
  /** Drawn as a red dashed line; mirrors the alert threshold. */
  readonly threshold?: number;
}

interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** A dashboard as data. */
export interface DashboardSpec {
  /** File name without `.json`, also the last part of the uid. */
  readonly name: string;
  readonly title: string;
  readonly rows: readonly RowSpec[];
  /** Template variable filled from `label_values(<metric>, <label>)`. */
  readonly variable: { readonly name: string; readonly label: string; readonly metric: string };
}

const quantiles = (histogram: string, by: string): PanelQuery[] =>
  [0.5, 0.95, 0.99].map((q) => ({
    // Quantile over bucket rates summed by le: the correct way to aggregate replicas.
    expr: `histogram_quantile(${q}, sum by (${by}, le) (rate(${histogram}_bucket{${SVC}}[${RATE}])))`,
    legend: `{{${by}}} p${Math.round(q * 100)}`,
  }));
const mean = (histogram: string, by: string): PanelQuery => ({
  // _sum / _count of the same histogram (SGLang's upstream dashboard divides _bucket by _bucket here).
  expr: `sum by (${by}) (rate(${histogram}_sum{${SVC}}[${RATE}])) / sum by (${by}) (rate(${histogram}_count{${SVC}}[${RATE}]))`,
  legend: `{{${by}}} mean`,
});
const perService = (metric: string, agg = "sum"): string => `${agg} by (service) (${metric}{${SVC}})`;
const ratePerService = (counter: string): string => `sum by (service) (rate(${counter}{${SVC}}[${RATE}]))`;

/** The SGLang service dashboard. */
export function sglangDashboardSpec(alerts: AlertSettings = DEFAULT_ALERTS): DashboardSpec {
  return {
    name: "qwen-serving-sglang",
    title: "qwen-serving / SGLang services",
    variable: { name: "service", label: "service", metric: SGLANG.numRunningReqs },
    rows: [
      {
        title: "Requests",
        panels: [
          {
            title: "Running requests",
            description: "Requests in the running batch, summed over replicas (sglang:num_running_reqs).",
            unit: "short",
            min: 0,
            queries: [{ expr: perService(SGLANG.numRunningReqs), legend: "{{service}}" }],
          },
          {
            title: "Queued requests",
            description: "Requests waiting to be admitted, summed over replicas (sglang:num_queue_reqs). A queue that keeps growing means the service needs more replicas.",
            unit: "short",
            min: 0,
            queries: [{ expr: perService(SGLANG.numQueueReqs), legend: "{{service}}" }],
          },
          {
            title: "Finished requests / s",
            description: "Completed requests per second (sglang:num_requests_total).",
            unit: "reqps",
            min: 0,
            queries: [{ expr: ratePerService(SGLANG.numRequestsTotal), legend: "{{service}}" }],
          },
          {
            title: "Aborted requests / s",
            description: "Requests aborted per second, e.g. clients that disconnected (sglang:num_aborted_requests_total). The series appears after the first abort.",
            unit: "reqps",
            min: 0,
            queries: [{ expr: ratePerService(SGLANG.numAbortedRequestsTotal), legend: "{{service}}" }],
          },
          {
            title: "Scrape targets up",
            description: "Replicas and routers Prometheus can scrape. SGLang opens its port only when the model is loaded.",
            unit: "short",
            min: 0,
            queries: [{ expr: `sum by (service, component) (up{component=~"${COMPONENT.sglang}|${COMPONENT.router}", ${SVC}})`, legend: "{{service}} {{component}}" }],
          },
        ],
      },
      {
        title: "Throughput and KV cache",
        panels: [
          {
            title: "Generation throughput",
            description: "Decode tokens per second reported by the schedulers (sglang:gen_throughput), summed over replicas.",
            unit: "suffix: tok/s",
            min: 0,
            queries: [{ expr: perService(SGLANG.genThroughput), legend: "{{service}}" }],
          },
          {
            title: "Prompt and generation tokens / s",
            description: "Token rates of finished requests (sglang:prompt_tokens_total, sglang:generation_tokens_total).",
            unit: "suffix: tok/s",
            min: 0,
            queries: [
              { expr: ratePerService(SGLANG.promptTokensTotal), legend: "{{service}} prompt" },
              { expr: ratePerService(SGLANG.generationTokensTotal), legend: "{{service}} generation" },
            ],
          },
          {
            title: "KV-cache token usage",
            description: "Fraction of the KV-cache token pool in use per replica (sglang:token_usage). The alert fires above the red line.",
            unit: "percentunit",
            min: 0,
            max: 1,
            threshold: alerts.kvUsageThreshold,
            queries: [{ expr: `max by (service, instance) (${SGLANG.tokenUsage}{${SVC}})`, legend: "{{service}} {{instance}}" }],
          },
          {
            title: "Prefix cache hit rate",
            description: "Cached prompt tokens / prompt tokens over the window (counters), and the scheduler's gauge for the last prefill batch (sglang:cache_hit_rate).",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [
              { expr: `${ratePerService(SGLANG.cachedTokensTotal)} / ${ratePerService(SGLANG.promptTokensTotal)}`, legend: "{{service}} cached / prompt tokens" },
              { expr: perService(SGLANG.cacheHitRate, "avg"), legend: "{{service}} last prefill batch" },
            ],
          },
        ],
      },
      {
        title: "Latency",
        panels: [
          {
            title: "Time to first token",
            description: "p50/p95/p99 and mean from sglang:time_to_first_token_seconds.",
            unit: "s",
            min: 0,
            threshold: alerts.ttftP95Seconds,
            queries: [...quantiles(SGLANG_HISTOGRAMS.timeToFirstToken, "service"), mean(SGLANG_HISTOGRAMS.timeToFirstToken, "service")],
          },
          {
            title: "Inter-token latency",
            description: "p50/p95/p99 from sglang:inter_token_latency_seconds (SGLang counts one observation per generated token).",
            unit: "s",
            min: 0,
            queries: quantiles(SGLANG_HISTOGRAMS.interTokenLatency, "service"),
          },
          {
            title: "End-to-end request latency",
            description: "p50/p95/p99 and mean from sglang:e2e_request_latency_seconds.",
            unit: "s",
            min: 0,
            queries: [...quantiles(SGLANG_HISTOGRAMS.e2eRequestLatency, "service"), mean(SGLANG_HISTOGRAMS.e2eRequestLatency, "service")],
          },
        ],
      },
    ],
  };
}

const perGpu = "{{instance}} GPU {{gpu}}";

/** The per-GPU dashboard (dcgm-exporter). */
export function gpuDashboardSpec(alerts: AlertSettings = DEFAULT_ALERTS): DashboardSpec {
  return {
    name: "qwen-serving-gpu",
    title: "qwen-serving / GPUs",
    variable: { name: "instance", label: "dcgm-exporter", metric: DCGM.gpuUtil },
    rows: [
      {
        title: "GPUs",
        panels: [
          { title: "GPU utilization", description: "DCGM_FI_DEV_GPU_UTIL per GPU.", unit: "percent", min: 0, max: 100, queries: [{ expr: `${DCGM.gpuUtil}{${GPU}}`, legend: perGpu }] },
          { title: "GPU memory used", description: "Framebuffer memory used per GPU (DCGM_FI_DEV_FB_USED, MiB). SGLang reserves most of it for weights and KV cache at start.", unit: "mbytes", min: 0, queries: [{ expr: `${DCGM.fbUsed}{${GPU}}`, legend: perGpu }] },
          {
            title: "GPU memory used %",
            description: "DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) per GPU.",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [{ expr: `${DCGM.fbUsed}{${GPU}} / (${DCGM.fbUsed}{${GPU}} + ${DCGM.fbFree}{${GPU}})`, legend: perGpu }],
          },
          { title: "Power draw", description: "DCGM_FI_DEV_POWER_USAGE per GPU.", unit: "watt", min: 0, queries: [{ expr: `${DCGM.powerUsage}{${GPU}}`, legend: perGpu }] },
          { title: "Temperature", description: "DCGM_FI_DEV_GPU_TEMP per GPU; the alert fires above the red line.", unit: "celsius", min: 0, threshold: alerts.gpuTempCelsius, queries: [{ expr: `${DCGM.gpuTemp}{${GPU}}`, legend: perGpu }] },
          { title: "Last XID error", description: "DCGM_FI_DEV_XID_ERRORS: code of the last XID error per GPU (0 = none); it stays set until dcgm-exporter restarts.", unit: "none", min: 0, queries: [{ expr: `${DCGM.xidErrors}{${GPU}}`, legend: perGpu }] },
        ],
      },
    ],
  };
}

/** Both dashboards for these alert settings. */
export function dashboardSpecs(alerts: AlertSettings = DEFAULT_ALERTS): DashboardSpec[] {
  return [sglangDashboardSpec(alerts), gpuDashboardSpec(alerts)];
}

/** One query of one panel, flattened, for tests. */
export interface DashboardQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

const refId = (i: number): string => String.fromCharCode("A".charCodeAt(0) + i);

/** Every PromQL expression of every panel (Grafana variables such as `$service` unexpanded). */
export function dashboardQueries(): DashboardQuery[] {
  return dashboardSpecs().flatMap((d) =>
    d.rows.flatMap((row) => row.panels.flatMap((p) => p.queries.map((q, i) => ({ dashboard: d.name, panel: p.title, refId: refId(i), expr: q.expr })))),
  );
}

/** Dashboard uid: Grafana allows 40 characters, so long stack names are hashed. */
export function dashboardUid(stack: string, name: string): string {
  const uid = `${name}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-");
  if (uid.length <= 40) return uid;
  return `${name.slice(0, 31)}-${createHash("sha256").update(stack).digest("hex").slice(0, 8)}`;
}

function buildPanel(p: PanelSpec, id: number): TimeseriesBuilder {
  const panel = new TimeseriesBuilder()
    .id(id)
    .title(p.title)
    .description(p.description)
    .datasource(DATASOURCE)
    .unit(p.unit)
    .span(p.queries.length > 2 ? 12 : 8)
    .height(8)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).calcs([]))
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
  if (p.min !== undefined) panel.min(p.min);
  if (p.max !== undefined) panel.max(p.max);
  if (p.threshold !== undefined) {
    panel
      .thresholds(
        new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
          { value: null, color: "green" },
          { value: p.threshold, color: "red" },
        ]),
      )
      .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  }
  p.queries.forEach((q, i) => panel.withTarget(new DataqueryBuilder().expr(q.expr).legendFormat(q.legend).refId(refId(i)).range()));
  return panel;
}

/** The Grafana dashboard model (JSON-ready object) of a spec. */
export function buildDashboard(spec: DashboardSpec, stack: string): unknown {
  const builder = new DashboardBuilder(`${spec.title} (${stack})`)
    .uid(dashboardUid(stack, spec.name))
    .tags(["qwen-serving", stack])
    .refresh("30s")
    .time({ from: "now-3h", to: "now" })
    .timezone("browser")
    // Provisioned from files: edits in the UI would be lost, so do not invite them.
    .readonly()
    .withVariable(new DatasourceVariableBuilder("datasource").label("Prometheus").type("prometheus"))
    .withVariable(
      new QueryVariableBuilder(spec.variable.name)
        .label(spec.variable.label)
        .datasource(DATASOURCE)
        .query(`label_values(${spec.variable.metric}, ${spec.variable.name})`)
        .definition(`label_values(${spec.variable.metric}, ${spec.variable.name})`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue(".*"),
    );
  let id = 1;
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title).id(id++));
    for (const p of row.panels) builder.withPanel(buildPanel(p, id++));
  }
  return builder.build();
}

/** Renders `monitoring/grafana/dashboards/<name>.json` for every dashboard. */
export function renderDashboards(input: MonitoringInput): Artifact[] {
  const r = resolveMonitoringInput(input);
  return dashboardSpecs(r.alerts).map((spec) => ({
    path: `monitoring/grafana/dashboards/${spec.name}.json`,
    content: `${JSON.stringify(buildDashboard(spec, r.stack), null, 2)}\n`,
  }));
}
