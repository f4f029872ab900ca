import { z } from "zod";

/**
 * Values as Pulumi users set them. `pulumi config set --path monitoring.ttftP95Seconds 2.5` stores
 * the string "2.5", and YAML turns an unquoted `revision: 20250101` into a number. Where the
 * schema wants a number, a string that is a decimal number becomes that number; where it wants a
 * boolean, exactly "true" or "false" becomes one; where it wants a string, a finite number becomes
 * its decimal text. Anything else is left as it is, so the schema's own message names the key
 * ("expected number, received string").
 */

interface Def {
  readonly type: string;
  readonly [k: string]: unknown;
}
const def = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

const DECIMAL = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `value` with the scalars the schema wants converted as described above. Pure; the input is not changed. */
export function coerceScalars(schema: z.ZodType, value: unknown): unknown {
  const d = def(schema);
  switch (d.type) {
    case "number":
      return typeof value === "string" && DECIMAL.test(value) ? Number(value) : value;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    case "string":
      return typeof value === "number" && Number.isFinite(value) ? String(value) : value;
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return coerceScalars(d.innerType as z.ZodType, value);
    case "pipe":
      return coerceScalars(d.in as z.ZodType, value);
    case "object": {
      if (!isPlainObject(value)) return value;
      const shape = d.shape as Record<string, z.ZodType>;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Object.hasOwn(shape, k) ? coerceScalars(shape[k], v) : v]));
    }
    case "array":
      return Array.isArray(value) ? value.map((v) => coerceScalars(d.element as z.ZodType, v)) : value;
    case "record":
      return isPlainObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerceScalars(d.valueType as z.ZodType, v)])) : value;
    case "union": {
      // The first option the converted value satisfies; else the value as given.
      for (const option of d.options as z.ZodType[]) {
        const c = coerceScalars(option, value);
        if (option.safeParse(c).success) return c;
      }
      return value;
    }
    case "literal": {
      const values = d.values as readonly unknown[];
      if (typeof value === "string" && DECIMAL.test(value) && values.includes(Number(value))) return Number(value);
      return value === "true" && values.includes(true) ? true : value === "false" && values.includes(false) ? false : value;
    }
    default:
      return value;
  }
}

/**
 * `raw` without the values the schema refused (so the keys' defaults apply), and the key paths that
 * were removed; undefined when a refused value cannot be removed (a list entry or the whole config).
 * Lets the planner and the platform check the rest of a config whose shape is wrong in places, so
 * every stage's problems come back in one run.
 */
export function withoutRefused(raw: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): { raw: Record<string, unknown>; removed: (string | number)[][] } | undefined {
  const copy = structuredClone(raw);
  const removed: (string | number)[][] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    const keys = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...path, k]) : [path];
    for (const key of keys) {
      const last = key[key.length - 1];
      if (typeof last !== "string") return undefined;
      const parent = key.slice(0, -1).reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string | number, unknown>)[k] : undefined), copy);
      if (!isPlainObject(parent)) return undefined;
      delete parent[last];
      removed.push(key);
    }
  }
  return { raw: copy, removed };
}
