// Prod's gpu-0 serving path exactly as the AWS node renders it: the front proxy's nginx.conf and
// auth.js from render/aws/proxy-units.ts on Debian's nginx + njs, the routers' argv from their
// rendered units on smg 1.13.0, and SGLang stand-ins (echo_worker.py) where the node publishes
// SGLang (127.0.0.1 at the planned port + PORTS.loopbackOffset). Everything runs in a network
// namespace of its own (unshare --net), so the proxy binds the planned ports on 0.0.0.0 as on the
// node, and the ALB (10.0.0.5, a public subnet) and Prometheus (10.0.16.5, the private subnet) are
// real source addresses there. Only the container paths move into the sandbox (the conf folder,
// the tmpfs, the key folder), and the test checks that nothing else of the file changed.
// Needs root (a network namespace), as scripts/install-test-tools.sh's tools do.
import { createHash, randomBytes } from "crypto";
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { albIdleTimeoutSeconds } from "../../../components/aws/front-door-timing";
import { subnetLayout, DEFAULT_VPC_CIDR } from "../../../components/aws/network-layout";
import { PORTS } from "../../../components/contract";
import { proxyNodeFiles, PROXY_DIR } from "../../../components/render/aws/proxy-units";
import { routerNodeFiles, routerUnitName } from "../../../components/render/aws/router-units";
import { maxGenerationSeconds } from "../../../components/config/proxy";
import { ServicePlan } from "../../../components/sglang/planner";
import { parse, plan, prodConfig } from "../../aws/front-door/fixtures";
import { proxySettings } from "../../aws/nodes/bootstraps";
import { execOf } from "../../aws/nodes/systemd-exec";
import { ECHO_WORKER, ENDPOINTS, NetNamespace, Proc, Sandbox, chatBodies, exampleScriptRunner, fiftyMiBImageChat, received, requireNginx, requireRouter, waitFor } from "./harness";

const config = parse(prodConfig());
const prod = plan(prodConfig());
const [qwen3, vl] = prod.services;
const NODE = "gpu-0";
const ALB = "10.0.0.5";
const PROMETHEUS = "10.0.16.5";
const NOBODY = 65534;
const ALB_IDLE = albIdleTimeoutSeconds(config);
const box = new Sandbox();
/** Each service's own key: qwen3's is the sandbox's, VL's another. */
const keys: Record<string, string> = { [qwen3.name]: box.key, [vl.name]: `qs-${randomBytes(24).toString("hex")}` };
const settings = { ...proxySettings(config, true), metricsSources: [subnetLayout(DEFAULT_VPC_CIDR).privateCidr], routerSource: subnetLayout(DEFAULT_VPC_CIDR).privateCidr };
const files = proxyNodeFiles({ node: NODE, services: prod.services, settings, region: "us-east-1", stack: "prod" });
const routerFiles = routerNodeFiles({ services: prod.services, sglangImage: config.image, addressOf: () => "unused", requestTimeoutSecs: maxGenerationSeconds(config) });
const rendered = (path: string) => files.files.find((f) => f.path === path)!.content;
const ns = new NetNamespace(box, [PROMETHEUS, ALB]);
let conf: string;

/** A planned replica's stand-in at its loopback twin, where the node publishes SGLang. */
const replicaName = (svc: ServicePlan, replica: number) => `${svc.name}-${replica}`;
function startReplica(svc: ServicePlan, replica: number): Proc {
  const port = svc.placement[replica].port + PORTS.loopbackOffset;
  return ns.start(replicaName(svc, replica), "python3", [
    ECHO_WORKER,
    "--port",
    String(port),
    "--name",
    replicaName(svc, replica),
    "--log",
    box.path(`${replicaName(svc, replica)}.jsonl`),
    "--bodies",
    box.path("bodies"),
    "--routes",
    ENDPOINTS,
    "--model",
    svc.model.id,
  ]);
}

const curl = (...a: Parameters<NetNamespace["curl"]>) => ns.curl(...a);

/** Which replica answered a chat completion through a router port ("" for an error). */
async function chatVia(port: number, svc: ServicePlan): Promise<string> {
  const r = await curl(port, "/v1/chat/completions", { from: ALB, key: keys[svc.name], body: JSON.stringify({ model: svc.model.id, messages: [{ role: "user", content: "hi" }] }) });
  return r.status === 200 ? (JSON.parse(r.body.toString()).worker as string) : "";
}

