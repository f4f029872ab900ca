/** The Grafana dashboards of the stack: every spec, its queries, and the JSON files Grafana provisions. */
import { Artifact } from "../../artifact";
import { resolveMonitoringInput } from "../resolve";
import { AlertSettings, DEFAULT_ALERTS, MonitoringInput } from "../types";
import { buildDashboard, refId } from "./grafana-json";
import { gpuDashboardSpec } from "./gpu";
import { DashboardSpec } from "./spec";
import { sglangDashboardSpec } from "./sglang";

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
  /** The panel's kind: a heatmap's queries are bucket counts, not a quantile. */
  readonly kind: "timeseries" | "heatmap";
}

/** Every PromQL expression of every panel (Grafana variables such as `$service` unexpanded). */
export function dashboardQueries(): DashboardQuery[] {
  return dashboardSpecs().flatMap((d) =>
    d.rows.flatMap((row) => row.panels.flatMap((p) => p.queries.map((q, i) => ({ dashboard: d.name, panel: p.title, refId: refId(i), expr: q.expr, kind: p.kind ?? "timeseries" })))),
  );
}

/** Folder of the dashboard artifacts (`<name>.json` each). */
export const GRAFANA_DASHBOARDS_PATH = "monitoring/grafana/dashboards/";

/** Renders `monitoring/grafana/dashboards/<name>.json` for every dashboard. */
export function renderDashboards(input: MonitoringInput): Artifact[] {
  const r = resolveMonitoringInput(input);
  return dashboardSpecs(r.alerts).map((spec) => ({
    path: `${GRAFANA_DASHBOARDS_PATH}${spec.name}.json`,
    content: `${JSON.stringify(buildDashboard(spec, r.stack), null, 2)}\n`,
  }));
}
