/** Pure checks of the monitoring renderers: metric names, alert semantics, dashboards, config shape. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  ALERT_RULES_PATH,
  ALERT_RULE_TESTS_PATH,
  DCGM,
  NODE,
  MonitoringInput,
  PROMETHEUS_CONFIG_PATH,
  TTFT_BUCKETS,
  alertExpressions,
  dashboardQueries,
  kubernetesScrapeTargets,
  monitoringInputProblems,
  prometheusArgs,
  renderGrafanaProvisioning,
  renderMonitoring,
  renderPrometheusConfig,
  scrapeJobs,
} from "../../../components/render/monitoring";
import { PORTS, TAGS } from "../../../components/contract";
import { QwenServingError } from "../../../components/problems";
import { NOT_EXPOSED, SGLANG_METRICS, sglangExposition } from "./exposition";
import { awsInput, dockerInput, kubernetesInput } from "./helpers";
import { referencedMetrics } from "./promql";
import { ROUTER_SAMPLES } from "./router-metrics";

type Doc = Record<string, any>;

/** Exposed sample name -> (metric, type) from metrics.json. */
const EXPOSED = new Map(SGLANG_METRICS.metrics.flatMap((m) => m.exposed_samples.map((s) => [s, m] as const)));
const DCGM_NAMES = new Set<string>(Object.values(DCGM));
/** node_exporter's filesystem and meminfo collectors (on by default). */
const NODE_NAMES = new Set<string>(Object.values(NODE));

/** Why a referenced metric name is not acceptable, or undefined if it is. */
function metricProblem(name: string): string | undefined {
  if (name === "up" || DCGM_NAMES.has(name) || NODE_NAMES.has(name)) return undefined;
  if (name.startsWith("smg_")) return ROUTER_SAMPLES.has(name) ? undefined : `${name} is not in smg 1.13.0's exposition (test/fixtures/smg-1.13.0-metrics.txt)`;
  const m = EXPOSED.get(name);
  if (!m) return `${name} is not exported by SGLang 0.4.9.post2 (metrics.json) nor a DCGM/up metric`;
  if (m.name in NOT_EXPOSED) return `${name} has no samples in our deployment: ${NOT_EXPOSED[m.name]}`;
  const suffixOk = m.type === "counter" ? name.endsWith("_total") : m.type === "histogram" ? /_(bucket|sum|count)$/.test(name) : name === m.name;
  return suffixOk ? undefined : `${name} has the wrong suffix for a ${m.type}`;
}

/** scrape_configs keyed by job name. */
const jobsByName = (doc: Doc): Record<string, Doc> => Object.fromEntries((doc.scrape_configs as Doc[]).map((j): [string, Doc] => [j.job_name, j]));

const allExpressions = (): Array<{ where: string; expr: string }> => [
  ...dashboardQueries().map((q) => ({ where: `${q.dashboard} / ${q.panel} / ${q.refId}`, expr: q.expr })),
  ...alertExpressions(dockerInput()).map((a) => ({ where: `alert ${a.alert}`, expr: a.expr })),
];

