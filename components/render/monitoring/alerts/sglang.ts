/** SGLang service alerts: KV cache under pressure, queues, time to first token, stalled generation. */
import { SGLANG, SGLANG_HISTOGRAMS } from "../metrics";
import { ResolvedMonitoring } from "../resolve";
import { label, value } from "../templates";
import { AlertSettings } from "../types";
import { AlertRule, SGLANG_GROUP, num, pct, sel } from "./rule";

const REPLICA = ["service", "instance", "model_name"] as const;
const BY_REPLICA = `by (${REPLICA.join(", ")})`;
const TTFT_BY = ["service", "model_name"] as const;

function kvCacheHigh(a: AlertSettings): AlertRule {
  return {
    group: SGLANG_GROUP,
    alert: "SGLangKVCacheHigh",
    // A full KV pool is SGLang working as designed (the radix cache keeps what it can); it matters only
    // when requests wait for room. max over a replica's series: one alert per replica.
    expr: `max ${BY_REPLICA} (${SGLANG.tokenUsage}) > ${num(a.kvUsageThreshold)} and on (${REPLICA.join(", ")}) max ${BY_REPLICA} (${SGLANG.numQueueReqs}) >= 1`,
    for: a.kvUsageFor,
    severity: "warning",
    summary: ["KV cache of ", label("service"), " at ", value("percent"), " on ", label("instance"), " with requests waiting"],
    description: [
      `${SGLANG.tokenUsage} of `,
      label("model_name"),
      " on ",
      label("instance"),
      ` has stayed above ${pct(a.kvUsageThreshold)} for ${a.kvUsageFor} while requests queued: they wait for KV room and running ones may be retracted.`,
    ],
    runbook: "Check the Queued requests and KV-cache panels; add a replica, or lower --max-running-requests / --context-length, or move the service to GPUs with more memory.",
    resultLabels: REPLICA,
  };
}

function queueGrowing(a: AlertSettings): AlertRule {
  return {
    group: SGLANG_GROUP,
    alert: "SGLangQueueGrowing",
    // Queue depth on the left so $value is the depth, not the slope.
    expr: `${SGLANG.numQueueReqs} >= ${num(a.queueMinDepth)} and deriv(${SGLANG.numQueueReqs}[${a.queueGrowthWindow}]) > 0`,
    for: a.queueGrowingFor,
    severity: "warning",
    summary: ["Request queue of ", label("service"), " growing on ", label("instance")],
    description: [
      value("integer"),
      " requests wait on ",
      label("instance"),
      " (",
      label("model_name"),
      `) and the queue has kept growing for ${a.queueGrowingFor}: arrivals exceed what the replica admits.`,
    ],
    runbook: "If KV-cache usage is high too, scale out; if KV is free, check --max-running-requests and --chunked-prefill-size; shed or rate-limit load at the router / load balancer.",
    resultLabels: "series",
  };
}

function queueDeep(a: AlertSettings): AlertRule {
  return {
    group: SGLANG_GROUP,
    alert: "SGLangQueueDeep",
    // A queue that is large and flat never trips the growth alert, yet every request in it waits.
    expr: `${SGLANG.numQueueReqs} >= ${num(a.queueDeepDepth)}`,
    for: a.queueDeepFor,
    severity: "warning",
    summary: [value("integer"), " requests queued on ", label("instance"), " of ", label("service")],
    description: ["At least ", `${a.queueDeepDepth} requests have waited on `, label("instance"), " (", label("model_name"), `) for ${a.queueDeepFor}, growing or not: TTFT includes that wait.`],
    runbook: "Compare with the other replicas (router skew) and KV-cache usage; scale out, or rate-limit clients.",
    resultLabels: "series",
  };
}

/** One rule per service: each has its own threshold (config `services[].ttftP95Seconds`). */
function ttftHigh(r: ResolvedMonitoring, a: AlertSettings): AlertRule[] {
  const h = SGLANG_HISTOGRAMS.timeToFirstToken;
  return r.services.map((s) => {
    const svc = [`service="${s.name}"`];
    return {
      group: SGLANG_GROUP,
      alert: "SGLangTTFTP95High",
      // Quantile from bucket rates summed by le (never a per-bucket ratio), only with enough requests to mean something.
      expr:
        `histogram_quantile(0.95, sum by (${[...TTFT_BY, "le"].join(", ")}) (rate(${sel(`${h}_bucket`, svc)}[${a.ttftWindow}]))) > ${num(s.ttftP95Seconds)}` +
        ` and on (${TTFT_BY.join(", ")}) sum by (${TTFT_BY.join(", ")}) (rate(${sel(`${h}_count`, svc)}[${a.ttftWindow}])) >= ${num(a.ttftMinRequestsPerSecond)}`,
      for: a.ttftFor,
      severity: "warning",
      // The same value the expression gives; it keeps the per-service rules apart for promtool's duplicate check.
      labels: { service: s.name },
      summary: ["p95 time to first token of ", label("service"), " is ", value("fixed2"), "s"],
      description: [
        "p95 TTFT of ",
        label("model_name"),
        ` over ${a.ttftWindow} (histogram ${h}) has been above ${num(s.ttftP95Seconds)}s for ${a.ttftFor}, at ${num(a.ttftMinRequestsPerSecond)} requests/s or more.`,
      ],
      runbook: "Compare queue depth and prompt-token rate: a deep queue means scale out; long prompts mean prefill-bound (check --chunked-prefill-size); check GPU utilization and throttling.",
      resultLabels: TTFT_BY,
    };
  });
}

function throughputStall(a: AlertSettings): AlertRule {
  return {
    group: SGLANG_GROUP,
    alert: "SGLangThroughputStall",
    // SGLang adds a request's tokens to the counter when it finishes, so the window is longer than the
    // longest allowed generation. A hung scheduler freezes its gauges: running stays above 0. The
    // offset term: the replica was already reporting a window ago (a fresh one has no tokens yet).
    expr:
      `min ${BY_REPLICA} (min_over_time(${SGLANG.numRunningReqs}[${a.stallWindow}])) > 0` +
      ` and on (service, instance) max by (service, instance) (${SGLANG.numRunningReqs} offset ${a.stallWindow})` +
      ` unless on (service, instance) sum by (service, instance) (increase(${SGLANG.generationTokensTotal}[${a.stallWindow}])) > 0`,
    severity: "critical",
    summary: [label("instance"), " of ", label("service"), " has requests running and generates nothing"],
    description: [
      "At least ",
      value("integer"),
      " requests have been running on ",
      label("instance"),
      " (",
      label("model_name"),
      `) for ${a.stallWindow} and not one finished with generated tokens: the scheduler is stuck (NCCL hang, GPU fault) or every request is stuck.`,
    ],
    runbook: "Look for XID alerts and NCCL timeouts in the replica's log; py-spy dump the scheduler if it is alive; restart the replica (the router routes around it meanwhile).",
    resultLabels: REPLICA,
  };
}

/** The SGLang service rules. */
export function sglangRules(r: ResolvedMonitoring, a: AlertSettings): AlertRule[] {
  return [kvCacheHigh(a), queueGrowing(a), queueDeep(a), ...ttftHigh(r, a), throughputStall(a)];
}
