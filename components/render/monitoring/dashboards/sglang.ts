/** The SGLang service dashboard: requests, throughput and KV cache, latency, per service. */
import { COMPONENT, SGLANG, SGLANG_HISTOGRAMS } from "../metrics";
import { AlertSettings, DEFAULT_ALERTS } from "../types";
import { routerRow } from "./router";
import { DashboardSpec, PanelQuery, PanelSpec } from "./spec";

/** Grafana expands this to a rate window that spans at least 4 scrapes (needs `timeInterval` on the datasource). */
const RATE = "$__rate_interval";
const SVC = `service=~"$service"`;

const quantiles = (histogram: string, by: string): PanelQuery[] =>
  [0.5, 0.95, 0.99].map((q) => ({
    // Quantile over bucket rates summed by le: the correct way to aggregate replicas.
    expr: `histogram_quantile(${q}, sum by (${by}, le) (rate(${histogram}_bucket{${SVC}}[${RATE}])))`,
    legend: `{{${by}}} p${Math.round(q * 100)}`,
  }));
const mean = (histogram: string, by: string): PanelQuery => ({
  // _sum / _count of the same histogram (SGLang's upstream dashboard divides _bucket by _bucket here).
  expr: `sum by (${by}) (rate(${histogram}_sum{${SVC}}[${RATE}])) / sum by (${by}) (rate(${histogram}_count{${SVC}}[${RATE}]))`,
  legend: `{{${by}}} mean`,
});
const perService = (metric: string, agg = "sum"): string => `${agg} by (service) (${metric}{${SVC}})`;
const ratePerService = (counter: string): string => `sum by (service) (rate(${counter}{${SVC}}[${RATE}]))`;
/** A panel of one series per service, from 0 up. */
const servicePanel = (title: string, description: string, unit: string, expr: string): PanelSpec => ({ title, description, unit, min: 0, queries: [{ expr, legend: "{{service}}" }] });
/** One series per replica: a router that favours one replica shows as one line above the others. */
const replicaPanel = (title: string, description: string, metric: string): PanelSpec => ({
  title,
  description,
  unit: "short",
  min: 0,
  queries: [{ expr: `sum by (service, instance) (${metric}{${SVC}})`, legend: "{{service}} {{instance}}" }],
});
/** Bucket counts per window, for a heatmap (Grafana's heatmap format; the buckets are SGLang's). */
const heatmap = (title: string, description: string, histogram: string): PanelSpec => ({
  kind: "heatmap",
  title,
  description,
  unit: "s",
  queries: [{ expr: `sum by (le) (increase(${histogram}_bucket{${SVC}}[${RATE}]))`, legend: "{{le}}" }],
});