describe("the metrics.json fixture", () => {
  it("is the SGLang 0.4.9.post2 reference, complete", () => {
    expect(SGLANG_METRICS.version).toBe("0.4.9.post2");
    expect(SGLANG_METRICS.commit).toBe("eb118d88c47d95f0006506ea7abeb0bd51a780b5");
    expect(SGLANG_METRICS.metrics).toHaveLength(SGLANG_METRICS.metric_count);
    expect(SGLANG_METRICS.metric_count).toBe(27);
  });

  it("NOT_EXPOSED only names metrics metrics.json lists", () => {
    const names = new Set(SGLANG_METRICS.metrics.map((m) => m.name));
    for (const n of Object.keys(NOT_EXPOSED)) expect(names, n).toContain(n);
  });

  it("TTFT_BUCKETS are SGLang's default TTFT buckets", () => {
    expect(TTFT_BUCKETS).toEqual(SGLANG_METRICS.metrics.find((m) => m.name === "sglang:time_to_first_token_seconds")?.buckets);
  });

  it("the fixture exposition uses only metrics.json names, labels and buckets", () => {
    const text = sglangExposition({ modelName: "m", n: 3 });
    const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(samples.length).toBeGreaterThan(50);
    for (const line of samples) {
      const match = /^([^{ ]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
      expect(match, line).not.toBeNull();
      const [, name, labelText = ""] = match as RegExpExecArray;
      const m = EXPOSED.get(name);
      expect(m, `${name} is not in metrics.json`).toBeDefined();
      const labels = labelText === "" ? [] : labelText.split(",").map((kv) => kv.split("=")[0]);
      const expected = name.endsWith("_bucket") ? [...(m?.labels ?? []), "le"] : [...(m?.labels ?? [])];
      expect([...labels].sort(), line).toEqual(expected.sort());
    }
    const les = samples.filter((l) => l.startsWith("sglang:e2e_request_latency_seconds_bucket")).map((l) => /le="([^"]+)"/.exec(l)?.[1]);
    const buckets = SGLANG_METRICS.metrics.find((m) => m.name === "sglang:e2e_request_latency_seconds")?.buckets ?? [];
    expect(les.map((le) => (le === "+Inf" ? Infinity : Number(le)))).toEqual([...buckets, Infinity]);
  });
});

describe("metric names in panels and alerts", () => {
  it("the extractor finds names and the checker rejects the seed's wrong ones", () => {
    expect(referencedMetrics('histogram_quantile(0.95, sum by (service, le) (rate(sglang:time_to_first_token_seconds_bucket{service=~"$service"}[$__rate_interval]))) > 5')).toEqual([
      "sglang:time_to_first_token_seconds_bucket",
    ]);
    expect(referencedMetrics('up{component=~"a|b"} == 0 and on (instance) DCGM_FI_DEV_GPU_TEMP > 1e3')).toEqual(["DCGM_FI_DEV_GPU_TEMP", "up"]);
    for (const wrong of ["sglang_running_requests", "sglang_token_throughput", "sglang_first_token_latency_seconds", "sglang_gpu_cache_usage_ratio"]) {
      expect(metricProblem(wrong)).toBeDefined();
    }
    expect(metricProblem("sglang:num_aborted_requests")).toBeDefined(); // counter needs _total
    expect(metricProblem("sglang:time_to_first_token_seconds")).toBeDefined(); // histogram needs a suffix
    expect(metricProblem("sglang:avg_request_queue_latency")).toBeDefined(); // never set
    expect(metricProblem("sglang:token_usage")).toBeUndefined();
  });

  it("every expression references only exported metrics, with the right suffixes", () => {
    const problems = allExpressions().flatMap(({ where, expr }) => {
      const names = referencedMetrics(expr);
      // The Watchdog is the one expression without a metric: it always fires.
      if (names.length === 0) return expr === "vector(1)" ? [] : [`${where}: no metric found in ${expr}`];
      return names
        .map(metricProblem)
        .filter((p): p is string => p !== undefined)
        .map((p) => `${where}: ${p}`);
    });
    expect(problems).toEqual([]);
  });

  it("no histogram is divided bucket by bucket (the upstream dashboard's TTFT bug); heatmaps show bucket counts", () => {
    const heatmaps = dashboardQueries().filter((q) => q.kind === "heatmap");
    expect(heatmaps.map((q) => q.panel)).toEqual(["Time to first token (heatmap)", "End-to-end request latency (heatmap)"]);
    for (const q of heatmaps) expect(q.expr, q.panel).toMatch(/^sum by \(le\) \(increase\(sglang:[a-z0-9_]+_seconds_bucket\{service=~"\$service"\}\[\$__rate_interval\]\)\)$/);
    const heatmapExprs = new Set(heatmaps.map((q) => q.expr));
    for (const { where, expr } of allExpressions()) {
      if (!expr.includes("_bucket") || heatmapExprs.has(expr)) continue;
      expect(expr, where).toMatch(/^histogram_quantile\(0\.\d+, sum by \([^)]*\ble\)\s*\(rate\([^)]*_bucket(\{[^}]*\})?\[[^\]]+\]\)\)\)/);
      expect(expr.split("_bucket").length - 1, where).toBe(1);
    }
    const means = dashboardQueries().filter((x) => x.expr.includes("_sum"));
    expect(means.map((q) => q.panel)).toEqual(["Time to first token", "End-to-end request latency"]);
    for (const q of means) {
      expect(q.expr, q.panel).toMatch(/rate\((sglang:[a-z0-9_]+)_sum\{[^}]*\}\[[^\]]+\]\)\) \/ sum by \(service\) \(rate\(\1_count\{/);
    }
  });
});

