/** Every alerting rule of a stack, rendered to a rules file (and the Kubernetes PrometheusRule's groups). */
import { toYaml } from "../../yaml";
import { ResolvedMonitoring, resolveMonitoringInput } from "../resolve";
import { goTemplate } from "../templates";
import { MonitoringInput } from "../types";
import { hardwareRules } from "./hardware";
import { healthRules } from "./health";
import { routerRules } from "./router";
import { AlertRule } from "./rule";
import { sglangRules } from "./sglang";

/** All alerting rules of a resolved input. */
export function alertRulesResolved(r: ResolvedMonitoring): AlertRule[] {
  const a = r.alerts;
  return [...healthRules(r, a), ...sglangRules(r, a), ...routerRules(a), ...hardwareRules(a)];
}

/** All alerting rules for the input (its services, planned jobs and alert settings). */
export function alertRules(input: MonitoringInput): AlertRule[] {
  return alertRulesResolved(resolveMonitoringInput(input));
}

/** Alert names, each once, in rule order. */
export function alertNames(input: MonitoringInput): string[] {
  return [...new Set(alertRules(input).map((r) => r.alert))];
}

/** Every alert name and expression, for tests. */
export function alertExpressions(input: MonitoringInput): Array<{ alert: string; expr: string }> {
  return alertRules(input).map((r) => ({ alert: r.alert, expr: r.expr }));
}

/** Where an alert's runbook is: `<base>/<Alert>.md` (docs/runbooks/ in this repository). */
export const runbookUrl = (base: string, alert: string): string => `${base.replace(/\/$/, "")}/${alert}.md`;

/** Annotations of a rule as Prometheus reads them. */
export function ruleAnnotations(rule: AlertRule, runbookBaseUrl: string): Record<string, string> {
  return {
    summary: goTemplate(rule.summary),
    description: goTemplate(rule.description),
    runbook: rule.runbook,
    runbook_url: runbookUrl(runbookBaseUrl, rule.alert),
  };
}

/** The rule groups (`groups:` of a rules file, and `spec.groups` of a Kubernetes PrometheusRule). */
export function alertRuleGroups(input: MonitoringInput): Array<{ name: string; rules: Array<Record<string, unknown>> }> {
  const r = resolveMonitoringInput(input);
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const rule of alertRulesResolved(r)) {
    const rendered: Record<string, unknown> = { alert: rule.alert, expr: rule.expr };
    if (rule.for !== undefined) rendered.for = rule.for;
    rendered.labels = { ...rule.labels, severity: rule.severity };
    rendered.annotations = ruleAnnotations(rule, r.alerts.runbookBaseUrl);
    groups.set(rule.group, [...(groups.get(rule.group) ?? []), rendered]);
  }
  return [...groups.entries()].map(([name, rules]) => ({ name, rules }));
}

/** Renders `monitoring/rules/sglang.rules.yml`. */
export function renderAlertRules(input: MonitoringInput): string {
  return toYaml({ groups: alertRuleGroups(input) });
}
