/** The alerting rules: what each alert means in PromQL, its labels, runbooks and rendered promtool tests. */
import { existsSync, readdirSync, readFileSync } from "fs";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CRITICAL_XIDS, DEFAULT_ALERTS, MonitoringInput, TESTED_ALERTS, alertNames, alertRules, renderAlertRuleTests, renderAlertRules } from "../../../components/render/monitoring";
import { awsInput, dockerInput, kubernetesInput } from "./helpers";
import { ROUTER_SAMPLES } from "./router-metrics";

type Doc = Record<string, any>;
const RUNBOOKS = join(__dirname, "..", "..", "..", "docs", "runbooks");

const rules = (input: MonitoringInput = dockerInput()) => (parse(renderAlertRules(input)) as Doc).groups.flatMap((g: Doc) => g.rules) as Doc[];
const rulesOf = (name: string, input?: MonitoringInput) => rules(input).filter((r) => r.alert === name);
const rule = (name: string, input?: MonitoringInput) => {
  const found = rulesOf(name, input);
  expect(found, name).toHaveLength(1);
  return found[0];
};

describe("alert semantics", () => {
  it("KV-cache usage alerts only while requests queue", () => {
    expect(DEFAULT_ALERTS.kvUsageThreshold).toBe(0.85);
    expect(rule("SGLangKVCacheHigh")).toMatchObject({
      expr: "max by (service, instance, model_name) (sglang:token_usage) > 0.85 and on (service, instance, model_name) max by (service, instance, model_name) (sglang:num_queue_reqs) >= 1",
      for: "10m",
    });
  });

  it("a large flat queue alerts, not only a growing one", () => {
    expect(rule("SGLangQueueGrowing").expr).toBe("sglang:num_queue_reqs >= 1 and deriv(sglang:num_queue_reqs[10m]) > 0");
    expect(rule("SGLangQueueDeep")).toMatchObject({ expr: "sglang:num_queue_reqs >= 20", for: "10m" });
  });

  it("TTFT p95: one rule per service with its own threshold and a minimum-traffic guard", () => {
    const input = dockerInput({ services: dockerInput().services.map((s, i) => (i === 0 ? { ...s, ttftP95Seconds: 8 } : s)) });
    const ttft = rulesOf("SGLangTTFTP95High", input);
    expect(ttft.map((r) => r.labels.service)).toEqual(["qwen3-32b", "qwen2.5-vl-32b"]);
    expect(ttft[0].expr).toBe(
      'histogram_quantile(0.95, sum by (service, model_name, le) (rate(sglang:time_to_first_token_seconds_bucket{service="qwen3-32b"}[5m]))) > 8' +
        ' and on (service, model_name) sum by (service, model_name) (rate(sglang:time_to_first_token_seconds_count{service="qwen3-32b"}[5m])) >= 0.1',
    );
    expect(ttft[1].expr).toMatch(/\{service="qwen2\.5-vl-32b"\}\[5m\]\)\)\) > 5 and /);
  });

  it("a throughput stall: requests running for a window longer than any generation and no tokens", () => {
    expect(rule("SGLangThroughputStall").expr).toBe(
      "min by (service, instance, model_name) (min_over_time(sglang:num_running_reqs[20m])) > 0 and on (service, instance) max by (service, instance) (sglang:num_running_reqs offset 20m) unless on (service, instance) sum by (service, instance) (increase(sglang:generation_tokens_total[20m])) > 0",
    );
  });

  it("XID alerts fire on change, critical for the hardware codes and warning for the rest", () => {
    const [critical, warning] = rulesOf("GPUXidError");
    const codes = CRITICAL_XIDS.map((c) => `DCGM_FI_DEV_XID_ERRORS == ${c}`).join(" or ");
    expect(CRITICAL_XIDS).toEqual([48, 63, 64, 74, 79, 94, 95]);
    expect(critical).toMatchObject({ expr: `(${codes}) and changes(DCGM_FI_DEV_XID_ERRORS[15m]) > 0`, labels: { severity: "critical" } });
    expect(warning).toMatchObject({ expr: `(DCGM_FI_DEV_XID_ERRORS > 0 unless (${codes})) and changes(DCGM_FI_DEV_XID_ERRORS[15m]) > 0`, labels: { severity: "warning" } });
    expect(rule("GPURowRemapFailure")).toMatchObject({ expr: "DCGM_FI_DEV_ROW_REMAP_FAILURE > 0", labels: { severity: "critical" } });
  });

  it("node disk and memory from node_exporter", () => {
    expect(rule("NodeDiskSpaceLow").expr).toMatch(
      /^node_filesystem_avail_bytes\{fstype!~"[^"]*tmpfs[^"]*"\} \/ node_filesystem_size_bytes\{[^}]*\} < 0\.1 and node_filesystem_readonly\{[^}]*\} == 0$/,
    );
    expect(rule("NodeMemoryLow").expr).toBe("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1");
  });

  it("the router's alerts use smg 1.13.0's real metric and label names", () => {
    const exprs = ["RouterNoHealthyWorker", "RouterErrorRatioHigh", "RouterLoadSkew"].map((n) => rule(n).expr as string);
    expect(exprs[0]).toContain("smg_worker_health");
    expect(exprs[0]).toContain("unless on (service, instance, worker) smg_worker_cb_state");
    expect(exprs[1]).toMatch(/smg_http_responses_total\{[^}]*status_code=~"5\.\."/);
    expect(exprs[2]).toContain("avg_over_time(smg_worker_requests_active");
    const labels = ROUTER_SAMPLES;
    expect([...(labels.get("smg_worker_health") ?? [])]).toContain("worker");
    expect([...(labels.get("smg_worker_cb_state") ?? [])]).toContain("worker");
    expect([...(labels.get("smg_http_responses_total") ?? [])].sort()).toEqual(["error_code", "path", "status_code"]);
    expect([...(labels.get("smg_worker_requests_active") ?? [])]).toEqual(["worker"]);
  });
});

