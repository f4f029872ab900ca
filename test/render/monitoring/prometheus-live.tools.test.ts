/**
 * A real Prometheus scrapes fixture exporters (SGLang 0.4.9.post2 format, dcgm-exporter) on
 * loopback with the rendered prometheus.yml and rules; every dashboard query and alert expression
 * must parse and return finite data, every alert must become active, and every rule must evaluate
 * without error. Only 127.0.0.1 is contacted.
 */
import { ChildProcess, spawn } from "child_process";
import { rmSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MonitoringInput, alertExpressions, alertNames, dashboardQueries, prometheusArgs, renderMonitoring } from "../../../components/render/monitoring";
import { dcgmExposition, nodeExposition, sglangExposition } from "./exposition";
import { routerExposition } from "./router-metrics";
import { PROMETHEUS, requireTool, writeArtifactsToTemp as writeArtifacts } from "../../support/tools";
import { dockerInput } from "./helpers";
import { Fixture, HOST, freePort as closedPort, getJson, serve, waitFor } from "./live";

/**
 * Alerts whose faults these fixtures cannot show within seconds; their expressions must still
 * evaluate (promtool's rendered tests show them firing): a job with no target at all, a stall over
 * a 20-minute window, and the router alerts (the real smg capture has a routable worker and flat counters).
 */
const NOT_INJECTED = new Set(["ScrapeJobAbsent", "SGLangThroughputStall", "RouterNoHealthyWorker", "RouterErrorRatioHigh", "RouterLoadSkew"]);
/** Long enough to hold several 1 s scrapes; stands in for Grafana's $__rate_interval. */
const TEST_RATE_INTERVAL = "10s";

function sglangFixture(modelName: string): () => string {
  let n = 0;
  return () => sglangExposition({ modelName, n: ++n });
}

/** Grafana's variables as the "All" selection and a fixed rate window. */
function expandGrafanaVariables(expr: string): string {
  const expanded = expr
    .replace(/\$__rate_interval/g, TEST_RATE_INTERVAL)
    .replace(/\$service\b/g, ".*")
    .replace(/\$instance\b/g, ".*");
  if (expanded.includes("$")) throw new Error(`unexpanded Grafana variable in ${expr}`);
  return expanded;
}

interface QueryResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

const instantQuery = (base: string, expr: string) => getJson<QueryResponse>(base, `/api/v1/query?query=${encodeURIComponent(expr)}`);

const hasFiniteSample = (r: QueryResponse): boolean => r.status === "success" && (r.data?.result ?? []).some((s) => Number.isFinite(Number(s.value[1])));