describe("Prometheus config", () => {
  it("docker: static targets per job, labels for rules and dashboards, the rule file", () => {
    const doc = parse(renderPrometheusConfig(dockerInput())) as Doc;
    expect(doc.global).toEqual({ scrape_interval: "15s", evaluation_interval: "15s", external_labels: { stack: "dev" } });
    expect(doc.rule_files).toEqual(["rules/sglang.rules.yml"]);
    const jobs = jobsByName(doc);
    expect(Object.keys(jobs)).toEqual(["sglang-qwen3-32b", "sglang-router-qwen3-32b", "sglang-qwen2.5-vl-32b", "node-exporter", "dcgm-exporter"]);
    expect(jobs["sglang-qwen3-32b"].static_configs).toEqual([{ targets: ["qwen3-32b-0:9001", "qwen3-32b-1:9001"], labels: { service: "qwen3-32b", component: "sglang" } }]);
    expect(jobs["sglang-router-qwen3-32b"].static_configs[0].labels).toEqual({ service: "qwen3-32b", component: "router" });
    expect(jobs["dcgm-exporter"].static_configs).toEqual([{ targets: [`dcgm-exporter:${PORTS.dcgmExporter}`], labels: { component: "dcgm-exporter" } }]);
    for (const j of Object.values(jobs)) expect(j.metrics_path).toBe("/metrics");
  });

  it("aws: EC2 discovery by the stack tag, the right port per job, no credentials", () => {
    const text = renderPrometheusConfig(awsInput());
    expect(text).not.toMatch(/access_key|secret_key|static_configs/);
    const jobs = jobsByName(parse(text) as Doc);
    const ports = Object.fromEntries(Object.entries(jobs).map(([name, j]) => [name, j.ec2_sd_configs[0].port]));
    expect(ports).toEqual({
      "sglang-qwen3-32b": 9001,
      "sglang-router-qwen3-32b": PORTS.routerMetricsBase,
      "sglang-qwen2.5-vl-32b": 9002,
      "node-exporter": PORTS.nodeExporter,
      "dcgm-exporter": PORTS.dcgmExporter,
    });
    for (const j of Object.values(jobs)) {
      const sd = j.ec2_sd_configs[0];
      expect(sd.region).toBe("us-east-1");
      expect(sd.filters).toContainEqual({ name: `tag:${TAGS.stack}`, values: ["prod"] });
      expect(sd.filters).toContainEqual({ name: "instance-state-name", values: ["running"] });
    }
    expect(jobs["sglang-qwen3-32b"].ec2_sd_configs[0].filters).toContainEqual({ name: "tag-key", values: [`${TAGS.servicePrefix}qwen3-32b`] });
    expect(jobs["dcgm-exporter"].ec2_sd_configs[0].filters).toContainEqual({ name: "tag-key", values: [`${TAGS.servicePrefix}qwen3-32b`, `${TAGS.servicePrefix}qwen2.5-vl-32b`] });
    expect(jobs["sglang-qwen3-32b"].relabel_configs).toEqual(
      expect.arrayContaining([
        { target_label: "service", replacement: "qwen3-32b" },
        { target_label: "component", replacement: "sglang" },
      ]),
    );
  });

  it("retention goes to command-line flags", () => {
    expect(prometheusArgs(awsInput(), { configFile: "/etc/prometheus/prometheus.yml", storagePath: "/prometheus" })).toEqual([
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=30d",
      "--storage.tsdb.retention.size=100GB",
    ]);
  });
});

