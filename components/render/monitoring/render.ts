/** Every monitoring file of a stack, as the platform's traits ask for them. */
import { traitsOf } from "../../platforms/traits";
import { Artifact } from "../artifact";
import { toYaml } from "../yaml";
import { renderAlertRuleTests } from "./alert-tests";
import { ALERTMANAGER_CONFIG_PATH, renderAlertmanagerConfig } from "./alertmanager";
import { renderAlertRules } from "./alerts";
import { renderDashboards } from "./dashboards";
import { renderGrafanaProvisioning } from "./grafana";
import { ALERT_RULES_PATH, ALERT_RULE_TESTS_PATH, PROMETHEUS_CONFIG_PATH, prometheusConfigDocument } from "./prometheus";
import { resolveMonitoringInput } from "./resolve";
import { MonitoringInput } from "./types";

/**
 * Every monitoring file for the stack. Where the platform's traits say it does not render
 * monitoring files (kubernetes), only the rules (and their tests) and the dashboards: that adapter
 * puts the Alertmanager document in the chart's values and
 * configures Prometheus with ServiceMonitors/PodMonitors (see `kubernetesScrapeTargets`) and
 * Grafana through kube-prometheus-stack.
 */
export function renderMonitoring(input: MonitoringInput): Artifact[] {
  const r = resolveMonitoringInput(input);
  const servers = traitsOf(r.platform).rendersMonitoringFiles;
  return [
    ...(servers ? [{ path: PROMETHEUS_CONFIG_PATH, content: toYaml(prometheusConfigDocument(r)) }] : []),
    { path: ALERT_RULES_PATH, content: renderAlertRules(input) },
    { path: ALERT_RULE_TESTS_PATH, content: renderAlertRuleTests(input) },
    ...renderDashboards(input),
    ...(servers ? renderGrafanaProvisioning(input) : []),
    ...(servers && input.alerting ? [{ path: ALERTMANAGER_CONFIG_PATH, content: renderAlertmanagerConfig(input.alerting) }] : []),
  ];
}
