/** Loopback plumbing for the tests that run real Prometheus and Alertmanager processes: fixture servers, free ports, bounded waits, daemons. */
import { ChildProcess, spawn } from "child_process";
import { Server, createServer } from "http";
import { AddressInfo, createServer as createTcpServer } from "net";

export const HOST = "127.0.0.1";

export interface Fixture {
  readonly server: Server;
  readonly port: number;
}

/** Serves `body()` as Prometheus text on /metrics. */
export async function serve(body: () => string): Promise<Fixture> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/metrics")) {
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(body());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A loopback port nothing listens on (bound, then released): for targets that must be down, or a daemon to bind. */
export async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, HOST, resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Polls until `check` returns true or the deadline passes; returns the last value of `probe`. */
export async function waitFor<T>(probe: () => Promise<T>, check: (t: T) => boolean, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!check(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    last = await probe().catch(() => last);
  }
  return last;
}

export async function getJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as T;
}

/** A long-running program whose output is kept for failure messages. */
export interface Daemon {
  readonly child: ChildProcess;
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export function daemon(cmd: string, args: readonly string[]): Daemon {
  let log = "";
  const child = spawn(cmd, [...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d) => (log += String(d)));
  child.stderr?.on("data", (d) => (log += String(d)));
  child.on("error", (e) => (log += `spawn error: ${e.message}\n`));
  return {
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits for `<base><path>` to answer 200; throws with the daemon's log otherwise. */
export async function waitReady(d: Daemon, base: string, path: string, timeoutMs = 15_000): Promise<void> {
  const status = await waitFor(
    () =>
      fetch(`${base}${path}`, { signal: AbortSignal.timeout(1_000) })
        .then((r) => r.status)
        .catch(() => 0),
    (s) => s === 200 || d.child.exitCode !== null,
    timeoutMs,
  );
  if (status !== 200) throw new Error(`${base}${path} did not become ready (exit ${d.child.exitCode}):\n${d.log()}`);
}
