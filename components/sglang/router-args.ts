import spec from "./router-args.0.1.5.json";
import { RouterPlan, ServicePlan } from "./planner";

/**
 * argv of SGLang's cache-aware router, `python3 -m sglang_router.launch_router`, for
 * sglang-router 0.1.5 (the release that matches SGLang 0.4.9.post2), and a model of its argparse
 * (flag table in router-args.0.1.5.json) to check any argv we render.
 *
 * How workers are registered, and what happens when one dies (router 0.1.5; read from
 * sgl-router's src/router.rs of that period, not executed here):
 * - At start the router gets every planned replica in `--worker-urls` and polls each one's
 *   `/health` every `--worker-startup-check-interval` seconds (10). It serves only once ALL of them
 *   answer 200, and exits with an error if that takes longer than `--worker-startup-timeout-secs`.
 *   We size that timeout from the planned cold start, and systemd restarts the router if a first
 *   boot (weights still downloading) takes longer. Consequence: while any replica is down at
 *   start, the whole service is down; once running, the router tolerates replica loss.
 * - cache_aware keeps an approximate radix tree of request text per worker: a request goes to the
 *   worker with the longest matching prefix when the match exceeds `--cache-threshold` (0.5),
 *   else to the worker with the smallest tree; when loads diverge (more than
 *   `--balance-abs-threshold` 32 requests apart and `--balance-rel-threshold` 1.0001 times) it
 *   picks the least loaded. So a conversation's growing prefix stays on one replica.
 * - When a request to a worker fails and that worker's `/health` fails too, the router retries it
 *   (3 times per worker, 6 in all), then REMOVES the worker from its list and cache tree and moves
 *   on to another. In-flight streams on the dead replica are lost (the client sees the stream
 *   break). 0.1.5 never re-adds a removed worker by itself: our registration timer
 *   (render/router-unit.ts) POSTs `/add_worker?url=` for every planned worker whose `/health`
 *   answers, every 30 s, so a restarted replica rejoins with an empty tree.
 * - The router forwards the client's headers (so `Authorization: Bearer` reaches the workers, which
 *   check the API key) and has no key of its own: its `/add_worker` and `/remove_worker` are
 *   unauthenticated, which is why the load balancer forwards only the public API paths.
 */

export const ROUTER_VERSION: string = (spec as { version: string }).version;
/** pip requirement of the router; the wheel is not in the SGLang image. */
export const ROUTER_REQUIREMENT = `sglang-router==${ROUTER_VERSION}`;
/** The module run with `python3 -m`. */
export const ROUTER_MODULE = "sglang_router.launch_router";

export interface RouterArgSpec {
  readonly flags: readonly string[];
  readonly dest: string;
  readonly type: "str" | "int" | "float" | null;
  readonly action: "store" | "store_true" | "append" | "help";
  readonly nargs: string | null;
  readonly choices: readonly string[] | null;
  readonly default: unknown;
}

export const ROUTER_ARGS: readonly RouterArgSpec[] = (spec as { args: RouterArgSpec[] }).args;

/** The router's own floor for waiting on workers (its default). */
export const MIN_WORKER_STARTUP_TIMEOUT_SECS = 300;

/**
 * How long the router waits for all workers at start: twice the planned cold start of a replica
 * (image pull, weight read, CUDA graphs), rounded up to a minute, never below the router's 300 s.
 */
export function workerStartupTimeoutSecs(svc: ServicePlan): number {
  return Math.max(MIN_WORKER_STARTUP_TIMEOUT_SECS, Math.ceil((2 * svc.coldStart.totalSeconds) / 60) * 60);
}

/**
 * Worker base URLs of a router: a replica on the router's own node is reached on loopback (all
 * containers share the host network); one on another node at that node's private address.
 */
export function routerWorkerUrls(router: RouterPlan, addressOf: (node: string) => string): string[] {
  return router.workers.map((w) => `http://${w.node === router.node ? "127.0.0.1" : addressOf(w.node)}:${w.port}`);
}

export interface RouterLaunch {
  /** The service port: the load balancer's target. */
  readonly port: number;
  readonly metricsPort: number;
  readonly policy: RouterPlan["policy"];
  readonly workerUrls: readonly string[];
  readonly workerStartupTimeoutSecs: number;
}

/** The argv after `python3 -m sglang_router.launch_router`; binds 0.0.0.0 so the ALB and Prometheus reach it. */
export function routerArgs(l: RouterLaunch): string[] {
  if (l.workerUrls.length === 0) throw new Error("a router needs at least one worker URL");
  return [
    "--host", "0.0.0.0",
    "--port", String(l.port),
    "--worker-urls", ...l.workerUrls,
    "--policy", l.policy,
    "--worker-startup-timeout-secs", String(l.workerStartupTimeoutSecs),
    "--prometheus-host", "0.0.0.0",
    "--prometheus-port", String(l.metricsPort),
  ];
}

/** The router argv of a planned service. */
export function routerArgsFor(svc: ServicePlan, addressOf: (node: string) => string): string[] {
  if (!svc.router) throw new Error(`service '${svc.name}' has ${svc.replicas} replica(s) and no router`);
  return routerArgs({
    port: svc.router.port,
    metricsPort: svc.router.metricsPort,
    policy: svc.router.policy,
    workerUrls: routerWorkerUrls(svc.router, addressOf),
    workerStartupTimeoutSecs: workerStartupTimeoutSecs(svc),
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

/** Parses a router argv the way launch_router's argparse would, reporting what it would reject. */
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
    const want = a.nargs === "+" ? Infinity : a.nargs === null ? 1 : Number(a.nargs);
    while (inline === undefined && take.length < want && i < argv.length && !isFlag(argv[i])) take.push(argv[i++]);
    if (a.nargs === "+" ? take.length === 0 : take.length !== want) {
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
    else values[a.dest] = a.nargs === "+" ? vals : vals[0];
  }
  return { values, errors };
}
