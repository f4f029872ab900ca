/**
 * Metric names the dashboards and alerts use, as the exporters expose them.
 *
 * SGLang names come from SGLang 0.4.9.post2 `python/sglang/srt/metrics/collector.py` (see
 * test/fixtures/sglang-metrics.json). prometheus_client appends `_total` to counters and
 * `_bucket`/`_sum`/`_count` to histograms; the names below are the exposed sample names.
 * Not used on purpose:
 * - `sglang:avg_request_queue_latency` and `sglang:func_latency_seconds`: declared but never set at
 *   this version, so they have no samples.
 * - `sglang:prompt_tokens_histogram` / `sglang:generation_tokens_histogram`: only with
 *   `--collect-tokens-histogram`, which our launch arguments do not pass.
 * - PD-disaggregation queues and failure counters: always 0 / absent in unified mode.
 */
export const SGLANG = Object.freeze({
  numRunningReqs: "sglang:num_running_reqs",
  numQueueReqs: "sglang:num_queue_reqs",
  tokenUsage: "sglang:token_usage",
  genThroughput: "sglang:gen_throughput",
  cacheHitRate: "sglang:cache_hit_rate",
  promptTokensTotal: "sglang:prompt_tokens_total",
  generationTokensTotal: "sglang:generation_tokens_total",
  cachedTokensTotal: "sglang:cached_tokens_total",
  numRequestsTotal: "sglang:num_requests_total",
  /** Declared as `sglang:num_aborted_requests` (no `_total`); prometheus_client exposes `_total`. */
  numAbortedRequestsTotal: "sglang:num_aborted_requests_total",
});

/** SGLang histograms (base names; add `_bucket`, `_sum`, `_count`). */
export const SGLANG_HISTOGRAMS = Object.freeze({
  timeToFirstToken: "sglang:time_to_first_token_seconds",
  /** Quirk: each observation adds num_new_tokens to the bucket counts, so quantiles are per token. */
  interTokenLatency: "sglang:inter_token_latency_seconds",
  e2eRequestLatency: "sglang:e2e_request_latency_seconds",
});

/**
 * SGLang's default TTFT buckets (`bucket_time_to_first_token`). The TTFT alert threshold must lie
 * inside them: histogram_quantile cannot report beyond the largest finite bucket.
 */
export const TTFT_BUCKETS: readonly number[] = Object.freeze([
  0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400,
]);

/** dcgm-exporter fields (default counters; all gauges). */
export const DCGM = Object.freeze({
  gpuUtil: "DCGM_FI_DEV_GPU_UTIL",
  /** MiB */
  fbUsed: "DCGM_FI_DEV_FB_USED",
  /** MiB */
  fbFree: "DCGM_FI_DEV_FB_FREE",
  /** Watts */
  powerUsage: "DCGM_FI_DEV_POWER_USAGE",
  /** °C */
  gpuTemp: "DCGM_FI_DEV_GPU_TEMP",
  /** Code of the last XID error; it does not return to 0 until dcgm-exporter restarts. */
  xidErrors: "DCGM_FI_DEV_XID_ERRORS",
});

/** `component` label values our scrape configs attach, shared by rules and dashboards. */
export const COMPONENT = Object.freeze({
  sglang: "sglang",
  router: "router",
  nodeExporter: "node-exporter",
  dcgmExporter: "dcgm-exporter",
});
export type ScrapeComponent = (typeof COMPONENT)[keyof typeof COMPONENT];
