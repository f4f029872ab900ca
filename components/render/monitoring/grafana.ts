import { Artifact } from "../artifact";
import { toYaml } from "../yaml";
import { resolveMonitoringInput } from "./resolve";
import { MonitoringInput } from "./types";

export const GRAFANA_DATASOURCES_PATH = "monitoring/grafana/provisioning/datasources/prometheus.yml";
export const GRAFANA_DASHBOARD_PROVIDER_PATH = "monitoring/grafana/provisioning/dashboards/qwen-serving.yml";
/** Fixed uid so links and alerts can refer to the provisioned datasource. */
export const GRAFANA_DATASOURCE_UID = "qwen-serving-prometheus";

/** Renders the Grafana datasource and dashboard-provider provisioning files. */
export function renderGrafanaProvisioning(input: MonitoringInput): Artifact[] {
  const r = resolveMonitoringInput(input);
  const datasources = {
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        type: "prometheus",
        uid: GRAFANA_DATASOURCE_UID,
        access: "proxy",
        url: r.grafana.prometheusUrl,
        isDefault: true,
        editable: false,
        // Lets $__rate_interval cover at least four scrapes.
        jsonData: { timeInterval: r.scrapeInterval, httpMethod: "POST" },
      },
    ],
  };
  const dashboards = {
    apiVersion: 1,
    providers: [
      {
        name: "qwen-serving",
        orgId: 1,
        folder: r.grafana.folder,
        type: "file",
        // The files are the source of truth; UI edits and deletions would be undone on redeploy.
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: r.grafana.dashboardsDir, foldersFromFilesStructure: false },
      },
    ],
  };
  return [
    { path: GRAFANA_DATASOURCES_PATH, content: toYaml(datasources) },
    { path: GRAFANA_DASHBOARD_PROVIDER_PATH, content: toYaml(dashboards) },
  ];
}
