/**
 * The router watched (smg 1.13.0's own metrics, see ROUTER): no worker it can send to, an error
 * ratio, and load skewed across its workers.
 */
import { COMPONENT, ROUTER, ROUTER_PROBE_PATHS } from "../metrics";
import { label, value } from "../templates";
import { AlertSettings } from "../types";
import { AlertRule, ROUTER_GROUP, num, pct, sel } from "./rule";

const ROUTER_SEL = `component="${COMPONENT.router}"`;
/** Client traffic only: the front proxy's and load balancer's health probes would dilute the ratio. */
const TRAFFIC = [ROUTER_SEL, `path!~"${ROUTER_PROBE_PATHS}"`];

function noHealthyWorker(a: AlertSettings): AlertRule {
  const health = sel(ROUTER.workerHealth, [ROUTER_SEL]);
  const breaker = sel(ROUTER.workerCbState, [ROUTER_SEL]);
  return {
    group: ROUTER_GROUP,
    alert: "RouterNoHealthyWorker",
    // Routable = health checks pass and the circuit breaker is not open (1). A router that is scraped
    // but reports no routable worker counts as 0, not as no data.
    expr: `(count by (service) (${health} == 1 unless on (service, instance, worker) ${breaker} == 1) or sum by (service) (up{${ROUTER_SEL}} == 1) * 0) == 0`,
    for: a.routerNoWorkerFor,
    severity: "critical",
    summary: ["Router of ", label("service"), " has no healthy worker"],
    description: ["For ", a.routerNoWorkerFor, ", every worker of the router of ", label("service"), " has failed its health checks or has an open circuit breaker: every request fails."],
    runbook: "Check the SGLang replicas' TargetDown/XID alerts and logs; GET /health_generate on a worker; the router takes a worker back as soon as it answers.",
    resultLabels: ["service"],
  };
}

function errorRatio(a: AlertSettings): AlertRule {
  const rate = (matchers: readonly string[]) => `sum by (service) (rate(${sel(ROUTER.httpResponsesTotal, matchers)}[${a.routerErrorWindow}]))`;
  return {
    group: ROUTER_GROUP,
    alert: "RouterErrorRatioHigh",
    // 5xx over all client responses (499, a client that went away, is not the router's error).
    expr: `${rate([...TRAFFIC, `status_code=~"5.."`])} / ${rate(TRAFFIC)} > ${num(a.routerErrorRatio)} and on (service) ${rate(TRAFFIC)} >= ${num(a.routerMinRequestsPerSecond)}`,
    for: a.routerErrorFor,
    severity: "critical",
    summary: ["Router of ", label("service"), " answers ", value("percent"), " of requests with 5xx"],
    description: [
      `More than ${pct(a.routerErrorRatio)} of the client requests to the router of `,
      label("service"),
      ` over ${a.routerErrorWindow} got a 5xx, for ${a.routerErrorFor} (${ROUTER.httpResponsesTotal}, at ${num(a.routerMinRequestsPerSecond)} requests/s or more).`,
    ],
    runbook: "Group smg_http_responses_total by error_code in Prometheus: call_upstream_* means workers fail or vanish; then check the workers' logs and health.",
    resultLabels: ["service"],
  };
}

function loadSkew(a: AlertSettings): AlertRule {
  const inFlight = `avg_over_time(${sel(ROUTER.workerRequestsActive, [ROUTER_SEL])}[${a.routerSkewWindow}])`;
  return {
    group: ROUTER_GROUP,
    alert: "RouterLoadSkew",
    // The policy sends each request to the less busy of two workers: one worker holding far more in
    // flight than the others is slow or stuck.
    expr: `max by (service) (${inFlight}) / avg by (service) (${inFlight}) > ${num(a.routerSkewRatio)} and on (service) avg by (service) (${inFlight}) >= ${num(a.routerSkewMinInFlight)}`,
    for: a.routerSkewFor,
    severity: "warning",
    summary: ["Busiest worker of ", label("service"), " holds ", value("fixed2"), "x the mean of requests in flight"],
    description: [
      `Over ${a.routerSkewWindow}, one worker of the router of `,
      label("service"),
      ` has held more than ${num(a.routerSkewRatio)} times the mean of requests in flight (${ROUTER.workerRequestsActive}) for ${a.routerSkewFor}.`,
    ],
    runbook: "Find the worker in the Router row (running requests per worker); compare its TTFT, GPU utilization and XID alerts with the others; restart it if it is degraded.",
    resultLabels: ["service"],
  };
}

/** The router rules. */
export function routerRules(a: AlertSettings): AlertRule[] {
  return [noHealthyWorker(a), errorRatio(a), loadSkew(a)];
}