describe("silence is an alert", () => {
  it("a Watchdog that always fires, with severity none", () => {
    expect(rule("Watchdog")).toMatchObject({ expr: "vector(1)", labels: { severity: "none" } });
  });

  it("every planned job: fewer healthy targets than planned, counting vanished ones, and an absent job", () => {
    const below = rulesOf("TargetsBelowPlan");
    // docker: 2 + 1 replicas, 1 router, the exporters' static targets.
    expect(below.map((r) => [r.labels.job, r.expr])).toEqual([
      ["sglang-qwen3-32b", '(count(up{job="sglang-qwen3-32b"} == 1) or vector(0)) < 2'],
      ["sglang-router-qwen3-32b", '(count(up{job="sglang-router-qwen3-32b"} == 1) or vector(0)) < 1'],
      ["sglang-qwen2.5-vl-32b", '(count(up{job="sglang-qwen2.5-vl-32b"} == 1) or vector(0)) < 1'],
      ["node-exporter", '(count(up{job="node-exporter"} == 1) or vector(0)) < 1'],
      ["dcgm-exporter", '(count(up{job="dcgm-exporter"} == 1) or vector(0)) < 1'],
    ]);
    expect(below.map((r) => [r.labels.severity, r.for])).toEqual([
      ["critical", "15m"],
      ["critical", "5m"],
      ["critical", "15m"],
      ["warning", "5m"],
      ["warning", "5m"],
    ]);
    expect(rulesOf("ScrapeJobAbsent").map((r) => r.expr)).toEqual(below.map((r) => `absent(up{job="${r.labels.job}"})`));
  });

  it("aws: replicas and exporters from the plan; kubernetes: the chart's exporters are not counted", () => {
    const aws = awsInput({
      services: [{ name: "a", model: "m", port: 1, replicas: 3, routerMetricsPort: 2 }],
      plannedNodes: 4,
      plannedGpuNodes: 3,
    });
    expect(rulesOf("TargetsBelowPlan", aws).map((r) => r.expr.replace(/.*< /, `${r.labels.job} < `))).toEqual(["sglang-a < 3", "sglang-router-a < 1", "node-exporter < 4", "dcgm-exporter < 3"]);
    expect(rulesOf("TargetsBelowPlan", kubernetesInput()).map((r) => r.labels.job)).toEqual(["sglang-qwen3-32b", "sglang-router-qwen3-32b", "sglang-qwen2.5-vl-32b"]);
  });
});

describe("every alert", () => {
  const names = alertNames(dockerInput());

  it("has severity, summary, description, a runbook line and a runbook_url to its runbook in the repo", () => {
    for (const r of rules()) {
      expect(["warning", "critical", "none"], r.alert).toContain(r.labels.severity);
      for (const key of ["summary", "description", "runbook"]) expect(r.annotations[key].length, `${r.alert}.${key}`).toBeGreaterThan(10);
      expect(r.annotations.runbook, r.alert).not.toContain("\n");
      expect(r.annotations.runbook_url).toBe(`docs/runbooks/${r.alert}.md`);
    }
    for (const name of names) {
      const file = join(RUNBOOKS, `${name}.md`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, "utf8").split("\n")[0]).toBe(`# ${name}`);
    }
    // No runbook without its alert, and the index lists each.
    const pages = readdirSync(RUNBOOKS)
      .filter((f) => f !== "README.md")
      .map((f) => f.replace(/\.md$/, ""));
    expect(pages.sort()).toEqual([...names].sort());
    const index = readFileSync(join(RUNBOOKS, "README.md"), "utf8");
    for (const name of names) expect(index, name).toContain(`[${name}](${name}.md)`);
    const custom = rules(dockerInput({ alerts: { runbookBaseUrl: "https://example.com/qwen/docs/runbooks/" } }))[0];
    expect(custom.annotations.runbook_url).toBe("https://example.com/qwen/docs/runbooks/Watchdog.md");
  });

  it("has rendered promtool tests: firing (and quiet before its for), healthy and without traffic", () => {
    expect([...TESTED_ALERTS].sort()).toEqual([...names].sort());
    for (const input of [dockerInput(), awsInput(), kubernetesInput()]) {
      const doc = parse(renderAlertRuleTests(input)) as Doc;
      expect(doc.rule_files).toEqual(["sglang.rules.yml"]);
      for (const name of alertNames(input)) {
        const tests = (doc.tests as Doc[]).filter((t) => t.name.startsWith(`${name}: `));
        expect(
          tests.map((t) => (t.name as string).slice(name.length + 2).split(" ")[0]),
          name,
        ).toEqual(["fires", name === "Watchdog" ? "fires" : "quiet", name === "Watchdog" ? "fires" : "quiet"]);
        const [fires, healthy, idle] = tests.map((t) => t.alert_rule_test as Doc[]);
        expect(
          fires.some((c) => c.exp_alerts.length > 0),
          `${name} fires`,
        ).toBe(true);
        if (name !== "Watchdog") {
          expect(
            fires.some((c) => c.exp_alerts.length === 0),
            `${name} quiet before`,
          ).toBe(true);
          expect(
            [...healthy, ...idle].every((c) => c.exp_alerts.length === 0),
            `${name} quiet when healthy and idle`,
          ).toBe(true);
        }
      }
    }
    expect(alertRules(dockerInput()).length).toBe(rules().length);
  });
});