describe("renderMonitoring", () => {
  it("docker and aws: config, rules, rule tests, dashboards, provisioning", () => {
    for (const input of [dockerInput(), awsInput()]) {
      expect(renderMonitoring(input).map((a) => a.path)).toEqual([
        PROMETHEUS_CONFIG_PATH,
        ALERT_RULES_PATH,
        ALERT_RULE_TESTS_PATH,
        "monitoring/grafana/dashboards/qwen-serving-sglang.json",
        "monitoring/grafana/dashboards/qwen-serving-gpu.json",
        "monitoring/grafana/provisioning/datasources/prometheus.yml",
        "monitoring/grafana/provisioning/dashboards/qwen-serving.yml",
      ]);
    }
  });

  it("kubernetes: rules and dashboards only; the scrape helper gives port names and labels", () => {
    expect(renderMonitoring(kubernetesInput()).map((a) => a.path)).toEqual([
      ALERT_RULES_PATH,
      ALERT_RULE_TESTS_PATH,
      "monitoring/grafana/dashboards/qwen-serving-sglang.json",
      "monitoring/grafana/dashboards/qwen-serving-gpu.json",
    ]);
    expect(() => renderPrometheusConfig(kubernetesInput())).toThrow(/ServiceMonitors/);
    const targets = kubernetesScrapeTargets(kubernetesInput());
    expect(targets.map((t) => [t.job, t.portName, t.path])).toEqual([
      ["sglang-qwen3-32b", "http", "/metrics"],
      ["sglang-router-qwen3-32b", "metrics", "/metrics"],
      ["sglang-qwen2.5-vl-32b", "http", "/metrics"],
      ["node-exporter", "metrics", "/metrics"],
      ["dcgm-exporter", "metrics", "/metrics"],
    ]);
    expect(targets[0].relabelings).toEqual([
      { action: "replace", targetLabel: "job", replacement: "sglang-qwen3-32b" },
      { action: "replace", targetLabel: "service", replacement: "qwen3-32b" },
      { action: "replace", targetLabel: "component", replacement: "sglang" },
    ]);
  });

  it("Grafana provisioning points at Prometheus and the dashboards folder", () => {
    const [ds, dash] = renderGrafanaProvisioning(dockerInput({ scrapeInterval: "10s" })).map((a) => parse(a.content) as Doc);
    expect(ds.datasources[0]).toMatchObject({ type: "prometheus", url: `http://prometheus:${PORTS.prometheus}`, isDefault: true, access: "proxy", jsonData: { timeInterval: "10s" } });
    expect(dash.providers[0]).toMatchObject({ type: "file", allowUiUpdates: false, options: { path: "/var/lib/grafana/dashboards" } });
  });

  it("rejects invalid input with every problem listed, each at the config key to change", () => {
    const bad = awsInput({ aws: undefined, services: [{ name: "Bad_Name", model: "" }], alerts: { kvUsageThreshold: 1.2, kvUsageFor: "ten minutes", ttftP95Seconds: 500 } });
    expect(monitoringInputProblems(bad).map((p) => [p.path, p.value])).toEqual([
      ["qwen-serving:services[0].name", "Bad_Name"],
      ["qwen-serving:services[0].model", ""],
      ["qwen-serving:services[0].port", undefined],
      ["qwen-serving:aws", undefined],
      ["qwen-serving:monitoring", "ten minutes"],
      ["qwen-serving:monitoring.kvUsageThreshold", 1.2],
      ["qwen-serving:monitoring.ttftP95Seconds", 500],
    ]);
    expect(() => renderMonitoring(bad)).toThrow(QwenServingError);
    expect(() => renderMonitoring(bad)).toThrow(/the platform cannot be built \(7 problems\)/);
    expect(() => renderMonitoring(bad)).toThrow(/qwen-serving:monitoring: got "ten minutes"; alerts.kvUsageFor is not a Prometheus duration \(e.g. 30s, 10m, 1h\)/);
    // Static discovery (docker) needs a target per service; a second service of one name is refused at its own index.
    expect(monitoringInputProblems(dockerInput({ services: [{ name: "a", model: "m" }] })).map((p) => p.path)).toEqual(["qwen-serving:services[0]"]);
    expect(
      monitoringInputProblems(
        dockerInput({
          services: [
            { name: "a", model: "m", targets: ["a:1"] },
            { name: "a", model: "m", targets: ["b:1"] },
          ],
        }),
      ),
    ).toEqual([{ path: "qwen-serving:services[1].name", value: "a", rule: "is the name of an earlier service too" }]);
    // Exporter targets come from the machines the platform lists (docker: hosts).
    expect(monitoringInputProblems(dockerInput({ nodeExporterTargets: ["no-port"] })).map((p) => [p.path, p.value])).toEqual([["qwen-serving:hosts", "no-port"]]);
  });

  it("asks the platform traits, not the platform's name: a trait changes what is rendered", () => {
    // kubernetes: discovery through the operator, so no prometheus.yml; the scrape helper refuses other platforms.
    expect(() => kubernetesScrapeTargets(dockerInput())).toThrow(/does not discover targets through the Prometheus Operator/);
    // routerScrapedBy: docker scrapes the router where it has targets, aws and kubernetes where it has a metrics port.
    const jobNames = (input: MonitoringInput) => scrapeJobs(input).map((j) => j.job);
    expect(jobNames(dockerInput())).toContain("sglang-router-qwen3-32b");
    expect(jobNames(dockerInput({ services: [{ name: "a", model: "m", routerMetricsPort: PORTS.routerMetricsBase, targets: ["a:1"] }] }))).not.toContain("sglang-router-a");
    expect(jobNames(awsInput({ services: [{ name: "a", model: "m", port: 1, routerMetricsPort: PORTS.routerMetricsBase }] }))).toContain("sglang-router-a");
    // The router's node is an EC2 discovery filter only: elsewhere it is ignored, not scraped.
    expect(jobNames(kubernetesInput({ services: [{ name: "a", model: "m", port: 1, routerEndpoint: { node: "n", port: PORTS.routerMetricsBase } }] }))).not.toContain("sglang-router-a");
    // Static discovery leaves out exporter jobs without targets; EC2 discovery always has them.
    expect(jobNames(dockerInput({ dcgmTargets: [] }))).not.toContain("dcgm-exporter");
    expect(jobNames(awsInput())).toEqual(expect.arrayContaining(["node-exporter", "dcgm-exporter"]));
  });
});
