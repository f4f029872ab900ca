import { existsSync, readFileSync } from "fs";
import { dirname, join } from "path";

/**
 * The front proxy before every SGLang server and router: an nginx.conf and the njs API-key check
 * it imports. Pure: a platform says what listens where and where the files live.
 *
 * Why nginx: a well-known proxy whose Debian bookworm build (1.22.1, with the njs module from
 * libnginx-mod-http-js) the tests run for real, with the official image of the same release on
 * the machines; Envoy has no Debian bookworm package, so the tests could not run the pinned
 * binary. What it does, per site:
 * - `/v1/*`, `/generate` and `/get_model_info` need `Authorization: Bearer <key>` when the site has
 *   a key file; the check is files/auth.js (constant time, the key read from the file on each
 *   request, never logged). `/health` and `/health_generate` need no key (load balancer and
 *   Kubernetes probes; SGLang's own --api-key exempted /health* too).
 * - `/metrics` answers only to the monitoring sources (allow/deny by address), without a key.
 * - Every other path is 404 from nginx itself: SGLang's admin routes (`/flush_cache`,
 *   `/update_weights_from_disk`, ...) and the router's control plane never see a request.
 *   Locations match the normalised path, so `/v1/../flush_cache` is a 404 too.
 * - Idle client connections are kept `clientIdleSeconds + 60` s, so the load balancer in front
 *   always closes first (AWS: a target's keep-alive must exceed the ALB idle timeout, or 502s).
 *   Upstream connections are dropped after 4 s idle: uvicorn closes them at 5 s.
 * - Neither request nor response is buffered (streams pass chunk by chunk, uploads start at
 *   once), bodies up to `maxBodyBytes`, and a request may take `maxGenerationSeconds`.
 */

/** What one listener fronts. */
export interface ProxySite {
  /** For upstream names and comments, e.g. `qwen3-32b-router`. Letters, digits, '-' and '_'. */
  readonly name: string;
  /** nginx `listen` values: `port` or `address:port`, one or several. */
  readonly listen: string | readonly string[];
  /**
   * `api`: the public API (and /metrics from the monitoring sources); `metrics`: only /metrics
   * (a router's separate metrics port).
   */
  readonly kind: "api" | "metrics";
  /** `host:port` of SGLang or the router, on loopback. */
  readonly backend: string;
  /** `host:port` that serves this site's `/metrics`. @default backend */
  readonly metricsBackend?: string;
  /** Absolute path of the file holding the API key (one line). @default - no key check */
  readonly apiKeyFile?: string;
  /**
   * What the backend is. The key never reaches SGLang: a site fronting it drops the
   * `Authorization` header after checking it. A router keeps it, to present it to the proxies
   * of its workers (it forwards the client's header).
   */
  readonly fronts: "sglang" | "router";
  /**
   * A replica's port behind a router: only these sources (the router's node) reach the API, and
   * they read the metadata the router registers a worker with (`GET /get_server_info`,
   * `/get_model_info`, `/v1/models`) without a key, since the router has none of its own; its
   * requests still carry the client's key, checked here too. @default - any source
   */
  readonly routerSources?: readonly string[];
}

export interface ProxyConfigInput {
  readonly sites: readonly ProxySite[];
  /** Addresses or CIDRs allowed to read /metrics (Prometheus). */
  readonly metricsSources: readonly string[];
  /** Idle timeout of what connects to the proxy (load balancer, Ingress controller), seconds. */
  readonly clientIdleSeconds: number;
  /** Largest request body, bytes. */
  readonly maxBodyBytes: number;
  /** Longest a request may take, seconds. */
  readonly maxGenerationSeconds: number;
  /** Folder holding auth.js (where the platform puts PROXY_AUTH_JS). */
  readonly jsDir: string;
  /** Writable folder for the pid file and nginx's temp folders (tmpfs in a container). */
  readonly runDir: string;
  /** Where the njs module is. @default NJS_MODULE */
  readonly njsModule?: string;
  /**
   * nginx worker processes. `auto` is one per CPU nginx sees, which in a container is the host's
   * (192 on a p5.48xlarge): a pod's sidecar sets a few. @default "auto"
   */
  readonly workerProcesses?: number | "auto";
}

/**
 * The nginx user of the official image: uid and gid 101 in every variant ("create nginx user/group
 * first, to be consistent throughout docker variants", nginxinc/docker-nginx, Dockerfile). The
 * proxy runs as it, and key files are made readable to it.
 */
export const NGINX_UID = 101;
/** The njs module in Debian's libnginx-mod-http-js and in the official nginx image alike. */
export const NJS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so";
/** Seconds the proxy keeps an idle client connection beyond the idle timeout of what is in front of it. */
export const KEEPALIVE_MARGIN_SECONDS = 60;
/** uvicorn (SGLang) closes idle connections after 5 s; the proxy drops its idle ones first. */
export const UPSTREAM_IDLE_SECONDS = 4;
/** The paths the proxy forwards (and to whom): the public API, health, metrics. */
export const PUBLIC_EXACT_PATHS = ["/generate", "/get_model_info"] as const;
export const PUBLIC_PREFIX = "/v1/";
export const HEALTH_PATHS = ["/health", "/health_generate"] as const;
/** What smg reads to register a worker (with fallbacks from /server_info and /model_info, which 0.4.9.post2 lacks). */
export const REGISTRATION_PATHS = ["/get_server_info", "/get_model_info", "/v1/models"] as const;

