import { PROJECT } from "./contract";

/** The stage that found a problem; `QwenServing` reports every stage's problems in one error. */
export type Stage = "config" | "plan" | "platform";

/**
 * One reason a stack cannot be deployed. Every stage (config parsing, the planner, each platform
 * adapter) speaks in these, so a user sees one format whatever found the problem.
 */
export interface Problem {
  /** The config key, in one style: `qwen-serving:services[0].tp`. */
  readonly path: string;
  /** What the key holds now. @default - not shown (the key is absent or the value is a secret) */
  readonly value?: unknown;
  /** The rule the value breaks, as a sentence fragment (`must divide the node's GPU count`). */
  readonly rule: string;
  /** What would be valid, or what to do instead. @default - none */
  readonly advice?: string;
}

/** `["services", 0, "tp"]` -> `qwen-serving:services[0].tp`; a path already in that style is kept. */
export function keyPath(path: readonly PropertyKey[] | string): string {
  if (typeof path === "string") return path.startsWith(`${PROJECT}:`) ? path : `${PROJECT}:${path}`;
  const [head, ...rest] = path;
  return `${PROJECT}:${String(head ?? "")}` + rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

/** A value as a problem line shows it: JSON, cut at 80 characters. */
export function showValue(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** `path: got V; RULE (ADVICE)`: the one line a problem reads as. */
export function formatProblem(p: Problem): string {
  const got = "value" in p ? `got ${showValue(p.value)}; ` : "";
  return `${p.path}: ${got}${p.rule}${p.advice ? ` (${p.advice})` : ""}`;
}

const HEADLINE: Record<Stage, string> = {
  config: "invalid stack config",
  plan: "the plan cannot be deployed",
  platform: "the platform cannot be built",
};

/**
 * The one error class of the project: every problem found, all at once, before any resource exists.
 * `stage` is the earliest stage with a problem; `problems` holds those of every stage that ran.
 */
export class QwenServingError extends Error {
  override name = "QwenServingError";
  constructor(
    readonly stage: Stage,
    readonly problems: readonly Problem[],
  ) {
    const lines = problems.map(formatProblem);
    super(lines.length === 1 ? `${HEADLINE[stage]}: ${lines[0]}` : `${HEADLINE[stage]} (${lines.length} problems):\n${lines.map((l) => `  - ${l}`).join("\n")}`);
  }
}

/** A problem as a check states it: the path may be a key list (`["services", 0, "tp"]`) or a string. */
export type ProblemInput = Omit<Problem, "path"> & { readonly path: string | readonly PropertyKey[] };

/** Collects problems, putting every path in the one style; `throwIfAny` raises one QwenServingError with all of them. */
export class Problems {
  private readonly list: Problem[] = [];
  add(p: ProblemInput): void {
    this.list.push({ ...p, path: keyPath(p.path) });
  }
  addAll(ps: readonly ProblemInput[]): void {
    ps.forEach((p) => this.add(p));
  }
  get all(): readonly Problem[] {
    return this.list;
  }
  get length(): number {
    return this.list.length;
  }
  throwIfAny(stage: Stage): void {
    if (this.list.length) throw new QwenServingError(stage, this.list);
  }
}
