// The real tools rendered files are written for (shellcheck, systemd-analyze, ...). A missing tool
// fails the test that needs it, loudly: these checks are the point of the tests, never skipped.
import { execFile, execFileSync } from "child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { NODE_PATHS } from "../../components/contract";

/** Debian packages of the tools whose package is named otherwise. */
const PACKAGE_OF: Record<string, string> = { "systemd-analyze": "systemd", promtool: "prometheus", flock: "util-linux", amtool: "prometheus-alertmanager" };

/** Prometheus' binaries; the PROMTOOL / PROMETHEUS variables point at others. */
export const PROMTOOL = process.env.PROMTOOL ?? "promtool";
export const PROMETHEUS = process.env.PROMETHEUS ?? "prometheus";
/** Debian's Alertmanager binaries (package prometheus-alertmanager); the AMTOOL / ALERTMANAGER variables point at others. */
export const AMTOOL = process.env.AMTOOL ?? "amtool";
export const ALERTMANAGER = process.env.ALERTMANAGER ?? "prometheus-alertmanager";

/** The path of a program (a name on PATH or a path); throws, failing the test, when it is missing. */
export function requireTool(name: string): string {
  try {
    return execFileSync("bash", ["-c", 'command -v "$1"', "bash", name], { encoding: "utf8" }).trim();
  } catch {
    const base = name.split("/").pop()!;
    throw new Error(`${name} is not installed; bash scripts/install-test-tools.sh installs it (apt-get install ${PACKAGE_OF[base] ?? base})`);
  }
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the event loop (some tests serve HTTP from this process). */
export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, [...args], { env: opts.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 20_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const exitCode = (err as { code?: unknown } | null)?.code;
      // No exit code: the program did not start, timed out or was killed; say so in stderr.
      if (err && typeof exitCode !== "number") resolve({ code: 1, stdout, stderr: `${stderr}${err.message}\n` });
      else resolve({ code: err ? (exitCode as number) : 0, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes artifacts (relative paths, their modes) under a fresh temp folder and returns it. */
export function writeArtifactsToTemp(artifacts: readonly { path: string; content: string; mode?: number }[], prefix = "qs-artifacts-"): string {
  const root = tempDir(prefix);
  writeTree(
    root,
    artifacts.map((a) => ({ ...a, path: `/${a.path}` })),
  );
  return root;
}

/** Writes `files` (absolute node paths) under `root`, creating folders. */
export function writeTree(root: string, files: readonly { path: string; content: string; mode?: number }[]): void {
  for (const f of files) {
    const p = join(root, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
    chmodSync(p, f.mode ?? 0o644);
  }
}

/**
 * `systemd-analyze verify` of units as they would sit in /etc/systemd/system on a node: a scratch
 * root holds the host's own system units (targets the units refer to), the units, the files they
 * run, executable stand-ins for the node's programs (`programs`, e.g. /usr/bin/docker), so a
 * wrong path still fails as "not executable", and stand-ins for units the node's packages install
 * (`packageUnits`, e.g. docker.service). Returns the tool's findings; empty when clean.
 */
export async function systemdVerify(
  units: readonly { name: string; content: string }[],
  nodeFiles: readonly { path: string; content: string; mode?: number }[],
  programs: readonly string[],
  packageUnits: readonly { name: string; content: string }[] = [],
): Promise<string> {
  requireTool("systemd-analyze");
  const root = tempDir("qs-systemd-");
  const hostUnits = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((d) => existsSync(join(d, "multi-user.target")));
  if (!hostUnits) throw new Error("no host systemd unit folder with multi-user.target found");
  cpSync(hostUnits, join(root, "usr/lib/systemd/system"), { recursive: true, dereference: false, verbatimSymlinks: true });
  writeTree(
    root,
    programs.map((p) => ({ path: p, content: "#!/bin/sh\n", mode: 0o755 })),
  );
  writeTree(
    root,
    packageUnits.map((u) => ({ path: `/usr/lib/systemd/system/${u.name}`, content: u.content })),
  );
  writeTree(root, nodeFiles);
  writeTree(
    root,
    units.map((u) => ({ path: `${NODE_PATHS.units}/${u.name}`, content: u.content })),
  );
  const r = await run("systemd-analyze", ["verify", `--root=${root}`, ...units.map((u) => `${NODE_PATHS.units}/${u.name}`)], { timeoutMs: 60_000 });
  return r.code === 0 && r.stderr.trim() === "" ? "" : `exit ${r.code}\n${r.stdout}${r.stderr}`;
}

/** shellcheck (bash, default severity); returns its findings, empty when clean. */
export async function shellcheck(files: readonly string[]): Promise<string> {
  requireTool("shellcheck");
  const r = await run("shellcheck", ["--format=gcc", "--shell=bash", ...files]);
  return r.code === 0 ? "" : r.stdout + r.stderr;
}

/** What the docker package installs on a node, as far as units referring to it need. */
export const DOCKER_PACKAGE = {
  programs: ["/usr/bin/docker", "/usr/bin/dockerd"],
  units: [{ name: "docker.service", content: "[Unit]\nDescription=stand-in for the docker package's unit\n\n[Service]\nExecStart=/usr/bin/dockerd\n" }],
} as const;

/**
 * A script with some of its lines replaced (e.g. host paths moved into a sandbox). Each line to
 * replace must occur exactly once, so a renamed variable fails the test instead of silently running
 * against the host.
 */
export function swapLines(script: string, swaps: readonly (readonly [from: string, to: string])[]): string {
  const lines = script.split("\n");
  for (const [from, to] of swaps) {
    const at = lines.flatMap((l, i) => (l === from ? [i] : []));
    if (at.length !== 1) throw new Error(`expected the line ${JSON.stringify(from)} once in the script, found it ${at.length} times`);
    lines[at[0]] = to;
  }
  return lines.join("\n");
}
