// Runs the real front proxy (Debian's nginx + njs) and the real router (smg from PyPI, in
// .tools/router) on 127.0.0.1 in front of echo workers (echo_worker.py), with exactly the rendered
// configuration and argv; only ports and folders differ, and those go in through the renderers' own
// inputs. Every process is started here, logged to a file, and killed by its pid at the end.
import { ChildProcess, spawn } from "child_process";
import { randomBytes } from "crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "fs";
import http from "http";
import { AddressInfo, createServer } from "net";
import { join } from "path";
import { exampleScript } from "../../../components/render/examples";
import { NJS_MODULE, ProxyConfigInput, renderProxyFiles } from "../../../components/render/proxy/nginx";
import { ServicePlan } from "../../../components/sglang/planner";
import { RunResult, requireTool, run, tempDir } from "../../support/tools";

const ROOT = join(__dirname, "..", "..", "..");
/** The router's venv (scripts/install-router-venv.sh, run by scripts/install-test-tools.sh). */
export const ROUTER_PYTHON = join(ROOT, ".tools", "router", "bin", "python");
export const ECHO_WORKER = join(__dirname, "echo_worker.py");
export const ENDPOINTS = join(ROOT, "test", "fixtures", "sglang-endpoints.json");
/** nginx's workers (and the master, when the tests run as root) run as nobody, as the container's nginx user would. */
const NOBODY = 65534;

export function requireRouter(): string {
  if (!existsSync(ROUTER_PYTHON)) throw new Error(`${ROUTER_PYTHON} is missing; bash scripts/install-test-tools.sh installs the pinned router`);
  return ROUTER_PYTHON;
}

export function requireNginx(): string {
  const nginx = requireTool("nginx");
  if (!existsSync(NJS_MODULE)) throw new Error(`${NJS_MODULE} is missing; bash scripts/install-test-tools.sh installs it (apt-get install libnginx-mod-http-js)`);
  return nginx;
}

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly argv: readonly string[];
  readonly log: string;
}

/** A folder the test owns: logs, rendered files, the key, worker records. */
export class Sandbox {
  readonly dir = tempDir("qs-serving-");
  readonly procs: Proc[] = [];
  /** A fresh random key, in a file readable by nginx's user only. */
  readonly key = `qs-${randomBytes(24).toString("hex")}`;
  readonly keyFile: string;
  readonly runAsNobody = process.getuid?.() === 0;

