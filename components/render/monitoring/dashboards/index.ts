/** The Grafana dashboards of the stack: one spec per dashboard, rendered to the JSON Grafana provisions. */
export type { DashboardSpec, PanelQuery, PanelSpec, RowSpec } from "./spec";
export type { DashboardQuery } from "./render";
export { buildDashboard, dashboardUid } from "./grafana-json";
export { gpuDashboardSpec } from "./gpu";
export { sglangDashboardSpec } from "./sglang";
export { GRAFANA_DASHBOARDS_PATH, dashboardQueries, dashboardSpecs, renderDashboards } from "./render";
