/**
 * Renders `monitoring/rules/sglang.rules.test.yml`: for every alert, `promtool test rules` checks it
 * fires with exact labels and expanded annotations once its `for` has elapsed and is quiet before,
 * that healthy series next to the fault stay quiet, that a healthy stack and one without traffic fire
 * nothing (the Watchdog excepted: it always fires).
 */
import { AlertRule, alertRulesResolved, ruleAnnotations } from "../alerts";
import { ALERT_RULES_PATH } from "../prometheus";
import { ResolvedMonitoring, durationSeconds, resolveMonitoringInput } from "../resolve";
import { expandTemplate } from "../templates";
import { MonitoringInput } from "../types";
import { toYaml } from "../../yaml";
import { AlertCase, Expected, InputSeries, ScenarioBuilder } from "./fixtures";
import { HARDWARE_SCENARIOS } from "./hardware";
import { HEALTH_SCENARIOS } from "./health";
import { ROUTER_SCENARIOS } from "./router";
import { SGLANG_SCENARIOS } from "./sglang";

/** Scenario builders, one per alert name; a rule without one makes rendering fail (every alert is tested). */
const SCENARIOS: Record<string, ScenarioBuilder> = { ...HEALTH_SCENARIOS, ...SGLANG_SCENARIOS, ...ROUTER_SCENARIOS, ...HARDWARE_SCENARIOS };

/** Alert names that have a rendered promtool test (for the test suite's completeness check). */
export const TESTED_ALERTS: readonly string[] = Object.keys(SCENARIOS);

const seriesSelector = (s: InputSeries): string =>
  `${s.name}{${Object.entries(s.labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",")}}`;

function expectedAlert(e: Expected, runbookBaseUrl: string) {
  const rule = e.rule;
  const result: Record<string, string> = rule.resultLabels === "series" ? { ...e.labels } : Object.fromEntries(rule.resultLabels.filter((l) => l in e.labels).map((l) => [l, e.labels[l]]));
  // Prometheus expands annotations with the expression's labels; the rule's own labels come after.
  return {
    exp_labels: { ...result, ...rule.labels, severity: rule.severity },
    exp_annotations: { ...ruleAnnotations(rule, runbookBaseUrl), summary: expandTemplate(rule.summary, result, e.value), description: expandTemplate(rule.description, result, e.value) },
  };
}

const minutes = (rule: AlertRule): number => Math.ceil(durationSeconds(rule.for ?? "0s") / 60);

/** The three tests of one alert. */
function alertTests(r: ResolvedMonitoring, alert: string, rules: readonly AlertRule[]): Array<Record<string, unknown>> {
  const scenario = SCENARIOS[alert];
  if (!scenario) throw new Error(`alert ${alert} has no promtool test scenario; add one to alert-tests/`);
  const forMax = Math.max(...rules.map(minutes));
  const forMin = Math.min(...rules.map(minutes));
  const activeFrom = scenario.activeFrom(r.alerts);
  const fireAt = activeFrom + forMax + (scenario.settle ?? 2);
  // Enough samples for any later evaluation a scenario asks for (the XID window).
  let n = fireAt + 5;
  const probe = scenario.build({ r, a: r.alerts, rules, n, fireAt });
  n = Math.max(n, ...(probe.later ?? []).map((l) => l.at + 5));
  const s = n === fireAt + 5 ? probe : scenario.build({ r, a: r.alerts, rules, n, fireAt });
  const evaluate = (at: number, expect: readonly Expected[] = []) => ({ eval_time: `${at}m`, alertname: alert, exp_alerts: expect.map((e) => expectedAlert(e, r.alerts.runbookBaseUrl)) });
  const test = (name: string, c: AlertCase, evals: Array<Record<string, unknown>>) => ({
    name: `${alert}: ${name}`,
    interval: "1m",
    input_series: c.series.map((x) => ({ series: seriesSelector(x), values: x.values })),
    alert_rule_test: evals,
  });
  // Before `for` has elapsed (or before the fault) nothing fires.
  const quietAt = activeFrom + forMin - (scenario.quietMargin ?? 1);
  const firing = [...(quietAt >= 0 && (forMin > 0 || activeFrom > 0) ? [evaluate(quietAt)] : []), evaluate(fireAt, s.fires.expect), ...(s.later ?? []).map((l) => evaluate(l.at, l.expect))];
  const named = (c: AlertCase, what: string) => `${c.expect?.length ? "fires" : "quiet"} ${what}`;
  return [
    test(`fires after ${rules[0].for ?? "0s"}, quiet before and for the healthy series beside it`, s.fires, firing),
    test(named(s.healthy, "with a healthy stack"), s.healthy, [evaluate(fireAt, s.healthy.expect)]),
    test(named(s.idle, "without traffic"), s.idle, [evaluate(fireAt, s.idle.expect)]),
  ];
}

/** Renders `monitoring/rules/sglang.rules.test.yml`. */
export function renderAlertRuleTests(input: MonitoringInput): string {
  const r = resolveMonitoringInput(input);
  const byAlert = new Map<string, AlertRule[]>();
  for (const rule of alertRulesResolved(r)) byAlert.set(rule.alert, [...(byAlert.get(rule.alert) ?? []), rule]);
  return toYaml({
    // Relative to this file: both live in monitoring/rules/.
    rule_files: [ALERT_RULES_PATH.split("/").pop()],
    evaluation_interval: "1m",
    tests: [...byAlert].flatMap(([alert, rules]) => alertTests(r, alert, rules)),
  });
}
