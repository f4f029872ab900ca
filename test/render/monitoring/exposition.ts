/**
 * Fixture expositions in the exporters' own text formats, for a real Prometheus to scrape.
 *
 * SGLang: generated from test/fixtures/sglang-metrics.json (names, types, labels, buckets) in
 * prometheus_client's multiprocess output format: HELP/TYPE use the metric name without `_total`,
 * labels sorted, floats as Python repr, no `_created` samples, and no lines at all for a labeled
 * metric that was never touched (that is what MultiProcessCollector emits).
 */
import { readFileSync } from "fs";
import { join } from "path";
import { NODE_PATHS } from "../../../components/contract";

export interface SglangMetricDoc {
  readonly name: string;
  readonly type: "gauge" | "counter" | "histogram";
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
  readonly note?: string;
  readonly exposed_samples: readonly string[];
}

export interface SglangMetricsDoc {
  readonly version: string;
  readonly commit: string;
  readonly metric_count: number;
  readonly metrics: readonly SglangMetricDoc[];
}

export const SGLANG_METRICS: SglangMetricsDoc = JSON.parse(readFileSync(join(__dirname, "..", "..", "fixtures", "sglang-metrics.json"), "utf8"));

/**
 * Metrics a server started with `--enable-metrics` (unified mode, no `--collect-tokens-histogram`)
 * does not expose, and why (from the notes in metrics.json). Dashboards and alerts must not need them.
 */
export const NOT_EXPOSED: Readonly<Record<string, string>> = {
  "sglang:avg_request_queue_latency": "declared but never set at 0.4.9.post2",
  "sglang:func_latency_seconds": "no function is decorated with @time_func_latency",
  "sglang:prompt_tokens_histogram": "only with --collect-tokens-histogram",
  "sglang:generation_tokens_histogram": "only with --collect-tokens-histogram",
  "sglang:num_bootstrap_failed_reqs": "PD disaggregation only",
  "sglang:num_transfer_failed_reqs": "PD disaggregation only",
  "sglang:num_so_requests_total": "only after a structured-output request; the fixture has none",
};

/** prometheus_client's floatToGoString. */
export function floatToGoString(d: number): string {
  if (d === Number.POSITIVE_INFINITY) return "+Inf";
  if (d === Number.NEGATIVE_INFINITY) return "-Inf";
  if (Number.isNaN(d)) return "NaN";
  // Python repr: integers keep ".0"; JS String() matches repr for the rest of our values.
  const s = Number.isInteger(d) && Math.abs(d) < 1e16 ? `${d}.0` : String(d);
  const dot = s.indexOf(".");
  if (d > 0 && dot > 6) {
    const mantissa = `${s[0]}.${s.slice(1, dot)}${s.slice(dot + 1)}`.replace(/[0.]+$/, "");
    return `${mantissa}e+0${dot - 1}`;
  }
  return s;
}

const labelString = (labels: Record<string, string>): string => {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? "" : `{${keys.map((k) => `${k}="${labels[k].replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
};

/** Values of one scrape of one replica; `n` counts scrapes so counters and the queue grow. */
export interface ReplicaState {
  readonly modelName: string;
  readonly n: number;
}

/** Observations per scrape for each histogram: value observed and how many times. */
const HISTOGRAM_OBSERVATIONS: Readonly<Record<string, { value: number; count: number }>> = {
  // 7 s TTFT: above the default 5 s alert threshold, and enough requests for its traffic guard.
  "sglang:time_to_first_token_seconds": { value: 7, count: 20 },
  // SGLang adds num_new_tokens per observation; 300 tokens at 30 ms.
  "sglang:inter_token_latency_seconds": { value: 0.03, count: 300 },
  "sglang:e2e_request_latency_seconds": { value: 30, count: 2 },
};

function gaugeValue(name: string, s: ReplicaState): number {
  switch (name) {
    case "sglang:num_running_reqs":
      return 12;
    case "sglang:num_used_tokens":
      return 372_444;
    case "sglang:token_usage":
      // Above 0.85 so the KV alert expression returns data.
      return 0.9;
    case "sglang:gen_throughput":
      return 1450.5;
    case "sglang:num_queue_reqs":
      // Deep and growing: the deep-queue alert and the growth alert's deriv() both see it.
      return 20 + s.n;
    case "sglang:cache_hit_rate":
      return 0.42;
    default:
      // spec_accept_length, grammar and PD queues: 0 in unified mode without speculative decoding.
      return 0;
  }
}

function counterValue(sample: string, s: ReplicaState): number {
  const perScrape: Record<string, number> = {
    "sglang:prompt_tokens_total": 1000,
    "sglang:generation_tokens_total": 300,
    "sglang:cached_tokens_total": 400,
    "sglang:num_requests_total": 2,
    "sglang:num_aborted_requests_total": 1,
  };
  const rate = perScrape[sample];
  if (rate === undefined) throw new Error(`fixture has no value for counter ${sample}`);
  return rate * s.n;
}

