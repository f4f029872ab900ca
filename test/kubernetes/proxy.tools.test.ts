// The pods' front proxy for real: Debian's nginx + njs runs the nginx.conf and auth.js of the
// ConfigMaps a routed, keyed stack renders, in a network namespace of its own (the pod's network:
// the proxy binds the planned port on every address, SGLang's stand-in sits at the loopback twin),
// with the key as the Secret volume gives it (one file per service). Only the container paths move
// into the sandbox. The namespace's extra addresses stand for the pods that call: a router, the
// Prometheus pod (in monitoring.prometheusCidrs), an operator's scraper (in proxy.metricsCidrs).
// What the objects hold is asserted in proxy.test.ts.
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PORTS } from "../../components/contract";
import { renderServingManifests } from "../../components/kubernetes/manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { planDeployment } from "../../components/sglang/planner";
import { NetNamespace, Sandbox, received, requireNginx } from "../render/proxy/harness";
import { routedConfig } from "./helpers";

const PROMETHEUS_CIDR = "10.244.7.0/24";
const PROMETHEUS_POD = "10.244.7.9";
const OPERATOR_CIDR = "192.168.50.0/24";
const OPERATOR = "192.168.50.4";
const routed = routedConfig({ monitoring: { prometheusCidrs: [PROMETHEUS_CIDR] } });
const config = { ...routed, proxy: { ...routed.proxy, metricsCidrs: [OPERATOR_CIDR] } };
const plan = planDeployment("k8s", config);
const serving = renderServingManifests({ plan, config, settings: resolveKubernetesSettings(config), apiKeys: plan.services.map((s) => s.name) });
const [qwen3] = plan.services;
const box = new Sandbox();
/** A router pod's address in the cluster: any source the NetworkPolicy lets in. */
const ROUTER_POD = "10.244.3.17";
const ns = new NetNamespace(box, [ROUTER_POD, PROMETHEUS_POD, OPERATOR]);
const NOBODY = 65534;
const confs = serving.services.flatMap((s) => [s.proxyConfig, s.router!.proxyConfig]);

