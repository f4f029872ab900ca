import spec from "./router-args.smg-1.13.0.json";
import release from "./router-release.json";
import { DEFAULT_MAX_GENERATION_SECONDS } from "../config/proxy";
import { RouterPlan, ServicePlan } from "./planner";

/**
 * argv of the router in front of a service's replicas, `python3 -m smg.launch_router`: smg 1.13.0
 * (Shepherd Model Gateway, the continuation of sglang-router), and a model of its argparse (flag
 * table in router-args.smg-1.13.0.json, extracted from the wheel by scripts/extract-router-args.py)
 * to check any argv we render. Why this release and these flags, with what was measured against
 * the older sglang-router releases: router-release.json.
 *
 * What the flags buy (router-release.json has the evidence):
 * - Bodies reach SGLang byte for byte: a policy that needs no request text (power_of_two, counting
 *   requests in flight at the router) and `--max-buffered-request-bytes 0`, so the router streams
 *   every body to the worker verbatim instead of re-serialising its typed structs. The price: no
 *   prefix-cache affinity across replicas and no router-level retry of a request.
 * - It serves with any healthy subset of its workers: a worker that is down at start is probed
 *   every 5 s for a week and joins when its `/health` answers; registered workers are probed with
 *   `/health_generate`, skipped while failing and taken back when they answer; two failed requests
 *   open a worker's circuit breaker for 10 s.
 * - It forwards the client's `Authorization` header to the workers (measured), so a worker on
 *   another node is reached through that node's front proxy with the client's own key.
 * - It listens where the platform says (loopback behind the front proxy) and its control plane
 *   (`POST /workers`, `/flush_cache`, ...) is unauthenticated: only the proxy's allow-list reaches it.
 */

export const ROUTER_PACKAGE: string = (spec as { package: string }).package;
export const ROUTER_VERSION: string = (spec as { version: string }).version;
/** The module run with `python3 -m`. */
export const ROUTER_MODULE: string = release.chosen.module;
/** The requirements file with the sha256 of every wheel (for `pip install --require-hashes -r`), from the package root. */
export const ROUTER_REQUIREMENTS_FILE: string = release.chosen.requirements;

export interface RouterArgSpec {
  readonly flags: readonly string[];
  readonly dest: string;
  readonly type: "str" | "int" | "float" | null;
  readonly action: "store" | "store_true" | "append" | "extend" | "help";
  readonly nargs: string | null;
  readonly choices: readonly string[] | null;
  readonly default: unknown;
}

export const ROUTER_ARGS: readonly RouterArgSpec[] = (spec as { args: RouterArgSpec[] }).args;

/** The policy of every routed service: balances on requests in flight and never parses a body. */
export const ROUTER_POLICY = "power_of_two";

/**
 * How long the router keeps probing a worker that is not up yet. A worker still unregistered after
 * this is never probed again, so it is a week rather than the planned cold start.
 */
export const WORKER_STARTUP_TIMEOUT_SECS = 7 * 24 * 3600;

/**
 * Worker base URLs of a router: a replica on the router's own node is reached on loopback (all
 * containers share the host network); one on another node at that node's private address.
 */
export function routerWorkerUrls(router: RouterPlan, addressOf: (node: string) => string): string[] {
  return router.workers.map((w) => `http://${w.node === router.node ? "127.0.0.1" : addressOf(w.node)}:${w.port}`);
}

export interface RouterLaunch {
  /** Address the router binds. */
  readonly host: string;
  readonly port: number;
  /** Address of the router's Prometheus listener. @default host */
  readonly metricsHost?: string;
  readonly metricsPort: number;
  readonly workerUrls: readonly string[];
  /** The longest a request may take (the longest allowed generation). */
  readonly requestTimeoutSecs: number;
}

/**
 * The argv after `python3 -m smg.launch_router`, with fixed worker URLs on every platform: service
 * discovery (`--service-discovery`) would switch smg 1.13.0 to its multi-router (IGW) mode, which
 * re-serialises bodies, refuses `/generate` without a `model` and 404s unserved model names
 * (the 1.13.0 wheel's smg/launch_router.py sets `enable_igw` whenever a discovery provider is on).
 */
export function routerArgs(l: RouterLaunch): string[] {
  // power_of_two refuses to start with fewer than two workers; a router exists only for replicas > 1.
  if (l.workerUrls.length < 2) throw new Error("a router needs at least two worker URLs");
  return [
    "--host",
    l.host,
    "--port",
    String(l.port),
    "--worker-urls",
    ...l.workerUrls,
    ...routingFlags(l.requestTimeoutSecs),
    "--prometheus-host",
    l.metricsHost ?? l.host,
    "--prometheus-port",
    String(l.metricsPort),
  ];
}

/** What every router of ours runs with, on every platform (why each: router-release.json). */
function routingFlags(requestTimeoutSecs: number): string[] {
  return [
    "--policy",
    ROUTER_POLICY,
    "--power-of-two-load-metric",
    "least_requests",
    "--max-buffered-request-bytes",
    "0",
    "--worker-startup-timeout-secs",
    String(WORKER_STARTUP_TIMEOUT_SECS),
    "--worker-startup-check-interval",
    "5",
    "--health-check-endpoint",
    "/health_generate",
    "--health-check-timeout-secs",
    "25",
    "--health-check-interval-secs",
    "5",
    "--health-failure-threshold",
    "2",
    "--health-success-threshold",
    "1",
    "--cb-failure-threshold",
    "2",
    "--cb-timeout-duration-secs",
    "10",
    "--request-timeout-secs",
    String(requestTimeoutSecs),
    "--disable-tokenizer-autoload",
  ];
}

