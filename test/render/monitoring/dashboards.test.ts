/** The Grafana dashboards: valid JSON, exactly the listed queries, the panels that matter, uids. */
import { describe, expect, it } from "vitest";
import { dashboardQueries, dashboardUid, renderDashboards } from "../../../components/render/monitoring";
import { dockerInput } from "./helpers";

type Doc = Record<string, any>;

describe("dashboards", () => {
  const dashboards = () => renderDashboards(dockerInput()).map((a) => ({ path: a.path, json: JSON.parse(a.content) as Doc }));
  const panels = (d: Doc) => (d.panels as Doc[]).filter((p) => p.type !== "row");

  it("are valid dashboard JSON with unique panel ids, a datasource and queries on every panel", () => {
    const ds = dashboards();
    expect(ds.map((d) => d.path)).toEqual(["monitoring/grafana/dashboards/qwen-serving-sglang.json", "monitoring/grafana/dashboards/qwen-serving-gpu.json"]);
    for (const { json } of ds) {
      expect(json.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
      expect(json.schemaVersion).toBeGreaterThan(30);
      const ids = (json.panels as Doc[]).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(json.templating.list.map((v: Doc) => v.name)).toContain("datasource");
      for (const p of panels(json)) {
        expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
        expect(p.targets.length, p.title).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.expr, p.title).toMatch(/\S/);
        expect(p.gridPos.w + p.gridPos.x, p.title).toBeLessThanOrEqual(24);
      }
    }
  });

  it("hold exactly the queries dashboardQueries() lists", () => {
    const fromJson = dashboards().flatMap(({ json }) => panels(json).flatMap((p) => p.targets.map((t: Doc) => ({ panel: p.title, refId: t.refId, expr: t.expr }))));
    expect(fromJson).toEqual(dashboardQueries().map(({ panel, refId, expr }) => ({ panel, refId, expr })));
  });

  it("contain the required panels", () => {
    const [sglang, gpu] = dashboards().map(({ json }) => panels(json));
    const find = (ps: Doc[], title: string) => {
      const p = ps.find((x) => x.title === title);
      expect(p, title).toBeDefined();
      return (p as Doc).targets.map((t: Doc) => t.expr as string).join("\n");
    };
    expect(find(sglang, "Running requests")).toContain("sglang:num_running_reqs");
    expect(find(sglang, "Queued requests")).toContain("sglang:num_queue_reqs");
    expect(find(sglang, "Generation throughput")).toContain("sglang:gen_throughput");
    expect(find(sglang, "KV-cache token usage")).toContain("sglang:token_usage");
    // From the counters: the last-batch gauge sglang:cache_hit_rate reads 0 most of the time.
    expect(find(sglang, "Prefix cache hit ratio")).toBe(
      'sum by (service) (rate(sglang:cached_tokens_total{service=~"$service"}[$__rate_interval])) / sum by (service) (rate(sglang:prompt_tokens_total{service=~"$service"}[$__rate_interval]))',
    );
    expect(find(sglang, "Running requests per replica")).toBe('sum by (service, instance) (sglang:num_running_reqs{service=~"$service"})');
    expect(find(sglang, "Queued requests per replica")).toBe('sum by (service, instance) (sglang:num_queue_reqs{service=~"$service"})');
    // The router row, on smg's own metrics.
    expect(find(sglang, "Router requests / s")).toContain("rate(smg_http_requests_total{");
    expect(find(sglang, "Router 5xx / s by error")).toMatch(/smg_http_responses_total\{[^}]*status_code=~"5\.\."/);
    expect(find(sglang, "Router retries / s")).toContain("smg_worker_retries_total");
    expect(find(sglang, "Workers: registered, healthy, breaker open")).toMatch(/smg_worker_pool_size[\s\S]*smg_worker_health[\s\S]*smg_worker_cb_state/);
    expect(find(sglang, "Running requests per worker (router)")).toBe('sum by (service, worker) (smg_worker_requests_active{component="router", service=~"$service"})');
    expect(find(sglang, "Prefix-cache hits and misses per worker")).toMatch(/sglang:cached_tokens_total[\s\S]*sglang:prompt_tokens_total/);
    const tokens = find(sglang, "Prompt and generation tokens / s");
    expect(tokens).toContain("rate(sglang:prompt_tokens_total");
    expect(tokens).toContain("rate(sglang:generation_tokens_total");
    // SGLang 0.4.9.post2 exports sglang:num_aborted_requests (a counter, exposed with _total).
    expect(find(sglang, "Aborted requests / s")).toContain("rate(sglang:num_aborted_requests_total");
    for (const [title, histogram] of [
      ["Time to first token", "sglang:time_to_first_token_seconds"],
      ["Inter-token latency", "sglang:inter_token_latency_seconds"],
      ["End-to-end request latency", "sglang:e2e_request_latency_seconds"],
    ]) {
      const exprs = find(sglang, title);
      for (const q of ["0.5", "0.95", "0.99"]) expect(exprs, `${title} p${q}`).toContain(`histogram_quantile(${q}, sum by (service, le) (rate(${histogram}_bucket{`);
    }
    expect(find(gpu, "GPU utilization")).toContain("DCGM_FI_DEV_GPU_UTIL");
    expect(find(gpu, "GPU memory used")).toContain("DCGM_FI_DEV_FB_USED");
    expect(find(gpu, "GPU memory used %")).toMatch(/DCGM_FI_DEV_FB_USED.*DCGM_FI_DEV_FB_FREE/);
    expect(find(gpu, "Power draw")).toContain("DCGM_FI_DEV_POWER_USAGE");
    expect(find(gpu, "Temperature")).toContain("DCGM_FI_DEV_GPU_TEMP");
    expect(find(gpu, "Last XID error")).toContain("DCGM_FI_DEV_XID_ERRORS");
  });

  it("uids fit Grafana's 40 characters for long stack names", () => {
    expect(dashboardUid("dev", "qwen-serving-sglang")).toBe("qwen-serving-sglang-dev");
    const long = dashboardUid("a-very-long-stack-name-for-testing-uids", "qwen-serving-sglang");
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).not.toBe(dashboardUid("a-very-long-stack-name-for-testing-uidz", "qwen-serving-sglang"));
  });
});
