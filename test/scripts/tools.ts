// Running the real tools the rendered files are written for. A missing tool fails the test that
// needs it, loudly: these checks are the point of the tests, never something to skip.
import { execFile, execFileSync } from "child_process";

export function requireTool(name: string): string {
  try {
    return execFileSync("bash", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`${name} is not installed; .ci/run installs it (apt-get install ${name === "systemd-analyze" ? "systemd" : name})`);
  }
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the event loop (tests serve HTTP from this process). */
export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { env: opts.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 20_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** shellcheck at its default severity (style and up); returns its findings, empty when clean. */
export async function shellcheck(files: readonly string[]): Promise<string> {
  requireTool("shellcheck");
  const r = await run("shellcheck", ["--format=gcc", "--shell=bash", ...files]);
  return r.stdout + (r.code !== 0 && !r.stdout ? r.stderr : "");
}