  constructor() {
    chmodSync(this.dir, 0o755);
    this.keyFile = join(this.dir, "api-key");
    writeFileSync(this.keyFile, `${this.key}\n`, { mode: 0o400 });
    if (this.runAsNobody) chownSync(this.keyFile, NOBODY, NOBODY);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  start(name: string, cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; logOwner?: number } = {}): Proc {
    const log = this.path(`${name}.log`);
    const out = openSync(log, "a");
    // nginx reopens /dev/stdout by path (access_log), so its user must be able to write the log.
    if (opts.logOwner !== undefined) chownSync(log, opts.logOwner, opts.logOwner);
    const child = spawn(cmd, [...args], { stdio: ["ignore", out, out], env: opts.env ?? { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    const p: Proc = { name, child, argv: [cmd, ...args], log };
    this.procs.push(p);
    return p;
  }

  /** An echo worker on 127.0.0.1:port; what it receives goes to `<name>.jsonl` and bodies/. */
  worker(name: string, port: number, model: string): Proc {
    return this.start(name, "python3", this.workerArgs(name, port, model));
  }

  /** echo_worker.py's argv for a worker `name` (logs and bodies in this sandbox); `host` defaults to the worker's own. */
  workerArgs(name: string, port: number, model: string, host?: string): string[] {
    mkdirSync(this.path("bodies"), { recursive: true });
    return [
      ECHO_WORKER,
      ...(host ? ["--host", host] : []),
      "--port",
      String(port),
      "--name",
      name,
      "--log",
      this.path(`${name}.jsonl`),
      "--bodies",
      this.path("bodies"),
      "--routes",
      ENDPOINTS,
      "--model",
      model,
    ];
  }

  /** nginx with the rendered files: nginx.conf and auth.js exactly as the renderer wrote them. */
  nginx(name: string, input: Omit<ProxyConfigInput, "jsDir" | "runDir">): { proc: Proc; conf: string; files: { nginxConf: string; authJs: string } } {
    const jsDir = this.path(`${name}-js`);
    const runDir = this.path(`${name}-run`);
    mkdirSync(jsDir, { recursive: true });
    mkdirSync(runDir, { recursive: true });
    const files = renderProxyFiles({ ...input, jsDir, runDir });
    const conf = this.path(`${name}.conf`);
    writeFileSync(conf, files.nginxConf);
    writeFileSync(join(jsDir, "auth.js"), files.authJs);
    if (this.runAsNobody) chownSync(runDir, NOBODY, NOBODY);
    const nginx = requireNginx();
    const argv = ["-e", "stderr", "-c", conf];
    const proc = this.runAsNobody ? this.start(name, "setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", nginx, ...argv], { logOwner: NOBODY }) : this.start(name, nginx, argv);
    return { proc, conf, files };
  }

  /** Every line of every log, every argv and every environment of the processes started here. */
  exposure(): { where: string; text: string }[] {
    const out: { where: string; text: string }[] = [];
    for (const p of this.procs) {
      out.push({ where: `${p.name} argv`, text: p.argv.join(" ") });
      if (existsSync(p.log)) out.push({ where: `${p.name} log`, text: readFileSync(p.log, "utf8") });
      const pid = p.child.pid;
      for (const f of ["cmdline", "environ"]) {
        const file = `/proc/${pid}/${f}`;
        if (pid && existsSync(file)) out.push({ where: `${p.name} /proc ${f}`, text: readFileSync(file, "latin1") });
      }
    }
    return out;
  }

  async stop(p: Proc): Promise<void> {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    const done = new Promise<void>((resolve) => p.child.once("exit", () => resolve()));
    p.child.kill("SIGTERM");
    const timer = setTimeout(() => p.child.kill("SIGKILL"), 5000);
    await done;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    for (const p of [...this.procs].reverse()) await this.stop(p);
  }
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** ms since the request was sent, at which each body chunk arrived. */
  readonly chunkTimes: number[];
  readonly chunks: Buffer[];
}

/** One HTTP request on 127.0.0.1; `localAddress` picks the client's source address (127.0.0.2 is loopback too). */
export function request(
  port: number,
  path: string,
  opts: { method?: string; body?: Buffer | string; headers?: Record<string, string>; localAddress?: string; agent?: http.Agent; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: opts.method ?? (body ? "POST" : "GET"),
        headers: { ...(body ? { "Content-Type": "application/json", "Content-Length": String(body.length) } : {}), ...opts.headers },
        localAddress: opts.localAddress,
        agent: opts.agent ?? false,
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const chunkTimes: number[] = [];
        res.on("data", (c: Buffer) => {
          chunks.push(c);
          chunkTimes.push(Date.now() - t0);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), chunkTimes, chunks }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout on ${path}`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Polls `probe` every 200 ms until it returns true, at most `ms`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Received {
  readonly index: number;
  readonly worker: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly length: number;
  readonly sha256: string;
  readonly body_file?: string;
}

/** What a worker recorded so far. */
export function received(box: Sandbox, worker: string): Received[] {
  const f = box.path(`${worker}.jsonl`);
  if (!existsSync(f)) return [];
  return readFileSync(f, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Received);
}

/** The exact bytes a worker received for one recorded request. */
export function receivedBody(box: Sandbox, r: Received): Buffer {
  return r.body_file ? readFileSync(join(box.path("bodies"), r.body_file)) : Buffer.alloc(0);
}

/** The chat completions a worker received after its first `from` requests, base64 of their exact bytes. */
export function chatBodies(box: Sandbox, worker: string, from: number): string[] {
  return received(box, worker)
    .slice(from)
    .filter((r) => r.path === "/v1/chat/completions")
    .map((r) => receivedBody(box, r).toString("base64"));
}

/**
 * Runs a service's example script (components/render/examples) against http://127.0.0.1:<port>
 * through `runner` (the host or a namespace), with a 200 kB image as its argument when `withImage`;
 * the key, if any, goes in the environment as the script reads it. Throws when the script fails.
 */
export function exampleScriptRunner(
  box: Sandbox,
  svc: ServicePlan,
  withImage: boolean,
  runner: (cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv }) => Promise<RunResult> = run,
): (port: number, key?: string) => Promise<void> {
  const image = box.path("image.png");
  writeFileSync(image, randomBytes(200_000));
  const script = box.path(`${svc.name}.sh`);
  return async (port, key) => {
    writeFileSync(script, exampleScript(svc, `http://127.0.0.1:${port}`), { mode: 0o755 });
    const r = await runner("bash", [script, ...(withImage ? [image] : [])], { env: { PATH: process.env.PATH, ...(key ? { QWEN_API_KEY: key } : {}) } });
    if (r.code !== 0) throw new Error(`${svc.name}'s example script against port ${port} exited ${r.code}: ${r.stderr}`);
  };
}

/** A chat request with one inline image of 50 MiB of base64: past the usual 1 MiB limits, under the proxy's 64 MiB default. */
export function fiftyMiBImageChat(model: string): Buffer {
  const url = `data:image/png;base64,${randomBytes(3 << 20)
    .toString("base64")
    .repeat(13)
    .slice(0, 50 << 20)}`;
  return Buffer.from(JSON.stringify({ model, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] }));
}

/** What curl got in a namespace. */
export interface NsAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/**
 * A network namespace of the test's own (`unshare --net`, so root only): loopback up, with extra
 * addresses on it that stand for other machines (a load balancer, Prometheus). Programs join it
 * with nsenter and bind what the rendered configuration says, 0.0.0.0 included, seen by nobody
 * outside. The namespace lives as long as its holder process, which the sandbox stops.
 */
export class NetNamespace {
  private calls = 0;
  private path?: string;

