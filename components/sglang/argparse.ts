import spec from "./server-args.0.4.9.post2.json";

/**
 * A faithful-enough model of Python argparse for `sglang.launch_server` 0.4.9.post2, driven by the
 * flag table extracted from server_args.py (server-args.0.4.9.post2.json). It accepts what argparse
 * accepts (exact flags, unambiguous prefixes, `--flag=value`) and reports what argparse would reject
 * (unknown or ambiguous flags, missing values, wrong types, bad choices).
 */

export interface ArgSpec {
  readonly flags: readonly string[];
  readonly dest: string;
  readonly type: string | null;
  readonly value_kind: string;
  readonly action: string;
  readonly nargs: string | null;
  readonly const: unknown;
  readonly default: unknown;
  readonly choices: readonly unknown[] | null;
  readonly required: boolean;
}

export const SERVER_ARGS: readonly ArgSpec[] = (spec as { args: ArgSpec[] }).args;
export const SERVER_ARGS_VERSION: string = (spec as { version: string }).version;

export type ParsedValue = string | number | boolean | null | (string | number)[];

export interface ParseResult {
  /** dest -> value for every flag given (defaults are not filled in). */
  readonly values: Record<string, ParsedValue>;
  readonly errors: string[];
}

const byFlag = new Map<string, ArgSpec>();
for (const a of SERVER_ARGS) for (const f of a.flags) byFlag.set(f, a);

/** What argparse makes of a flag as typed: its spec (exact name, alias or unambiguous prefix), or the error it reports. */
export function resolveFlag(flag: string): { spec?: ArgSpec; error?: string } {
  const exact = byFlag.get(flag);
  if (exact) return { spec: exact };
  const matches = [...byFlag.keys()].filter((f) => f.startsWith(flag));
  if (matches.length === 1) return { spec: byFlag.get(matches[0]) };
  if (matches.length > 1) return { error: `ambiguous option: ${flag} could match ${matches.join(", ")}` };
  return { error: `unrecognized argument: ${flag}` };
}

function convert(a: ArgSpec, raw: string, flag: string): { value?: string | number; error?: string } {
  let value: string | number = raw;
  if (a.type === "int") {
    if (!/^[-+]?\d+$/.test(raw.trim())) return { error: `argument ${flag}: invalid int value: '${raw}'` };
    value = parseInt(raw, 10);
  } else if (a.type === "float") {
    const n = Number(raw);
    if (raw.trim() === "" || (Number.isNaN(n) && !/^[-+]?(nan|inf(inity)?)$/i.test(raw.trim()))) return { error: `argument ${flag}: invalid float value: '${raw}'` };
    value = n;
  }
  if (a.choices && !a.choices.includes(value)) {
    return { error: `argument ${flag}: invalid choice: '${raw}' (choose from ${a.choices.map((c) => `'${c}'`).join(", ")})` };
  }
  return { value };
}

const isFlagLike = (s: string) => s.startsWith("--") || (s.startsWith("-") && s.length > 1 && !/^-\d/.test(s));

/** Parses an argv (the part after `python3 -m sglang.launch_server`). */
export function parseServerArgs(argv: readonly string[]): ParseResult {
  const values: Record<string, ParsedValue> = {};
  const errors: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const tok = argv[i++];
    if (!tok.startsWith("--")) {
      errors.push(`unrecognized argument: ${tok}`);
      continue;
    }
    const eq = tok.indexOf("=");
    const flag = eq >= 0 ? tok.slice(0, eq) : tok;
    const inline = eq >= 0 ? tok.slice(eq + 1) : undefined;
    const { spec: a, error } = resolveFlag(flag);
    if (!a) {
      errors.push(error!);
      if (inline === undefined) while (i < argv.length && !isFlagLike(argv[i])) i++;
      continue;
    }
    if (a.action === "store_true") {
      if (inline !== undefined) errors.push(`argument ${flag}: ignored explicit argument '${inline}'`);
      values[a.dest] = true;
      continue;
    }
    const take: string[] = [];
    if (inline !== undefined) take.push(inline);
    else if (a.nargs === "+" || a.nargs === "*") while (i < argv.length && !isFlagLike(argv[i])) take.push(argv[i++]);
    else if (a.nargs === "?") {
      if (i < argv.length && !isFlagLike(argv[i])) take.push(argv[i++]);
    } else if (i < argv.length && !isFlagLike(argv[i])) take.push(argv[i++]);

    if (a.nargs === "+" && take.length === 0) {
      errors.push(`argument ${flag}: expected at least one argument`);
      continue;
    }
    if (a.nargs === null && take.length === 0) {
      errors.push(`argument ${flag}: expected one argument`);
      continue;
    }
    const converted = take.map((t) => convert(a, t, flag));
    const bad = converted.find((c) => c.error);
    if (bad) {
      errors.push(bad.error!);
      continue;
    }
    const vals = converted.map((c) => c.value!) as (string | number)[];
    if (a.nargs === "+" || a.nargs === "*") values[a.dest] = vals;
    else if (a.nargs === "?") values[a.dest] = vals.length ? vals[0] : (a.const as ParsedValue);
    else values[a.dest] = vals[0];
  }
  for (const a of SERVER_ARGS) if (a.required && !(a.dest in values)) errors.push(`the following arguments are required: ${a.flags.join("/")}`);
  return { values, errors };
}

/** The canonical spelling of a flag: the first name server_args.py declares for it. */
export function canonicalFlag(dest: string): string {
  const a = SERVER_ARGS.find((s) => s.dest === dest);
  if (!a) throw new Error(`SGLang ${SERVER_ARGS_VERSION} has no argument with dest '${dest}'`);
  return a.flags[0];
}