/** The ConfigMap's nginx.conf with the container paths moved into the sandbox (`dir`). */
function sandboxed(conf: string, dir: string): string {
  return conf
    .replace("js_path /etc/qwen-serving/proxy/;", `js_path ${dir}/;`)
    .replace(/ \/tmp\//g, ` ${dir}/run/`)
    .replace(/\/run\/secrets\/api-keys\//g, `${box.path("keys")}/`);
}

function writeConf(name: string, data: Record<string, string>): string {
  const dir = box.path(name);
  mkdirSync(`${dir}/run`, { recursive: true });
  chownSync(`${dir}/run`, NOBODY, NOBODY);
  writeFileSync(`${dir}/auth.js`, data["auth.js"]);
  writeFileSync(`${dir}/nginx.conf`, sandboxed(data["nginx.conf"], dir));
  return `${dir}/nginx.conf`;
}

beforeAll(async () => {
  requireNginx();
  await ns.open();
  mkdirSync(box.path("keys"));
  // As the Secret volume holds them: one file per service, the value only.
  writeFileSync(box.path("keys/qwen3-32b"), box.key, { mode: 0o444 });
  chmodSync(box.path("keys"), 0o755);
  ns.nginx("server-proxy", writeConf("server", serving.services[0].proxyConfig.data!));
  // The router pod's sidecar has a network of its own in the cluster; here its ports differ from the SGLang pod's, so one namespace holds both.
  ns.nginx("router-proxy", writeConf("router", serving.services[0].router!.proxyConfig.data!));
  stub("sglang", qwen3.placement[0].port + PORTS.loopbackOffset);
  stub("router-metrics", qwen3.router!.metricsPort + PORTS.loopbackOffset);
  for (let i = 0; i < 100 && (await ns.curl(qwen3.placement[0].port, "/health")).status !== 200; i++) await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 100 && (await ns.curl(qwen3.router!.metricsPort, "/metrics", { from: PROMETHEUS_POD })).status !== 200; i++) await new Promise((r) => setTimeout(r, 200));
}, 60_000);

/** An echo worker in the namespace at a loopback port: SGLang's (or the router's metrics) stand-in. */
function stub(name: string, port: number): void {
  ns.start(name, "python3", box.workerArgs(name, port, qwen3.model.id));
}

afterAll(async () => {
  await box.stopAll();
});

describe("a routed service's router pod", () => {
  test("its metrics port answers the monitoring sources, and 403 to any other pod without reaching the router", async () => {
    const port = qwen3.router!.metricsPort;
    for (const from of [PROMETHEUS_POD, OPERATOR]) expect([from, (await ns.curl(port, "/metrics", { from })).status]).toEqual([from, 200]);
    const before = received(box, "router-metrics").length;
    for (const from of [ROUTER_POD, "127.0.0.1"]) expect([from, (await ns.curl(port, "/metrics", { from })).status]).toEqual([from, 403]);
    expect(received(box, "router-metrics").length).toBe(before);
  });
});

describe("every proxy ConfigMap of the stack", () => {
  test("passes nginx -t with the njs module", async () => {
    expect(confs).toHaveLength(4);
    for (const c of confs) {
      const file = writeConf(`t-${c.metadata!.name}`, c.data!);
      const r = await ns.run("bash", ["-o", "pipefail", "-c", '"$0" -t -e stderr -c "$1" 2>&1 | cat', requireNginx(), file]);
      expect([c.metadata!.name, r.code, r.stdout]).toEqual([c.metadata!.name, 0, expect.stringContaining("test is successful")]);
    }
  });
});

describe("a routed service's SGLang pod", () => {
  const port = qwen3.placement[0].port;
  const body = JSON.stringify({ model: qwen3.model.id, messages: [{ role: "user", content: "hi" }] });

  test("its router registers it without a key; the API needs the key the router forwards, which never reaches SGLang", async () => {
    for (const path of ["/get_server_info", "/get_model_info", "/v1/models"]) expect([path, (await ns.curl(port, path, { from: ROUTER_POD })).status]).toEqual([path, 200]);
    expect((await ns.curl(port, "/v1/chat/completions", { from: ROUTER_POD, body })).status).toBe(401);
    expect((await ns.curl(port, "/v1/chat/completions", { from: ROUTER_POD, body, key: `${box.key}x` })).status).toBe(401);
    expect((await ns.curl(port, "/v1/chat/completions", { from: ROUTER_POD, body, key: box.key })).status).toBe(200);
    expect(received(box, "sglang").filter((r) => "authorization" in r.headers)).toEqual([]);
  });

  test("SGLang's admin routes are 404 and never reach it; /health answers without a key (the probes)", async () => {
    for (const path of ["/flush_cache", "/update_weights_from_disk", "/start_profile", "/release_memory_occupation"])
      expect([path, (await ns.curl(port, path, { from: ROUTER_POD, key: box.key, body: "{}" })).status]).toEqual([path, 404]);
    expect(received(box, "sglang").filter((r) => !["/health", "/get_server_info", "/get_model_info", "/v1/models", "/v1/chat/completions"].includes(r.path))).toEqual([]);
    expect((await ns.curl(port, "/health_generate")).status).toBe(200);
  });

  test("/metrics answers the monitoring sources without a key, and 403 to any other pod without reaching SGLang", async () => {
    const before = received(box, "sglang").filter((r) => r.path === "/metrics").length;
    for (const from of [PROMETHEUS_POD, OPERATOR]) {
      const metrics = await ns.curl(port, "/metrics", { from });
      expect([from, metrics.status, metrics.body.toString()]).toEqual([from, 200, expect.stringContaining("sglang:num_running_reqs")]);
    }
    for (const from of [ROUTER_POD, "127.0.0.1"]) expect([from, (await ns.curl(port, "/metrics", { from })).status]).toEqual([from, 403]);
    expect(received(box, "sglang").filter((r) => r.path === "/metrics").length - before).toBe(2);
  });

  test("the key is in no file, argv, environment or log line of the run", () => {
    const places = [...confs.flatMap((c) => Object.values(c.data!)), JSON.stringify(serving.apiKeysSecret), ...box.exposure().map((p) => p.text)];
    expect(places.filter((t) => t.includes(box.key))).toEqual([]);
  });
});