describe("rendered monitoring against a real Prometheus", () => {
  const fixtures: Fixture[] = [];
  let prometheus: ChildProcess | undefined;
  let prometheusLog = "";
  let tempDir = "";
  let base = "";
  let input: MonitoringInput;
  // A failed setup (e.g. Prometheus not installed) is rethrown by every test so each one fails
  // instead of being reported as skipped.
  let setupError: unknown;
  const setupDone = () => {
    if (setupError) throw setupError;
  };

  beforeAll(async () => {
    try {
      await setup();
    } catch (e) {
      setupError = e;
    }
  });

  async function setup(): Promise<void> {
    requireTool(PROMETHEUS);
    const qwen3 = await serve(sglangFixture("Qwen/Qwen3-32B"));
    const vl = await serve(sglangFixture("Qwen/Qwen2.5-VL-32B-Instruct"));
    const router = await serve(routerExposition);
    const node = await serve(nodeExposition);
    let dcgmScrapes = 0;
    const dcgm = await serve(() => dcgmExposition(++dcgmScrapes));
    fixtures.push(qwen3, vl, router, node, dcgm);
    const [deadSglang, deadNode, promPort] = [await closedPort(), await closedPort(), await closedPort()];

    input = dockerInput({
      services: [
        { name: "qwen3-32b", model: "Qwen/Qwen3-32B", targets: [`${HOST}:${qwen3.port}`], routerTargets: [`${HOST}:${router.port}`] },
        // A replica that never answers: SGLangTargetDown's expression must return it.
        { name: "qwen2.5-vl-32b", model: "Qwen/Qwen2.5-VL-32B-Instruct", targets: [`${HOST}:${vl.port}`, `${HOST}:${deadSglang}`] },
      ],
      nodeExporterTargets: [`${HOST}:${node.port}`, `${HOST}:${deadNode}`],
      dcgmTargets: [`${HOST}:${dcgm.port}`],
      scrapeInterval: "1s",
      evaluationInterval: "1s",
    });
    tempDir = writeArtifacts(renderMonitoring(input), "qs-prom-live-");
    const args = [...prometheusArgs(input, { configFile: join(tempDir, "monitoring", "prometheus.yml"), storagePath: join(tempDir, "data") }), `--web.listen-address=${HOST}:${promPort}`];
    prometheus = spawn(PROMETHEUS, args, { stdio: ["ignore", "pipe", "pipe"] });
    prometheus.stdout?.on("data", (d) => (prometheusLog += String(d)));
    prometheus.stderr?.on("data", (d) => (prometheusLog += String(d)));
    base = `http://${HOST}:${promPort}`;
    const ready = await waitFor(
      () =>
        fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(1_000) })
          .then((r) => r.status)
          .catch(() => 0),
      (status) => status === 200,
      15_000,
    );
    if (ready !== 200) throw new Error(`Prometheus did not become ready:\n${prometheusLog}`);
  }

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise<void>((resolve) => prometheus?.once("exit", () => resolve()));
      prometheus.kill("SIGTERM");
      const timer = setTimeout(() => prometheus?.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await Promise.all(fixtures.map((f) => new Promise<void>((resolve) => f.server.close(() => resolve()))));
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  });

  it("scrapes the fixtures with the rendered config (targets up and down as arranged)", async () => {
    setupDone();
    type Targets = { data: { activeTargets: Array<{ labels: Record<string, string>; health: string; scrapeUrl: string }> } };
    const targets = await waitFor(
      () => getJson<Targets>(base, "/api/v1/targets"),
      (t) => t.data.activeTargets.length === 7 && t.data.activeTargets.every((x) => x.health !== "unknown"),
      15_000,
    );
    const byJob = (job: string) =>
      targets.data.activeTargets
        .filter((t) => t.labels.job === job)
        .map((t) => t.health)
        .sort();
    expect(byJob("sglang-qwen3-32b")).toEqual(["up"]);
    expect(byJob("sglang-router-qwen3-32b")).toEqual(["up"]);
    expect(byJob("sglang-qwen2.5-vl-32b")).toEqual(["down", "up"]);
    expect(byJob("node-exporter")).toEqual(["down", "up"]);
    expect(byJob("dcgm-exporter")).toEqual(["up"]);
    for (const t of targets.data.activeTargets) expect(new URL(t.scrapeUrl).hostname).toBe(HOST);
  });

  it("every dashboard query parses and returns finite data", async () => {
    setupDone();
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    const runAll = () => Promise.all(queries.map(async (q) => ({ q, r: await instantQuery(base, expandGrafanaVariables(q.expr)) })));
    const results = await waitFor(runAll, (rs) => rs.every(({ r }) => hasFiniteSample(r)), 15_000);
    const failing = results.filter(({ r }) => !hasFiniteSample(r)).map(({ q, r }) => `${q.dashboard} / ${q.panel} / ${q.refId}: ${q.expr} -> ${JSON.stringify(r).slice(0, 300)}`);
    expect(failing, failing.join("\n")).toEqual([]);
  });

  it("every alert expression parses; those whose faults the fixtures inject return data", async () => {
    setupDone();
    const exprs = alertExpressions(input);
    const runAll = () => Promise.all(exprs.map(async (a) => ({ a, r: await instantQuery(base, a.expr) })));
    type Result = Awaited<ReturnType<typeof runAll>>;
    // Every expression evaluates; an injected alert has data from at least one of its rules (per service, per job, per XID severity).
    const failing = (rs: Result) => [
      ...rs.filter(({ r }) => r.status !== "success").map(({ a, r }) => `${a.alert}: ${a.expr} -> ${JSON.stringify(r).slice(0, 300)}`),
      ...alertNames(input)
        .filter((n) => !NOT_INJECTED.has(n) && !rs.some(({ a, r }) => a.alert === n && hasFiniteSample(r)))
        .map(
          (n) =>
            `${n}: no data from ${rs
              .filter(({ a }) => a.alert === n)
              .map(({ a }) => a.expr)
              .join(" | ")}`,
        ),
    ];
    const results = await waitFor(runAll, (rs) => failing(rs).length === 0, 20_000);
    expect(failing(results), failing(results).join("\n")).toEqual([]);
  });

  it("loads the rendered rule file: every rule evaluates without error and every alert becomes active", async () => {
    setupDone();
    type Rules = { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string; state?: string; type: string }> }> } };
    const names = alertNames(input).filter((n) => !NOT_INJECTED.has(n));
    const active = (r: { state?: string }) => r.state === "pending" || r.state === "firing";
    const rules = await waitFor(
      () => getJson<Rules>(base, "/api/v1/rules"),
      (x) => {
        const all = x.data.groups.flatMap((g) => g.rules);
        return names.every((n) => all.some((r) => r.name === n && r.health === "ok" && active(r)));
      },
      20_000,
    );
    const all = rules.data.groups.flatMap((g) => g.rules);
    expect([...new Set(all.map((r) => r.name))].sort()).toEqual(alertNames(input).sort());
    for (const r of all) expect({ name: r.name, health: r.health, lastError: r.lastError ?? "" }).toEqual({ name: r.name, health: "ok", lastError: "" });
    for (const n of names)
      expect(
        all.some((r) => r.name === n && active(r)),
        `${n} is active`,
      ).toBe(true);
    // No `for`: fires on the first evaluation.
    expect(all.find((r) => r.name === "GPUXidError")?.state).toBe("firing");
  });
});