  constructor(
    private readonly box: Sandbox,
    private readonly addresses: readonly string[],
  ) {}

  /** Creates it (fails loudly without root or the tools). */
  async open(): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error("this test needs root: it runs the proxy in a network namespace of its own (unshare --net)");
    for (const tool of ["unshare", "nsenter", "ip", "curl", "setpriv"]) requireTool(tool);
    const add = this.addresses.map((a) => ` && ip addr add ${a}/32 dev lo`).join("");
    const holder = this.box.start("netns", "unshare", ["--net", "--", "bash", "-c", `ip link set lo up${add} && echo ready && exec sleep 3600`]);
    await waitFor("network namespace", async () => readFileSync(holder.log, "utf8").includes("ready"), 10_000);
    this.path = `/proc/${holder.child.pid}/ns/net`;
  }

  /** `--net=<path>` for nsenter. */
  get net(): string {
    if (!this.path) throw new Error("open() the namespace first");
    return `--net=${this.path}`;
  }

  /** A program in the namespace, started and logged by the sandbox. */
  start(name: string, cmd: string, args: readonly string[], opts: { logOwner?: number } = {}): Proc {
    return this.box.start(name, "nsenter", [this.net, "--", cmd, ...args], opts);
  }

  /** Rendered nginx.conf as nobody (nginx's user in the container), in the namespace. */
  nginx(name: string, conf: string): Proc {
    return this.start(name, "setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", requireNginx(), "-e", "stderr", "-c", conf], { logOwner: NOBODY });
  }

  /** A command run to its end in the namespace. */
  run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
    return run("nsenter", [this.net, "--", cmd, ...args], opts);
  }

  /** curl from `from` (default 127.0.0.1) in the namespace; headers go in a file, so no key is in an argv. */
  async curl(port: number, path: string, opts: { from?: string; key?: string; body?: Buffer | string; method?: string; timeoutMs?: number } = {}): Promise<NsAnswer> {
    const n = this.calls++;
    const file = (what: string) => this.box.path(`curl-${n}.${what}`);
    writeFileSync(file("headers"), [...(opts.key ? [`Authorization: Bearer ${opts.key}`] : []), ...(opts.body !== undefined ? ["Content-Type: application/json"] : [])].join("\n") + "\n");
    if (opts.body !== undefined) writeFileSync(file("body"), opts.body);
    const seconds = Math.ceil((opts.timeoutMs ?? 30_000) / 1000);
    const args = [
      "-sS",
      "-o",
      file("out"),
      "-w",
      "%{http_code}",
      "--max-time",
      String(seconds),
      "-H",
      `@${file("headers")}`,
      "-X",
      opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
      ...(opts.from ? ["--interface", opts.from] : []),
      ...(opts.body !== undefined ? ["--data-binary", `@${file("body")}`] : []),
      `http://127.0.0.1:${port}${path}`,
    ];
    const r = await this.run("curl", args, { timeoutMs: (seconds + 5) * 1000 });
    return { status: Number(r.stdout) || 0, body: existsSync(file("out")) ? readFileSync(file("out")) : Buffer.alloc(0) };
  }
}

