/** The alerting rules: one file per concern (health, SGLang, router, machines), rendered together. */
export type { AlertRule, Severity } from "./rule";
export { GPU_GROUP, HEALTH_GROUP, NODE_GROUP, ROUTER_GROUP, SGLANG_GROUP } from "./rule";
export { alertExpressions, alertNames, alertRuleGroups, alertRules, alertRulesResolved, renderAlertRules, ruleAnnotations, runbookUrl } from "./render";
