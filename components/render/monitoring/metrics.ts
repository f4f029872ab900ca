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
export const TTFT_BUCKETS: readonly number[] = Object.freeze([0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400]);

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
  /** 1 once the GPU could not remap a row (out of spare rows): the GPU needs replacing. Gauge. */
  rowRemapFailure: "DCGM_FI_DEV_ROW_REMAP_FAILURE",
});

/**
 * Source of the dcgm-exporter names above: its default counter list, etc/default-counters.csv of
 * NVIDIA/dcgm-exporter ("Errors and violations": DCGM_FI_DEV_XID_ERRORS, gauge, "Value of the last
 * XID error encountered"; "Remapped rows": DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS counter,
 * DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS counter, DCGM_FI_DEV_ROW_REMAP_FAILURE gauge).
 */
export const DCGM_SOURCE = "https://github.com/NVIDIA/dcgm-exporter/blob/main/etc/default-counters.csv";

/**
 * XID codes that mean the GPU or its links are failing (NVIDIA's XID catalog: 48 double-bit ECC,
 * 63/64 row remapping pending/failed, 74 NVLink error, 79 fallen off the bus, 94/95 contained and
 * uncontained ECC errors); any other XID is usually an application fault.
 */
export const CRITICAL_XIDS: readonly number[] = Object.freeze([48, 63, 64, 74, 79, 94, 95]);

/** node_exporter metrics the node alerts use (its filesystem and meminfo collectors, on by default). */
export const NODE = Object.freeze({
  filesystemAvail: "node_filesystem_avail_bytes",
  filesystemSize: "node_filesystem_size_bytes",
  filesystemReadonly: "node_filesystem_readonly",
  memAvailable: "node_memory_MemAvailable_bytes",
  memTotal: "node_memory_MemTotal_bytes",
});

/**
 * The router's metrics: smg 1.13.0 (components/sglang/router-release.json), from the real router's
 * /metrics (test/fixtures/smg-1.13.0-metrics.txt, captured in front of two echo workers; names in
 * smg-project/smg model_gateway/src/observability/metrics.rs). Labels: `worker` is the worker's URL.
 */
export const ROUTER = Object.freeze({
  /** Client-facing requests, by method and path (counter). */
  httpRequestsTotal: "smg_http_requests_total",
  /** Client-facing responses, by path, status_code and error_code (counter; 499 = client went away). */
  httpResponsesTotal: "smg_http_responses_total",
  /** Retries by worker_type and endpoint (counter; 0 with --max-buffered-request-bytes 0, which cannot retry). */
  workerRetriesTotal: "smg_worker_retries_total",
  /** 1 while the router's health checks pass for the worker, by worker (gauge). */
  workerHealth: "smg_worker_health",
  /** Circuit breaker per worker: 0 closed, 1 open, 2 half-open (gauge). */
  workerCbState: "smg_worker_cb_state",
  /** Requests the router has in flight at each worker (gauge). */
  workerRequestsActive: "smg_worker_requests_active",
  /** Requests dispatched to each worker (counter). */
  workerRequestsTotal: "smg_worker_requests_total",
  /** Workers registered, by model (gauge). */
  workerPoolSize: "smg_worker_pool_size",
});

/** Paths of the router's own health endpoints: probes, not traffic. */
export const ROUTER_PROBE_PATHS = "/health|/health_generate|/liveness|/readiness";

/** `component` label values our scrape configs attach, shared by rules and dashboards. */
export const COMPONENT = Object.freeze({
  sglang: "sglang",
  router: "router",
  nodeExporter: "node-exporter",
  dcgmExporter: "dcgm-exporter",
});
export type ScrapeComponent = (typeof COMPONENT)[keyof typeof COMPONENT];
