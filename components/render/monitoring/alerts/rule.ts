/** One alerting rule as data, and the small PromQL helpers the rule groups share. */
import { TemplatePart } from "../templates";

/** `none`: the Watchdog, which always fires and pages nobody. */
export type Severity = "warning" | "critical" | "none";

/** One alerting rule, as data: rendered to YAML and to promtool test cases from the same object. */
export interface AlertRule {
  /** Rule group it belongs to. */
  readonly group: string;
  readonly alert: string;
  readonly expr: string;
  /** Omitted when the alert should fire on the first evaluation. */
  readonly for?: string;
  readonly severity: Severity;
  /** Constant labels besides `severity` (e.g. the `service` of a per-service rule). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  readonly summary: readonly TemplatePart[];
  readonly description: readonly TemplatePart[];
  /** One line: what to look at and what to do (the runbook file has the rest). */
  readonly runbook: string;
  /**
   * Labels of the expression's result: `"series"` when it keeps the input series' labels, or the
   * `by (...)` list when it aggregates. Used to derive the expected labels in rule tests.
   */
  readonly resultLabels: "series" | readonly string[];
}

export const HEALTH_GROUP = "qwen-serving.health";
export const SGLANG_GROUP = "qwen-serving.sglang";
export const ROUTER_GROUP = "qwen-serving.router";
export const GPU_GROUP = "qwen-serving.gpu";
export const NODE_GROUP = "qwen-serving.node";

/** PromQL number literal (no exponent surprises for the thresholds we accept). */
export const num = (x: number): string => String(x);
/** A fraction as a percentage for annotation text. */
export const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;
/** A label matcher list: `{a="1", b=~"x|y"}`. */
export const sel = (metric: string, matchers: readonly string[]): string => (matchers.length ? `${metric}{${matchers.join(", ")}}` : metric);