/** The SGLang service dashboard. */
export function sglangDashboardSpec(alerts: AlertSettings = DEFAULT_ALERTS): DashboardSpec {
  return {
    name: "qwen-serving-sglang",
    title: "qwen-serving / SGLang services",
    variable: { name: "service", label: "service", metric: SGLANG.numRunningReqs },
    rows: [
      {
        title: "Requests",
        panels: [
          servicePanel("Running requests", "Requests in the running batch, summed over replicas (sglang:num_running_reqs).", "short", perService(SGLANG.numRunningReqs)),
          servicePanel(
            "Queued requests",
            "Requests waiting to be admitted, summed over replicas (sglang:num_queue_reqs). A queue that keeps growing means the service needs more replicas.",
            "short",
            perService(SGLANG.numQueueReqs),
          ),
          replicaPanel("Running requests per replica", "sglang:num_running_reqs of each replica: replicas of one service far apart means the router's load is skewed.", SGLANG.numRunningReqs),
          replicaPanel("Queued requests per replica", "sglang:num_queue_reqs of each replica: one replica queueing while the others do not is router skew or a slow replica.", SGLANG.numQueueReqs),
          servicePanel("Finished requests / s", "Completed requests per second (sglang:num_requests_total).", "reqps", ratePerService(SGLANG.numRequestsTotal)),
          servicePanel(
            "Aborted requests / s",
            "Requests aborted per second, e.g. clients that disconnected (sglang:num_aborted_requests_total). The series appears after the first abort.",
            "reqps",
            ratePerService(SGLANG.numAbortedRequestsTotal),
          ),
          {
            title: "Scrape targets up",
            description: "Replicas and routers Prometheus can scrape. SGLang opens its port only when the model is loaded.",
            unit: "short",
            min: 0,
            queries: [{ expr: `sum by (service, component) (up{component=~"${COMPONENT.sglang}|${COMPONENT.router}", ${SVC}})`, legend: "{{service}} {{component}}" }],
          },
        ],
      },
      {
        title: "Throughput and KV cache",
        panels: [
          servicePanel(
            "Generation throughput",
            "Decode tokens per second reported by the schedulers (sglang:gen_throughput), summed over replicas.",
            "suffix: tok/s",
            perService(SGLANG.genThroughput),
          ),
          {
            title: "Prompt and generation tokens / s",
            description: "Token rates of finished requests (sglang:prompt_tokens_total, sglang:generation_tokens_total).",
            unit: "suffix: tok/s",
            min: 0,
            queries: [
              { expr: ratePerService(SGLANG.promptTokensTotal), legend: "{{service}} prompt" },
              { expr: ratePerService(SGLANG.generationTokensTotal), legend: "{{service}} generation" },
            ],
          },
          {
            title: "KV-cache token usage",
            description: "Fraction of the KV-cache token pool in use per replica (sglang:token_usage). The alert fires above the red line.",
            unit: "percentunit",
            min: 0,
            max: 1,
            threshold: alerts.kvUsageThreshold,
            queries: [{ expr: `max by (service, instance) (${SGLANG.tokenUsage}{${SVC}})`, legend: "{{service}} {{instance}}" }],
          },
          {
            title: "Prefix cache hit ratio",
            // Not sglang:cache_hit_rate: that gauge is the last prefill batch's and decode logs set it to 0, so it reads 0 most of the time.
            description: "Cached prompt tokens / prompt tokens of finished requests over the window (sglang:cached_tokens_total, sglang:prompt_tokens_total).",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [{ expr: `${ratePerService(SGLANG.cachedTokensTotal)} / ${ratePerService(SGLANG.promptTokensTotal)}`, legend: "{{service}} cached / prompt tokens" }],
          },
        ],
      },
      {
        title: "Latency",
        panels: [
          {
            title: "Time to first token",
            description: "p50/p95/p99 and mean from sglang:time_to_first_token_seconds.",
            unit: "s",
            min: 0,
            threshold: alerts.ttftP95Seconds,
            queries: [...quantiles(SGLANG_HISTOGRAMS.timeToFirstToken, "service"), mean(SGLANG_HISTOGRAMS.timeToFirstToken, "service")],
          },
          heatmap(
            "Time to first token (heatmap)",
            "Requests per TTFT bucket per window (sglang:time_to_first_token_seconds_bucket): the whole distribution, a second mode shows as a second band.",
            SGLANG_HISTOGRAMS.timeToFirstToken,
          ),
          {
            title: "Inter-token latency",
            description: "p50/p95/p99 from sglang:inter_token_latency_seconds (SGLang counts one observation per generated token).",
            unit: "s",
            min: 0,
            queries: quantiles(SGLANG_HISTOGRAMS.interTokenLatency, "service"),
          },
          {
            title: "End-to-end request latency",
            description: "p50/p95/p99 and mean from sglang:e2e_request_latency_seconds.",
            unit: "s",
            min: 0,
            queries: [...quantiles(SGLANG_HISTOGRAMS.e2eRequestLatency, "service"), mean(SGLANG_HISTOGRAMS.e2eRequestLatency, "service")],
          },
          heatmap("End-to-end request latency (heatmap)", "Requests per end-to-end latency bucket per window (sglang:e2e_request_latency_seconds_bucket).", SGLANG_HISTOGRAMS.e2eRequestLatency),
        ],
      },
      routerRow(),
    ],
  };
}
