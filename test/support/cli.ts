// Runs the CLIs the two ways the tests need: in process through their `main` (fast, the default),
// and as the subprocess a user starts (`npm run plan` runs ts-node the same way), for one smoke
// test per command.
import { spawnSync } from "child_process";
import * as path from "path";
import { CliIo } from "../../infra/cli";

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Calls a CLI's `main` with buffered streams. */
export async function callCli<Io extends CliIo>(
  main: (argv: readonly string[], io: Io) => number | Promise<number>,
  argv: readonly string[],
  extra: Omit<Io, keyof CliIo> = {} as Omit<Io, keyof CliIo>,
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io = { ...extra, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } } as Io;
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

/** Starts `infra/<script>.ts` under ts-node in a child process, as the npm scripts do. */
export function spawnCli(script: "plan" | "capacity", argv: readonly string[], cwd = process.cwd()): CliResult {
  const root = path.resolve(__dirname, "../..");
  const r = spawnSync(path.join(root, "node_modules", ".bin", "ts-node"), ["--transpile-only", "--project", path.join(root, "tsconfig.json"), path.join(root, "infra", `${script}.ts`), ...argv], {
    encoding: "utf8",
    cwd,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