/** Where a planned router listens; the platform decides (loopback behind the front proxy). */
export interface RouterListen {
  readonly host: string;
  /** @default the planned router port */
  readonly port?: number;
  /** @default host */
  readonly metricsHost?: string;
  /** @default the planned metrics port */
  readonly metricsPort?: number;
  readonly requestTimeoutSecs: number;
}

/** Until a platform puts its front proxy in front: the planned ports on every address. */
const ALL_ADDRESSES: RouterListen = { host: "0.0.0.0", requestTimeoutSecs: DEFAULT_MAX_GENERATION_SECONDS };

/** The router argv of a planned service. */
export function routerArgsFor(svc: ServicePlan, addressOf: (node: string) => string, listen: RouterListen = ALL_ADDRESSES): string[] {
  if (!svc.router) throw new Error(`service '${svc.name}' has ${svc.replicas} replica(s) and no router`);
  return routerArgs({
    host: listen.host,
    port: listen.port ?? svc.router.port,
    metricsHost: listen.metricsHost,
    metricsPort: listen.metricsPort ?? svc.router.metricsPort,
    workerUrls: routerWorkerUrls(svc.router, addressOf),
    requestTimeoutSecs: listen.requestTimeoutSecs,
  });
}

export type RouterValue = string | number | boolean | (string | number)[] | string[][];

export interface RouterParseResult {
  /** dest -> value for every flag given (defaults are not filled in). */
  readonly values: Record<string, RouterValue>;
  readonly errors: string[];
}

const byFlag = new Map<string, RouterArgSpec>();
for (const a of ROUTER_ARGS) for (const f of a.flags) byFlag.set(f, a);

function resolveFlag(flag: string): RouterArgSpec | string {
  const exact = byFlag.get(flag);
  if (exact) return exact;
  const matches = flag.startsWith("--") ? [...byFlag.keys()].filter((f) => f.startsWith(flag)) : [];
  if (matches.length === 1) return byFlag.get(matches[0])!;
  if (matches.length > 1) return `ambiguous option: ${flag} could match ${matches.join(", ")}`;
  return `unrecognized arguments: ${flag}`;
}

function convert(a: RouterArgSpec, raw: string, flag: string): string | number | { error: string } {
  let value: string | number = raw;
  if (a.type === "int") {
    if (!/^[-+]?\d+$/.test(raw.trim())) return { error: `argument ${flag}: invalid int value: '${raw}'` };
    value = parseInt(raw, 10);
  } else if (a.type === "float") {
    if (raw.trim() === "" || Number.isNaN(Number(raw))) return { error: `argument ${flag}: invalid float value: '${raw}'` };
    value = Number(raw);
  }
  if (a.choices && !a.choices.includes(String(value))) return { error: `argument ${flag}: invalid choice: '${raw}' (choose from ${a.choices.map((c) => `'${c}'`).join(", ")})` };
  return value;
}

const isFlag = (s: string) => s.startsWith("-") && s.length > 1 && !/^-\d/.test(s);

/** Parses a router argv the way smg.launch_router's argparse would, reporting what it would reject. */
export function parseRouterArgs(argv: readonly string[]): RouterParseResult {
  const values: Record<string, RouterValue> = {};
  const errors: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const tok = argv[i++];
    if (!isFlag(tok)) {
      errors.push(`unrecognized arguments: ${tok}`);
      continue;
    }
    const eq = tok.indexOf("=");
    const flag = eq >= 0 ? tok.slice(0, eq) : tok;
    const inline = eq >= 0 ? tok.slice(eq + 1) : undefined;
    const a = resolveFlag(flag);
    if (typeof a === "string") {
      // The values after an unknown option are its own: argparse lists them with it.
      const extra: string[] = [];
      while (inline === undefined && i < argv.length && !isFlag(argv[i])) extra.push(argv[i++]);
      errors.push(a.startsWith("unrecognized") ? [a, ...extra].join(" ") : a);
      continue;
    }
    if (a.action === "help") {
      errors.push(`${flag} prints the help and exits instead of starting the router`);
      continue;
    }
    if (a.action === "store_true") {
      if (inline !== undefined) errors.push(`argument ${flag}: ignored explicit argument '${inline}'`);
      values[a.dest] = true;
      continue;
    }
    const take: string[] = inline !== undefined ? [inline] : [];
    const many = a.nargs === "+" || a.nargs === "*";
    const want = many ? Infinity : a.nargs === null ? 1 : Number(a.nargs);
    while (inline === undefined && take.length < want && i < argv.length && !isFlag(argv[i])) take.push(argv[i++]);
    if (a.nargs === "*" ? false : a.nargs === "+" ? take.length === 0 : take.length !== want) {
      errors.push(`argument ${flag}: expected ${a.nargs === "+" ? "at least one argument" : want === 1 ? "one argument" : `${want} arguments`}`);
      continue;
    }
    const converted = take.map((t) => convert(a, t, flag));
    const bad = converted.find((c): c is { error: string } => typeof c === "object");
    if (bad) {
      errors.push(bad.error);
      continue;
    }
    const vals = converted as (string | number)[];
    if (a.action === "append") values[a.dest] = [...((values[a.dest] as string[][] | undefined) ?? []), vals.map(String)];
    else if (a.action === "extend") values[a.dest] = [...((values[a.dest] as (string | number)[] | undefined) ?? []), ...vals];
    else values[a.dest] = a.nargs === "+" || a.nargs === "*" ? vals : vals[0];
  }
  return { values, errors };
}
