/**
 * Monitoring renderers shared by all platforms: Prometheus config (where the platform renders
 * monitoring files), alert rules and their promtool tests, Grafana dashboards and provisioning.
 * Pure functions of `MonitoringInput`.
 */
export * from "./types";
export { renderMonitoring } from "./render";
export { SGLANG, SGLANG_HISTOGRAMS, DCGM, DCGM_SOURCE, CRITICAL_XIDS, NODE, ROUTER, ROUTER_PROBE_PATHS, COMPONENT, TTFT_BUCKETS } from "./metrics";
export type { ScrapeComponent } from "./metrics";
export { durationSeconds, monitoringInputProblems, resolveMonitoringInput } from "./resolve";
export { alertingFromConfig, monitoredService, planMonitoring } from "./from-plan";
export type { ResolvedMonitoring, ResolvedService } from "./resolve";
export type { ScrapeJob, KubernetesScrapeTarget, ConstantRelabeling } from "./jobs";
export { scrapeJobs, kubernetesScrapeTargets, KUBERNETES_PORT_NAMES, METRICS_PATH, sglangJobName, routerJobName, NODE_EXPORTER_JOB, DCGM_EXPORTER_JOB } from "./jobs";
export { renderPrometheusConfig, prometheusArgs, PROMETHEUS_CONFIG_PATH, ALERT_RULES_PATH, ALERT_RULE_TESTS_PATH } from "./prometheus";
export type { AlertRule, Severity } from "./alerts";
export { alertRules, alertNames, alertExpressions, alertRuleGroups, renderAlertRules, runbookUrl } from "./alerts";
export { renderAlertRuleTests, TESTED_ALERTS } from "./alert-tests";
export type { AlertingInput, AlertReceiverInput } from "./alertmanager";
export { ALERTMANAGER_CONFIG_PATH, DROP_RECEIVER, alertmanagerArgs, alertmanagerConfigDocument, alertingInputProblems, renderAlertmanagerConfig } from "./alertmanager";
export type { DashboardQuery, DashboardSpec, PanelSpec, PanelQuery } from "./dashboards";
export { dashboardQueries, dashboardSpecs, dashboardUid, renderDashboards, GRAFANA_DASHBOARDS_PATH } from "./dashboards";
export { renderGrafanaProvisioning, GRAFANA_DATASOURCES_PATH, GRAFANA_DASHBOARD_PROVIDER_PATH, GRAFANA_DATASOURCE_UID } from "./grafana";
