/** The router row of the service dashboard: smg 1.13.0's own metrics (see ROUTER), per service and per worker. */
import { COMPONENT, ROUTER, ROUTER_PROBE_PATHS, SGLANG } from "../metrics";
import { PanelQuery, PanelSpec, RowSpec } from "./spec";

const RATE = "$__rate_interval";
const ROUTER_SEL = `component="${COMPONENT.router}", service=~"$service"`;
/** Client traffic only (probes of the proxy and load balancer left out), as the error-ratio alert counts it. */
const TRAFFIC = `${ROUTER_SEL}, path!~"${ROUTER_PROBE_PATHS}"`;
const SGLANG_SEL = `component="${COMPONENT.sglang}", service=~"$service"`;

const panel = (title: string, description: string, unit: string, queries: readonly PanelQuery[]): PanelSpec => ({ title, description, unit, min: 0, queries });

/** Tokens/s of a replica's prompts its prefix cache served (hits) and computed (misses); the hit counter appears with the first hit. */
function cacheQueries(): PanelQuery[] {
  const rate = (counter: string) => `sum by (service, instance) (rate(${counter}{${SGLANG_SEL}}[${RATE}]))`;
  const hits = rate(SGLANG.cachedTokensTotal);
  return [
    { expr: hits, legend: "{{service}} {{instance}} hits" },
    { expr: `${rate(SGLANG.promptTokensTotal)} - (${hits} or ${rate(SGLANG.promptTokensTotal)} * 0)`, legend: "{{service}} {{instance}} misses" },
  ];
}

/** Requests, errors, retries, workers, load per worker and cache hits of each service's router. */
export function routerRow(): RowSpec {
  return {
    title: "Router",
    panels: [
      panel("Router requests / s", `Client requests the router received (${ROUTER.httpRequestsTotal}, health probes left out).`, "reqps", [
        { expr: `sum by (service) (rate(${ROUTER.httpRequestsTotal}{${TRAFFIC}}[${RATE}]))`, legend: "{{service}}" },
      ]),
      panel("Router 5xx / s by error", `Responses with a 5xx status by the router's error_code (${ROUTER.httpResponsesTotal}); call_upstream_* means a worker failed or went away.`, "reqps", [
        { expr: `sum by (service, error_code) (rate(${ROUTER.httpResponsesTotal}{${TRAFFIC}, status_code=~"5.."}[${RATE}]))`, legend: "{{service}} {{error_code}}" },
      ]),
      panel("Router retries / s", `Retry attempts (${ROUTER.workerRetriesTotal}). 0 with --max-buffered-request-bytes 0: a streamed body cannot be sent twice.`, "reqps", [
        { expr: `sum by (service) (rate(${ROUTER.workerRetriesTotal}{${ROUTER_SEL}}[${RATE}]))`, legend: "{{service}}" },
      ]),
      panel(
        "Workers: registered, healthy, breaker open",
        `Workers the router knows (${ROUTER.workerPoolSize}), passing health checks (${ROUTER.workerHealth}) and with an open circuit breaker (${ROUTER.workerCbState} == 1).`,
        "short",
        [
          { expr: `sum by (service) (${ROUTER.workerPoolSize}{${ROUTER_SEL}})`, legend: "{{service}} registered" },
          { expr: `sum by (service) (${ROUTER.workerHealth}{${ROUTER_SEL}})`, legend: "{{service}} healthy" },
          { expr: `sum by (service) (${ROUTER.workerCbState}{${ROUTER_SEL}} == bool 1)`, legend: "{{service}} breaker open" },
        ],
      ),
      panel(
        "Running requests per worker (router)",
        `Requests the router has in flight at each worker (${ROUTER.workerRequestsActive}); the policy sends each to the less busy of two, so one worker far above the others is slow or stuck.`,
        "short",
        [{ expr: `sum by (service, worker) (${ROUTER.workerRequestsActive}{${ROUTER_SEL}})`, legend: "{{service}} {{worker}}" }],
      ),
      panel(
        "Prefix-cache hits and misses per worker",
        "Prompt tokens per second each replica's radix cache served (hits) and computed (misses), from SGLang's counters. The router's power-of-two policy keeps no cache of its own (smg's cache-aware policy would parse request bodies), so these are the engines' hits its routing leads to.",
        "suffix: tok/s",
        cacheQueries(),
      ),
    ],
  };
}