const NAME = /^[A-Za-z0-9_-]+$/;
const LISTEN = /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]):)?\d{1,5}$/;
const HOST_PORT = /^(\d{1,3}(\.\d{1,3}){3}|localhost|\[[0-9a-f:]+\]):\d{1,5}$/;
// An address or range, never `all`: every allow list is for named sources only.
const SOURCE = /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/;
const PATH = /^\/[\w./-]*$/;

/** The njs source (components/render/proxy/files/auth.js), shipped with the package. */
export function proxyAuthJs(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, "components", "render", "proxy", "files", "auth.js");
    if (existsSync(file)) return readFileSync(file, "utf8");
    const here = join(dir, "files", "auth.js");
    if (existsSync(here)) return readFileSync(here, "utf8");
    if (dirname(dir) === dir) throw new Error(`auth.js not found above ${__dirname}`);
  }
}

function check(input: ProxyConfigInput): void {
  const bad = (what: string, v: unknown) => {
    throw new Error(`proxy config: ${what} ${JSON.stringify(v)} is not valid`);
  };
  if (input.sites.length === 0) bad("sites", input.sites);
  const names = new Set<string>();
  for (const s of input.sites) {
    if (!NAME.test(s.name) || names.has(s.name)) bad("site name", s.name);
    names.add(s.name);
    for (const l of listens(s)) if (!LISTEN.test(l)) bad("listen", l);
    if (!HOST_PORT.test(s.backend)) bad("backend", s.backend);
    if (s.metricsBackend !== undefined && !HOST_PORT.test(s.metricsBackend)) bad("metricsBackend", s.metricsBackend);
    if (s.apiKeyFile !== undefined && !PATH.test(s.apiKeyFile)) bad("apiKeyFile", s.apiKeyFile);
    for (const src of s.routerSources ?? []) if (!SOURCE.test(src)) bad("router source", src);
    if (s.routerSources && (s.routerSources.length === 0 || s.fronts !== "sglang" || s.kind !== "api")) bad("routerSources of", s.name);
  }
  for (const src of input.metricsSources) if (!SOURCE.test(src)) bad("metrics source", src);
  for (const [k, v] of [
    ["clientIdleSeconds", input.clientIdleSeconds],
    ["maxBodyBytes", input.maxBodyBytes],
    ["maxGenerationSeconds", input.maxGenerationSeconds],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) bad(k, v);
  for (const [k, v] of [
    ["jsDir", input.jsDir],
    ["runDir", input.runDir],
    ["njsModule", input.njsModule ?? NJS_MODULE],
  ] as const)
    if (!PATH.test(v)) bad(k, v);
  const workers = input.workerProcesses ?? "auto";
  if (workers !== "auto" && !(Number.isInteger(workers) && workers > 0)) bad("workerProcesses", workers);
}

/** Headers set on every proxied request: keep-alive upstream connections, the client's host and address. */
const PROXY_HEADERS = ['proxy_set_header Connection "";', "proxy_set_header Host $host;", "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"];

const listens = (s: ProxySite): readonly string[] => (typeof s.listen === "string" ? [s.listen] : s.listen);

const upstreamName = (site: string, what: string) => `${site.replace(/-/g, "_")}_${what}`;

function upstream(name: string, backend: string): string[] {
  return [`  upstream ${name} {`, `    server ${backend};`, "    keepalive 64;", `    keepalive_timeout ${UPSTREAM_IDLE_SECONDS}s;`, "  }"];
}

function metricsLocation(input: ProxyConfigInput, up: string): string[] {
  return ["    location = /metrics {", ...input.metricsSources.map((s) => `      allow ${s};`), "      deny all;", `      proxy_pass http://${up};`, "    }"];
}

function apiServer(input: ProxyConfigInput, s: ProxySite): string[] {
  const up = upstreamName(s.name, "backend");
  const metricsUp = s.metricsBackend && s.metricsBackend !== s.backend ? upstreamName(s.name, "metrics") : up;
  const auth = s.apiKeyFile ? ["      if ($qs_authorized != 1) {", '        return 401 \'{"error":{"message":"missing or wrong API key","type":"unauthorized","code":401}}\';', "      }"] : [];
  const fence = (s.routerSources ?? []).map((src) => `      allow ${src};`).concat(s.routerSources ? ["      deny all;"] : []);
  const keyed = (location: string) => [`    location ${location} {`, ...fence, ...auth, `      proxy_pass http://${up};`, "    }"];
  const registration = s.routerSources
    ? REGISTRATION_PATHS.flatMap((p) => [`    location = ${p} {`, ...fence, "      limit_except GET {", "        deny all;", "      }", `      proxy_pass http://${up};`, "    }"])
    : [];
  return [
    "  server {",
    `    # ${s.name}: the public API of ${s.backend}${s.apiKeyFile ? ", key checked" : ", no key"}${s.routerSources ? `, for its router at ${s.routerSources.join(" ")}` : ""}.`,
    ...listens(s).map((l) => `    listen ${l};`),
    ...(s.apiKeyFile ? [`    set $qs_api_key_file ${s.apiKeyFile};`, '    add_header WWW-Authenticate "Bearer" always;'] : []),
    // proxy_set_header here replaces the http-level list, so the whole list is repeated.
    ...(s.fronts === "sglang" ? [...PROXY_HEADERS.map((h) => `    ${h}`), '    proxy_set_header Authorization "";'] : []),
    ...registration,
    ...keyed(`^~ ${PUBLIC_PREFIX}`),
    ...PUBLIC_EXACT_PATHS.filter((p) => !(s.routerSources && (REGISTRATION_PATHS as readonly string[]).includes(p))).flatMap((p) => keyed(`= ${p}`)),
    ...HEALTH_PATHS.flatMap((p) => [`    location = ${p} {`, `      proxy_pass http://${up};`, "    }"]),
    ...metricsLocation(input, metricsUp),
    "    location / {",
    '      return 404 \'{"error":{"message":"not found","type":"not_found","code":404}}\';',
    "    }",
    "  }",
  ];
}

function metricsServer(input: ProxyConfigInput, s: ProxySite): string[] {
  return [
    "  server {",
    `    # ${s.name}: only /metrics of ${s.metricsBackend ?? s.backend}, for the monitoring sources.`,
    ...listens(s).map((l) => `    listen ${l};`),
    ...metricsLocation(input, upstreamName(s.name, "metrics")),
    "    location / {",
    "      return 404;",
    "    }",
    "  }",
  ];
}

/** nginx.conf of one node's, host's or pod's front proxy. */
export function renderNginxConf(input: ProxyConfigInput): string {
  check(input);
  const run = input.runDir.replace(/\/$/, "");
  const upstreams = input.sites.flatMap((s) => {
    const metrics = s.metricsBackend ?? s.backend;
    if (s.kind === "metrics") return upstream(upstreamName(s.name, "metrics"), metrics);
    return [...upstream(upstreamName(s.name, "backend"), s.backend), ...(metrics !== s.backend ? upstream(upstreamName(s.name, "metrics"), metrics) : [])];
  });
  return [
    "# qwen-serving front proxy, rendered by components/render/proxy/nginx.ts (what it does and why: there).",
    `load_module ${input.njsModule ?? NJS_MODULE};`,
    // In the foreground: the container's (or the test's) process is nginx itself.
    "daemon off;",
    `worker_processes ${input.workerProcesses ?? "auto"};`,
    `pid ${run}/nginx.pid;`,
    "error_log stderr warn;",
    "events {",
    "  worker_connections 4096;",
    "}",
    "http {",
    "  server_tokens off;",
    "  default_type application/json;",
    // No header and no query string is logged: the key travels in a header only, and nothing else is needed to debug.
    "  log_format qwen_serving '$remote_addr [$time_iso8601] \"$request_method $uri\" $status $body_bytes_sent $request_time';",
    "  access_log /dev/stdout qwen_serving;",
    `  client_body_temp_path ${run}/client_body;`,
    `  proxy_temp_path ${run}/proxy;`,
    `  fastcgi_temp_path ${run}/fastcgi;`,
    `  uwsgi_temp_path ${run}/uwsgi;`,
    `  scgi_temp_path ${run}/scgi;`,
    `  js_path ${input.jsDir.replace(/\/?$/, "/")};`,
    "  js_import auth from auth.js;",
    "  js_set $qs_authorized auth.authorized;",
    `  keepalive_timeout ${input.clientIdleSeconds + KEEPALIVE_MARGIN_SECONDS}s;`,
    "  keepalive_requests 100000;",
    `  client_max_body_size ${input.maxBodyBytes};`,
    "  client_body_buffer_size 1m;",
    "  client_body_timeout 120s;",
    `  send_timeout ${input.maxGenerationSeconds}s;`,
    "  proxy_http_version 1.1;",
    ...PROXY_HEADERS.map((h) => `  ${h}`),
    "  proxy_request_buffering off;",
    "  proxy_buffering off;",
    "  proxy_connect_timeout 5s;",
    `  proxy_read_timeout ${input.maxGenerationSeconds}s;`,
    `  proxy_send_timeout ${input.maxGenerationSeconds}s;`,
    ...upstreams,
    ...input.sites.flatMap((s) => (s.kind === "api" ? apiServer(input, s) : metricsServer(input, s))),
    "}",
    "",
  ].join("\n");
}

/** The files of one proxy: nginx.conf and auth.js (for jsDir). */
export function renderProxyFiles(input: ProxyConfigInput): { readonly nginxConf: string; readonly authJs: string } {
  return { nginxConf: renderNginxConf(input), authJs: proxyAuthJs() };
}