/** One scrape of an SGLang replica at 0.4.9.post2. */
export function sglangExposition(s: ReplicaState): string {
  const lines: string[] = [];
  for (const m of SGLANG_METRICS.metrics) {
    if (m.name in NOT_EXPOSED) continue;
    const allLabels: Record<string, string> = { model_name: s.modelName, engine_type: "unified" };
    const labels = Object.fromEntries(m.labels.map((l) => [l, allLabels[l] ?? `fixture-${l}`]));
    // prometheus_client drops a trailing _total from a counter's name for HELP/TYPE.
    const family = m.type === "counter" ? m.name.replace(/_total$/, "") : m.name;
    const samples: string[] = [];
    if (m.type === "gauge") {
      samples.push(`${m.name}${labelString(labels)} ${floatToGoString(gaugeValue(m.name, s))}`);
    } else if (m.type === "counter") {
      const sample = m.exposed_samples[0];
      if (sample in NOT_EXPOSED) continue;
      samples.push(`${sample}${labelString(labels)} ${floatToGoString(counterValue(sample, s))}`);
    } else {
      const obs = HISTOGRAM_OBSERVATIONS[m.name];
      if (!obs || !m.buckets) throw new Error(`fixture has no observations for histogram ${m.name}`);
      const total = obs.count * s.n;
      for (const le of [...m.buckets, Number.POSITIVE_INFINITY]) {
        samples.push(`${m.name}_bucket${labelString({ ...labels, le: floatToGoString(le) })} ${floatToGoString(obs.value <= le ? total : 0)}`);
      }
      samples.push(`${m.name}_count${labelString(labels)} ${floatToGoString(total)}`);
      samples.push(`${m.name}_sum${labelString(labels)} ${floatToGoString(obs.value * total)}`);
    }
    lines.push(`# HELP ${family} ${m.help}`, `# TYPE ${family} ${m.type}`, ...samples);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * dcgm-exporter default counters for two GPUs of one host, scrape `n` (GPU 0 hot, with XID 79 from
 * the third scrape on, so the gauge changes, and a failed row remap).
 */
export function dcgmExposition(n = 3): string {
  const fields: Array<[string, string, (gpu: number) => number]> = [
    ["DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", (g) => (g === 0 ? 87 : 91)],
    ["DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", () => 9_000],
    ["DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", () => 88_431],
    ["DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", (g) => (g === 0 ? 352.25 : 340.5)],
    ["DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", (g) => (g === 0 ? 90 : 70)],
    ["DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered.", (g) => (g === 0 && n >= 3 ? 79 : 0)],
    ["DCGM_FI_DEV_ROW_REMAP_FAILURE", "Whether remapping of rows has failed", (g) => (g === 0 ? 1 : 0)],
  ];
  const gpuLabels = (g: number) => `gpu="${g}",UUID="GPU-5d0c1a4e-0000-0000-0000-00000000000${g}",device="nvidia${g}",modelName="NVIDIA H20",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="570.124.06"`;
  return `${fields.flatMap(([name, help, value]) => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...[0, 1].map((g) => `${name}{${gpuLabels(g)}} ${value(g)}`)]).join("\n")}\n`;
}

/** node_exporter's filesystem and meminfo lines the node alerts read: a nearly full root disk, little memory left. */
export function nodeExposition(): string {
  const fs = (mountpoint: string, device: string, fstype: string) => `{device="${device}",fstype="${fstype}",mountpoint="${mountpoint}"}`;
  const root = fs("/", "/dev/nvme0n1p1", "ext4");
  const models = fs(NODE_PATHS.models, "/dev/nvme1n1", "xfs");
  return [
    "# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.",
    "# TYPE node_filesystem_avail_bytes gauge",
    `node_filesystem_avail_bytes${root} 2.5e+09`,
    `node_filesystem_avail_bytes${models} 5e+11`,
    "# HELP node_filesystem_size_bytes Filesystem size in bytes.",
    "# TYPE node_filesystem_size_bytes gauge",
    `node_filesystem_size_bytes${root} 5e+10`,
    `node_filesystem_size_bytes${models} 1e+12`,
    "# HELP node_filesystem_readonly Filesystem read-only status.",
    "# TYPE node_filesystem_readonly gauge",
    `node_filesystem_readonly${root} 0`,
    `node_filesystem_readonly${models} 0`,
    "# HELP node_memory_MemAvailable_bytes Memory information field MemAvailable_bytes.",
    "# TYPE node_memory_MemAvailable_bytes gauge",
    "node_memory_MemAvailable_bytes 1.2e+10",
    "# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.",
    "# TYPE node_memory_MemTotal_bytes gauge",
    "node_memory_MemTotal_bytes 2.56e+11",
    "",
  ].join("\n");
}