/**
 * A named network namespace (`ip netns add`) with a hosts file of its own: `ip netns exec` bind
 * mounts /etc/netns/<name>/hosts and resolv.conf over /etc's for the programs it starts (man
 * ip-netns), so names the rendered configuration holds (a pod's DNS name) resolve to the test's
 * addresses there and nowhere else. `resolv.conf` points at 127.0.0.1, where no DNS server runs, so
 * a name missing from the hosts file fails at once, as a missing DNS record does. `setHosts`
 * rewrites the file in place (same inode), so running programs see the change on their next lookup.
 */
export class HostsNetNamespace extends NetNamespace {
  readonly name = `qs-${process.pid}-${randomBytes(3).toString("hex")}`;
  private readonly etc = `/etc/netns/${this.name}`;
  private opened = false;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly extraAddresses: readonly string[],
  ) {
    super(sandbox, extraAddresses);
  }

  async open(): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error("this test needs root: it creates a network namespace (ip netns add)");
    for (const tool of ["ip", "nsenter", "curl"]) requireTool(tool);
    const ip = async (...args: string[]) => {
      const r = await run("ip", args);
      if (r.code !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
    };
    await ip("netns", "add", this.name);
    this.opened = true;
    await ip("-n", this.name, "link", "set", "lo", "up");
    for (const a of this.extraAddresses) await ip("-n", this.name, "addr", "add", `${a}/32`, "dev", "lo");
    mkdirSync(this.etc, { recursive: true });
    writeFileSync(join(this.etc, "resolv.conf"), "nameserver 127.0.0.1\n");
    this.setHosts({});
  }

  get net(): string {
    return `--net=/run/netns/${this.name}`;
  }

  /** The namespace's /etc/hosts: localhost and the given name -> address entries. */
  setHosts(entries: Readonly<Record<string, string>>): void {
    const lines = ["127.0.0.1 localhost", ...Object.entries(entries).map(([name, address]) => `${address} ${name}`)];
    writeFileSync(join(this.etc, "hosts"), lines.join("\n") + "\n");
  }

  /** A program in the namespace that sees its hosts file, started and logged by the sandbox. */
  start(name: string, cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; logOwner?: number } = {}): Proc {
    return this.sandbox.start(name, "ip", ["netns", "exec", this.name, cmd, ...args], opts);
  }

  /** Deletes the namespace and its /etc/netns folder (after the sandbox stopped its programs). */
  async close(): Promise<void> {
    if (this.opened) await run("ip", ["netns", "delete", this.name]);
    rmSync(this.etc, { recursive: true, force: true });
  }
}
