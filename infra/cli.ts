/** Small shared helpers for the two CLIs: flag parsing, one-line errors, exit codes, running as a process. */
import { QwenServingError } from "../components/problems";

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

/**
 * The CLIs' exit codes (README "Exit codes"): 0 done; 1 refused, when the input is well formed but
 * cannot work (the config, plan or platform checks found problems, or `capacity`'s model does not
 * fit); 2 bad input, when the command cannot run (an unknown option, a missing value, no such stack
 * or file).
 */
export const EXIT = { ok: 0, refused: 1, badInput: 2 } as const;

/** The exit code of a CLI that could not use its input. */
export const EXIT_ERROR = EXIT.badInput;

/** The exit codes as `--help` shows them. */
export const EXIT_CODES_HELP = [
  "exit codes:",
  "  0  done",
  "  1  refused: the config, plan or platform checks found problems (each on stderr), or the model does not fit",
  "  2  bad input: an unknown option, a missing value, no such stack or file",
].join("\n");

/** A file or argument the command cannot use (exit 2), as opposed to a config it refuses (exit 1). */
export class InputError extends Error {
  override name = "InputError";
}

/** 1 for a refusal (a QwenServingError of the config, plan or platform), 2 for anything else. */
export function exitCodeOf(err: unknown): number {
  return err instanceof QwenServingError ? EXIT.refused : EXIT.badInput;
}

/**
 * Runs a CLI's `main` as the process. The exit code goes to `process.exitCode`, never
 * `process.exit()`, so stdout drains into a pipe of any size before the process ends (exiting right
 * after a large write cuts a pipe at 64 KiB). A reader that closes the pipe early (`| head`) ends
 * the output quietly: EPIPE is the reader's choice, not an error of ours. A rejection nobody awaits
 * (raised inside a Pulumi callback) is reported like any error, through `onRejection` if given.
 */
export function runAsProcess(main: (argv: readonly string[], io: CliIo) => number | Promise<number>, opts: { onRejection?: (e: unknown) => unknown } = {}): void {
  let failed = false;
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
  process.on("unhandledRejection", (e) => {
    const err = opts.onRejection ? opts.onRejection(e) : e;
    if (!failed) process.stderr.write(errorLine(err));
    failed = true;
    process.exitCode = exitCodeOf(err);
  });
  void Promise.resolve()
    .then(() => main(process.argv.slice(2), PROCESS_IO))
    .then(
      (code) => {
        if (!failed) process.exitCode = code;
      },
      (e) => {
        process.stderr.write(errorLine(e));
        process.exitCode = exitCodeOf(e);
      },
    );
}

/** The `error: <message>` line (no stack trace); a usage error points at --help. */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message}${err instanceof UsageError ? " (see --help)" : ""}\n`;
}