/** The container paths of the rendered conf, moved into the sandbox; every other line stays as rendered. */
function sandboxed(text: string): string {
  return text
    .split("\n")
    .map((l) =>
      l
        .replace(`js_path ${PROXY_DIR}/;`, `js_path ${box.path("proxy")}/;`)
        .replace(/ \/tmp\//, ` ${box.path("run")}/`)
        .replace("/run/secrets/api-keys/", `${box.path("keys")}/`),
    )
    .join("\n");
}

beforeAll(async () => {
  requireNginx();
  requireRouter();
  await ns.open();
  for (const d of ["proxy", "run", "keys", "bodies"]) mkdirSync(box.path(d), { recursive: true });
  // As on the node: raw key files, 0400, in a 0500 folder, owned by the proxy's user.
  for (const [svc, key] of Object.entries(keys)) {
    writeFileSync(box.path(`keys/${svc}`), key, { mode: 0o400 });
    chownSync(box.path(`keys/${svc}`), NOBODY, NOBODY);
  }
  chownSync(box.path("keys"), NOBODY, NOBODY);
  chmodSync(box.path("keys"), 0o500);
  chownSync(box.path("run"), NOBODY, NOBODY);
  conf = sandboxed(rendered(`${PROXY_DIR}/nginx.conf`));
  writeFileSync(box.path("proxy/nginx.conf"), conf);
  writeFileSync(box.path("proxy/auth.js"), rendered(`${PROXY_DIR}/auth.js`));
  ns.nginx("nginx", box.path("proxy/nginx.conf"));
  // Every replica but qwen3's second, which is down when its router starts.
  for (const svc of prod.services) for (let r = 0; r < svc.placement.length; r++) if (!(svc === qwen3 && r === 1)) startReplica(svc, r);
  ns.start("direct", "python3", [
    ECHO_WORKER,
    "--port",
    "45000",
    "--name",
    "direct",
    "--log",
    box.path("direct.jsonl"),
    "--bodies",
    box.path("bodies"),
    "--routes",
    ENDPOINTS,
    "--model",
    qwen3.model.id,
  ]);
  for (const svc of prod.services) {
    const argv = execOf(routerFiles.units.find((u) => u.name === routerUnitName(svc.name))!.content);
    ns.start(`router-${svc.name}`, requireRouter(), argv.slice(argv.indexOf("python3") + 1));
  }
  await waitFor("qwen3 served through the proxy, router and proxy", async () => (await chatVia(qwen3.port, qwen3)) === replicaName(qwen3, 0), 60_000);
  await waitFor("vl served", async () => (await chatVia(vl.port, vl)) !== "", 60_000);
}, 180_000);

afterAll(async () => {
  await box.stopAll();
});

describe("the AWS node's rendered proxy", () => {
  test("is the rendered file but for the container paths, and nginx -t accepts it", async () => {
    const original = rendered(`${PROXY_DIR}/nginx.conf`).split("\n");
    const changed = conf
      .split("\n")
      .map((l, i) => [original[i], l])
      .filter(([a, b]) => a !== b)
      .map(([a]) => a.trim().split(" ")[0]);
    expect(new Set(changed)).toEqual(new Set(["pid", "client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path", "js_path", "set"]));
    expect(conf.split("\n").length).toBe(original.length);
    const r = await ns.run("bash", ["-o", "pipefail", "-c", '"$0" -t -e stderr -c "$1" 2>&1 | cat', requireNginx(), box.path("proxy/nginx.conf")]);
    expect([r.code, r.stdout]).toEqual([0, expect.stringContaining("test is successful")]);
  });

  test(`keeps idle connections longer than the ALB's idle timeout (${ALB_IDLE} s)`, () => {
    expect(Number(/keepalive_timeout (\d+)s;/.exec(conf)![1])).toBeGreaterThan(ALB_IDLE);
  });
});

describe("from the load balancer", () => {
  const body = JSON.stringify({ model: qwen3.model.id, messages: [{ role: "user", content: "hi" }] });

  test("no key, a wrong key or another service's key is 401 and reaches no replica; the service's key is 200 through the router", async () => {
    // The router probes its replicas meanwhile: count chat completions only.
    const chats = () => received(box, replicaName(qwen3, 0)).filter((r) => r.path === "/v1/chat/completions").length;
    const before = chats();
    for (const key of [undefined, `${keys[qwen3.name]}x`, keys[vl.name]]) expect((await curl(qwen3.port, "/v1/chat/completions", { from: ALB, key, body })).status).toBe(401);
    expect(chats()).toBe(before);
    expect((await curl(qwen3.port, "/v1/chat/completions", { from: ALB, key: keys[qwen3.name], body })).status).toBe(200);
    expect((await curl(vl.port, "/generate", { from: ALB, key: keys[vl.name], body: '{"text":"x"}' })).status).toBe(200);
  });

  test("the router forwards the client's key to the replica's proxy, which checks it and strips it: SGLang never sees a key", async () => {
    const all = prod.services.flatMap((s) => s.placement.map((_, r) => received(box, replicaName(s, r)))).flat();
    expect(all.filter((r) => r.path.startsWith("/v1/") || r.path === "/generate").length).toBeGreaterThan(0);
    expect(all.filter((r) => "authorization" in r.headers)).toEqual([]);
  });

  test("admin and control-plane paths are 404 on every planned port and reach nothing; a worker port admits only its router", async () => {
    const ports = [...new Set(prod.services.flatMap((s) => [s.port, s.router!.metricsPort, ...s.placement.map((p) => p.port)]))];
    expect([...ports].sort((a, b) => a - b)).toEqual([9001, 9002, 29000, 29001, 30000, 30001, 30002, 30003]);
    const tried = [
      ["POST", "/flush_cache"],
      ["POST", "/update_weights_from_disk"],
      ["POST", "/release_memory_occupation"],
      ["POST", "/workers"],
      ["GET", "/workers"],
      ["POST", "/add_worker?url=http://10.0.0.9:1"],
      ["GET", "/v1/../flush_cache"],
    ];
    for (const port of ports) {
      for (const [method, path] of tried) {
        expect([port, path, (await curl(port, path, { from: ALB, method, key: keys[qwen3.name], body: method === "POST" ? "{}" : undefined })).status]).toEqual([port, path, 404]);
      }
    }
    // A worker port: the public API only from its router (loopback on this node); 403 is nginx's own answer.
    expect((await curl(30000, "/v1/models", { from: ALB, key: keys[qwen3.name] })).status).toBe(403);
    expect((await curl(30000, "/get_server_info", { from: ALB })).status).toBe(403);
    const all = prod.services.flatMap((s) => s.placement.map((_, r) => received(box, replicaName(s, r)))).flat();
    expect(all.filter((r) => tried.some(([, path]) => r.path.startsWith(path.split("?")[0])) || r.path.includes(".."))).toEqual([]);
  });

  test("/health answers without a key (the target group's check), /metrics does not answer the load balancer", async () => {
    expect((await curl(qwen3.port, "/health", { from: ALB })).status).toBe(200);
    for (const port of [qwen3.port, qwen3.router!.metricsPort, 30000]) expect([port, (await curl(port, "/metrics", { from: ALB })).status]).toEqual([port, 403]);
  });
});

describe("from Prometheus in the private subnet", () => {
  test("/metrics of every replica, router and router metrics port answers without a key", async () => {
    const sglang = await curl(30000, "/metrics", { from: PROMETHEUS });
    expect([sglang.status, sglang.body.toString()]).toEqual([200, expect.stringContaining("sglang:num_running_reqs")]);
    for (const port of [qwen3.port, qwen3.router!.metricsPort, vl.router!.metricsPort]) {
      const r = await curl(port, "/metrics", { from: PROMETHEUS });
      expect([port, r.status, r.body.length > 0]).toEqual([port, 200, true]);
    }
  });
});

describe("bodies arrive byte for byte through the node's proxy, router and proxy", () => {
  test.each([
    ["Qwen3 (top_k, chat_template_kwargs)", qwen3, false],
    ["Qwen2.5-VL with an inline PNG", vl, true],
  ])("the %s example script's requests", async (_what, svc, withImage) => {
    const runTo = exampleScriptRunner(box, svc, withImage, (cmd, args, opts) => ns.run(cmd, args, opts));
    const replicas = svc.placement.map((_, r) => replicaName(svc, r));
    const d0 = received(box, "direct").length;
    const r0 = replicas.map((w) => received(box, w).length);
    await runTo(45000);
    await runTo(svc.port, keys[svc.name]);
    const sent = chatBodies(box, "direct", d0);
    expect(sent.length).toBe(withImage ? 2 : 1);
    expect(replicas.flatMap((w, i) => chatBodies(box, w, r0[i])).sort()).toEqual([...sent].sort());
  });

  test("a 50 MiB body passes", async () => {
    const big = fiftyMiBImageChat(vl.model.id);
    const replicas = vl.placement.map((_, r) => replicaName(vl, r));
    const r0 = replicas.map((w) => received(box, w).length);
    expect((await curl(vl.port, "/v1/chat/completions", { from: ALB, key: keys[vl.name], body: big, timeoutMs: 90_000 })).status).toBe(200);
    const got = replicas.flatMap((w, i) =>
      received(box, w)
        .slice(r0[i])
        .filter((r) => r.path === "/v1/chat/completions"),
    );
    expect(got.map((g) => [g.length, g.sha256])).toEqual([[big.length, createHash("sha256").update(big).digest("hex")]]);
  }, 120_000);
});

describe("a replica down when its router started", () => {
  test("is taken in once it answers, and both then serve", async () => {
    startReplica(qwen3, 1);
    const seen = new Set<string>();
    await waitFor(
      "both qwen3 replicas serving",
      async () => {
        seen.add(await chatVia(qwen3.port, qwen3));
        return seen.has(replicaName(qwen3, 0)) && seen.has(replicaName(qwen3, 1));
      },
      60_000,
    );
  }, 90_000);
});

describe("secrets audit", () => {
  test("neither key is in a rendered file, an argv, an environment or a log line of these runs, nor in what a replica received", () => {
    const places = [
      ...files.files.map((f) => ({ where: f.path, text: f.content })),
      ...files.units.map((u) => ({ where: u.name, text: u.content })),
      ...routerFiles.units.map((u) => ({ where: u.name, text: u.content })),
      ...box.exposure(),
    ];
    expect(places.length).toBeGreaterThan(20);
    for (const key of Object.values(keys)) {
      expect(places.filter((p) => p.text.includes(key)).map((p) => p.where)).toEqual([]);
      expect(
        prod.services
          .flatMap((s) => s.placement.map((_, r) => received(box, replicaName(s, r))))
          .flat()
          .filter((r) => JSON.stringify(r).includes(key)),
      ).toEqual([]);
    }
  });
});
