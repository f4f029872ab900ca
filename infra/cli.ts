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

/** Where a CLI writes: the process's streams when run as a script, buffers when a test calls `main`. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const PROCESS_IO: CliIo = { stdout: process.stdout, stderr: process.stderr };

/** The exit code of a CLI that refused its input or could not finish. */
export const EXIT_ERROR = 2;

/** The `error: <message>` line (no stack trace); a usage error points at --help. */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message}${err instanceof UsageError ? " (see --help)" : ""}\n`;
}

/** Prints the error line and exits non-zero. */
export function fail(err: unknown, code = EXIT_ERROR): never {
  process.stderr.write(errorLine(err));
  process.exit(code);
}
