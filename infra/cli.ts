/** Small shared helpers for the two CLIs: flag parsing and one-line errors. */

export class UsageError extends Error {
  override name = "UsageError";
}

export interface FlagSpec {
  readonly [flag: string]: "string" | "boolean";
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    const [flag, inline] = tok.includes("=") ? [tok.slice(0, tok.indexOf("=")), tok.slice(tok.indexOf("=") + 1)] : [tok, undefined];
    const kind = spec[flag];
    if (!kind) throw new UsageError(`unknown option '${tok}'; valid: ${Object.keys(spec).join(", ")}`);
    if (kind === "boolean") out[flag] = true;
    else {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith("--"))) throw new UsageError(`option ${flag} needs a value`);
      out[flag] = value;
    }
  }
  return out;
}

/** Prints `error: <message>` lines (no stack trace) and exits non-zero. */
export function fail(err: unknown, code = 2): never {
  const e = err as Error & { problems?: readonly unknown[] };
  const message = e instanceof Error ? e.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}
