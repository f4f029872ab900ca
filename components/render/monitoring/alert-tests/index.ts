/** The promtool tests of the alerting rules: scenarios per concern, rendered to one test file. */
export { renderAlertRuleTests, TESTED_ALERTS } from "./render";
