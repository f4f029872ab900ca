/**
 * The alert path end to end on loopback, with Debian's real programs and the rendered files only:
 * Prometheus (rendered prometheus.yml with its `alerting:` block, rendered rules) evaluates a firing
 * rule, sends it to Alertmanager (rendered alertmanager.yml, started with alertmanagerArgs), which
 * delivers it to a webhook receiver: a small HTTP server here that records every POST. Targets,
 * receivers and timings are changed through the renderers' inputs, never by editing their output.
 * The webhook's bearer token reaches Alertmanager as a file, as on every platform.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { IncomingHttpHeaders, Server, createServer } from "http";
import { AddressInfo } from "net";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertingSchema } from "../../../components/config/alerting";
import { ALERTMANAGER_CONFIG_PATH, PROMETHEUS_CONFIG_PATH, alertingFromConfig, alertmanagerArgs, prometheusArgs, renderMonitoring } from "../../../components/render/monitoring";
import { ALERTMANAGER, AMTOOL, PROMETHEUS, requireTool, run, writeArtifactsToTemp } from "../../support/tools";
import { sglangExposition } from "./exposition";
import { dockerInput } from "./helpers";
import { Daemon, Fixture, HOST, daemon, freePort, serve, waitFor, waitReady } from "./live";

interface Delivery {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: { receiver: string; status: string; alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }> };
}

/** Records every webhook POST. */
async function webhookServer(): Promise<{ server: Server; port: number; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += String(c)));
    req.on("end", () => {
      if (req.method === "POST") deliveries.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(body) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return { server, port: (server.address() as AddressInfo).port, deliveries };
}

const TOKEN = "test-bearer-3f9c2a";

describe("a firing rule reaches a webhook receiver through the rendered Prometheus and Alertmanager configs", () => {
  let hook: Awaited<ReturnType<typeof webhookServer>>;
  const fixtures: Fixture[] = [];
  const daemons: Daemon[] = [];
  let dir = "";
  let setupError: unknown;
  let amConfig = "";
  let promBase = "";
  let amBase = "";

  beforeAll(async () => {
    try {
      requireTool(PROMETHEUS);
      requireTool(ALERTMANAGER);
      requireTool(AMTOOL);
      hook = await webhookServer();
      const sglang = await serve(() => sglangExposition({ modelName: "Qwen/Qwen3-32B", n: 1 }));
      fixtures.push(sglang);
      const [deadNode, promPort, amPort] = [await freePort(), await freePort(), await freePort()];
      dir = writeArtifactsToTemp([], "qs-alert-delivery-");
      const secrets = join(dir, "secrets");
      mkdirSync(secrets, { mode: 0o700 });
      // The secret as a platform delivers it: a file beside the config, never in it.
      writeFileSync(join(secrets, "oncall"), TOKEN, { mode: 0o600 });
      const alerting = AlertingSchema.parse({
        receivers: [
          { name: "oncall", type: "webhook", url: `http://${HOST}:${hook.port}/oncall` },
          { name: "deadman", type: "webhook", url: `http://${HOST}:${hook.port}/deadman` },
        ],
        watchdogReceiver: "deadman",
        groupWait: "1s",
        groupInterval: "1s",
        watchdogRepeatInterval: "1m",
      });
      const input = dockerInput({
        services: [{ name: "qwen3-32b", model: "Qwen/Qwen3-32B", targets: [`${HOST}:${sglang.port}`] }],
        // A node_exporter that never answers: ScrapeTargetDown fires after exporterDownFor.
        nodeExporterTargets: [`${HOST}:${deadNode}`],
        dcgmTargets: [],
        scrapeInterval: "1s",
        evaluationInterval: "1s",
        alerts: { exporterDownFor: "2s" },
        alertmanagers: [`${HOST}:${amPort}`],
        alerting: alertingFromConfig(alerting, { secretFile: (n) => join(secrets, n), secrets: ["oncall"] }),
      });
      const artifacts = renderMonitoring(input);
      for (const a of artifacts) {
        mkdirSync(join(dir, a.path, ".."), { recursive: true });
        writeFileSync(join(dir, a.path), a.content);
      }
      amConfig = join(dir, ALERTMANAGER_CONFIG_PATH);
      const am = daemon(ALERTMANAGER, alertmanagerArgs({ configFile: amConfig, storagePath: join(dir, "am-data"), listenAddress: `${HOST}:${amPort}` }));
      daemons.push(am);
      amBase = `http://${HOST}:${amPort}`;
      await waitReady(am, amBase, "/-/ready");
      // Alerts that fire before the notifier has its Alertmanager wait for the next resend (1 min by default): 2 s here.
      const promArgs = [
        ...prometheusArgs(input, { configFile: join(dir, PROMETHEUS_CONFIG_PATH), storagePath: join(dir, "prom-data") }),
        `--web.listen-address=${HOST}:${promPort}`,
        "--rules.alert.resend-delay=2s",
      ];
      const prom = daemon(PROMETHEUS, promArgs);
      daemons.push(prom);
      promBase = `http://${HOST}:${promPort}`;
      await waitReady(prom, promBase, "/-/ready");
    } catch (e) {
      setupError = e;
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await Promise.all([...fixtures.map((f) => f.server), ...(hook ? [hook.server] : [])].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the rendered alertmanager.yml passes amtool and holds no secret", async () => {
    if (setupError) throw setupError;
    const r = await run(AMTOOL, ["check-config", amConfig]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(amConfig, "utf8")).not.toContain(TOKEN);
  });

  it("ScrapeTargetDown reaches the default receiver with the bearer token from the file; the Watchdog only the dead man's switch", async () => {
    if (setupError) throw setupError;
    const got = await waitFor(
      async () => [...hook.deliveries],
      (ds) => ds.some((d) => d.path === "/oncall" && d.body.alerts.some((a) => a.labels.alertname === "ScrapeTargetDown")) && ds.some((d) => d.path === "/deadman"),
      60_000,
    );
    const state = await Promise.all(
      [`${promBase}/api/v1/alertmanagers`, `${promBase}/api/v1/alerts`, `${amBase}/api/v2/alerts`].map((u) =>
        fetch(u)
          .then((r) => r.text())
          .catch((e) => String(e)),
      ),
    );
    const logs = [...state, ...daemons.map((d) => d.log().slice(-3000))].join("\n----\n");
    const oncall = got.filter((d) => d.path === "/oncall");
    const deadman = got.filter((d) => d.path === "/deadman");
    const seen = `${got.map((d) => d.path).join(",")}\n${logs}`;
    expect(oncall.length, seen).toBeGreaterThan(0);
    expect(deadman.length, seen).toBeGreaterThan(0);
    const down = oncall.flatMap((d) => d.body.alerts).find((a) => a.labels.alertname === "ScrapeTargetDown");
    expect(down).toMatchObject({ status: "firing", labels: { severity: "warning", component: "node-exporter", stack: "dev" }, annotations: { runbook_url: "docs/runbooks/ScrapeTargetDown.md" } });
    for (const d of oncall) {
      expect(d.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(d.body.receiver).toBe("oncall");
      expect(d.body.alerts.map((a) => a.labels.alertname)).not.toContain("Watchdog");
    }
    for (const d of deadman) {
      expect(d.headers.authorization).toBeUndefined();
      expect(d.body.alerts.map((a) => a.labels.alertname)).toEqual(["Watchdog"]);
    }
    console.log(`deliveries: ${oncall.length} to oncall (${oncall.flatMap((d) => d.body.alerts.map((a) => a.labels.alertname)).join(", ")}), ${deadman.length} to deadman`);
  }, 90_000);
});
