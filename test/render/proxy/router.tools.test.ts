// The routed serving path for real, as on a node: the front proxy (Debian's nginx + njs, the
// rendered config) before the router (smg 1.13.0 from PyPI, pinned with hashes, the rendered argv)
// and before each of two SGLang stand-ins (echo_worker.py); the router reaches its workers through
// their proxies. The second worker is down when the router starts.
import { createHash } from "crypto";
import { readFileSync } from "fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ProxyConfigInput, ProxySite } from "../../../components/render/proxy/nginx";
import { ROUTER_MODULE, parseRouterArgs, routerArgsFor } from "../../../components/sglang/router-args";
import { ServicePlan } from "../../../components/sglang/planner";
import { plan, prodConfig } from "../../aws/front-door/fixtures";
import { Proc, Sandbox, chatBodies, exampleScriptRunner, fiftyMiBImageChat, freePort, received, receivedBody, request, requireNginx, requireRouter, waitFor } from "./harness";

const [qwen3, vl] = plan(prodConfig()).services;
const box = new Sandbox();
const auth = () => ({ Authorization: `Bearer ${box.key}` });
let p: Record<"proxy0" | "proxy1" | "backend0" | "backend1" | "router" | "routerBackend" | "metrics" | "metricsBackend" | "direct", number>;
let argv: string[];
let router: Proc;
let nginxConf: string;

/** The planned qwen3 router with its two workers at this run's proxy ports (the only inputs changed). */
function routedService(): ServicePlan {
  return {
    ...qwen3,
    router: {
      ...qwen3.router!,
      workers: [
        { node: qwen3.router!.node, port: p.proxy0 },
        { node: qwen3.router!.node, port: p.proxy1 },
      ],
    },
  };
}

function startRouter(): Proc {
  return box.start("router", requireRouter(), ["-m", ROUTER_MODULE, ...argv]);
}

/** Which worker answered a chat completion (echo workers say so in the body); "" for an error. */
async function chatOnce(): Promise<string> {
  const r = await request(p.router, "/v1/chat/completions", { body: JSON.stringify({ model: qwen3.model.id, messages: [{ role: "user", content: "hi" }] }), headers: auth() });
  return r.status === 200 ? (JSON.parse(r.body.toString()).worker as string) : "";
}

beforeAll(async () => {
  requireNginx();
  requireRouter();
  const names = ["proxy0", "proxy1", "backend0", "backend1", "router", "routerBackend", "metrics", "metricsBackend", "direct"] as const;
  p = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()]))) as typeof p;
  const sites: ProxySite[] = [
    { name: "worker0", listen: `127.0.0.1:${p.proxy0}`, kind: "api", fronts: "sglang", backend: `127.0.0.1:${p.backend0}`, apiKeyFile: box.keyFile, routerSources: ["127.0.0.1/32"] },
    { name: "worker1", listen: `127.0.0.1:${p.proxy1}`, kind: "api", fronts: "sglang", backend: `127.0.0.1:${p.backend1}`, apiKeyFile: box.keyFile, routerSources: ["127.0.0.1/32"] },
    {
      name: "router",
      listen: `127.0.0.1:${p.router}`,
      kind: "api",
      fronts: "router",
      backend: `127.0.0.1:${p.routerBackend}`,
      metricsBackend: `127.0.0.1:${p.metricsBackend}`,
      apiKeyFile: box.keyFile,
    },
    { name: "router-metrics", listen: `127.0.0.1:${p.metrics}`, kind: "metrics", fronts: "router", backend: `127.0.0.1:${p.routerBackend}`, metricsBackend: `127.0.0.1:${p.metricsBackend}` },
  ];
  const input: Omit<ProxyConfigInput, "jsDir" | "runDir"> = { sites, metricsSources: ["127.0.0.1/32"], clientIdleSeconds: 900, maxBodyBytes: 64 << 20, maxGenerationSeconds: 900 };
  nginxConf = box.nginx("nginx", input).files.nginxConf;
  box.worker("w0", p.backend0, qwen3.model.id);
  box.worker("direct", p.direct, qwen3.model.id);
  argv = routerArgsFor(routedService(), () => "unused", { host: "127.0.0.1", port: p.routerBackend, metricsPort: p.metricsBackend, requestTimeoutSecs: 900 });
  expect(parseRouterArgs(argv).errors).toEqual([]);
  // Worker 1 is down: its proxy answers 502 to the router's probes.
  router = startRouter();
  await waitFor("router serving through w0", async () => (await chatOnce()) === "w0", 60_000);
  await waitFor("direct worker", async () => (await request(p.direct, "/health")).status === 200);
}, 120_000);

afterAll(async () => {
  await box.stopAll();
});

describe("with one of two workers down at start", () => {
  test("the router serves with the healthy one", async () => {
    const got = [];
    for (let i = 0; i < 6; i++) got.push(await chatOnce());
    expect(got).toEqual(Array(6).fill("w0"));
  });
});

describe("bodies arrive byte for byte through proxy, router and proxy", () => {
  test.each([
    ["Qwen3", qwen3, false],
    ["Qwen2.5-VL with an inline PNG", vl, true],
  ])("the %s example script's requests", async (_what, svc, withImage) => {
    const runTo = exampleScriptRunner(box, svc, withImage);
    const [d0, w0] = [received(box, "direct").length, received(box, "w0").length];
    await runTo(p.direct);
    await runTo(p.router, box.key);
    const sent = chatBodies(box, "direct", d0);
    expect(sent.length).toBe(withImage ? 2 : 1);
    expect(chatBodies(box, "w0", w0)).toEqual(sent);
  });

  test.each([
    [
      "/generate with image_data, an unknown sampling param and unknown fields",
      "/generate",
      {
        text: "The capital of France is",
        image_data: "data:image/png;base64,iVBORw0KGgo=",
        sampling_params: { max_new_tokens: 8, top_k: 20, min_p: 0.1, custom: "x" },
        return_logprob: false,
        lora_path: null,
        unknown_field: { z: 1 },
      },
    ],
    [
      "a chat with an array system message, video_url and an extension field",
      "/v1/chat/completions",
      {
        model: vl.model.id,
        messages: [
          { role: "system", content: [{ type: "text", text: "You are terse." }] },
          {
            role: "user",
            content: [
              { type: "video_url", video_url: { url: "https://example.com/v.mp4" } },
              { type: "text", text: "What happens?" },
            ],
          },
        ],
        max_tokens: 1024,
        my_extension: { a: [1, 2.5, "x"] },
      },
    ],
    [
      "/v1/completions with top_k, min_p, ebnf and unknown fields",
      "/v1/completions",
      { model: qwen3.model.id, prompt: "Hi", top_k: 20, min_p: 0.05, ebnf: 'root ::= "a"', extra_field: [1, { b: null }] },
    ],
  ])("%s", async (_what, path, body) => {
    const bytes = Buffer.from(JSON.stringify(body, null, 1));
    const w0 = received(box, "w0").length;
    expect((await request(p.router, path, { body: bytes, headers: auth() })).status).toBe(200);
    const got = received(box, "w0")
      .slice(w0)
      .filter((r) => r.path === path);
    expect(got.map((r) => receivedBody(box, r).toString())).toEqual([bytes.toString()]);
  });

  test("a 50 MiB body passes", async () => {
    const big = fiftyMiBImageChat(vl.model.id);
    const w0 = received(box, "w0").length;
    expect((await request(p.router, "/v1/chat/completions", { body: big, headers: auth(), timeoutMs: 90_000 })).status).toBe(200);
    const [got] = received(box, "w0").slice(w0);
    expect([got.length, got.sha256]).toEqual([big.length, createHash("sha256").update(big).digest("hex")]);
  }, 120_000);

  test("a stream arrives chunk by chunk", async () => {
    const r = await request(p.router, "/v1/chat/completions", { body: JSON.stringify({ model: qwen3.model.id, messages: [], stream: true }), headers: auth() });
    expect(r.status).toBe(200);
    expect(r.body.toString().split("\n\n").filter(Boolean).length).toBe(6);
    expect(r.chunks.length).toBeGreaterThanOrEqual(5);
    expect(r.chunkTimes[r.chunkTimes.length - 1] - r.chunkTimes[0]).toBeGreaterThan(1000);
  });
});

describe("the proxy in front of the router", () => {
  test("no key or a wrong key is 401; the router's and SGLang's admin routes are 404 and reach neither", async () => {
    const body = JSON.stringify({ model: qwen3.model.id, messages: [] });
    expect((await request(p.router, "/v1/chat/completions", { body })).status).toBe(401);
    expect((await request(p.router, "/v1/chat/completions", { body, headers: { Authorization: "Bearer nope" } })).status).toBe(401);
    const routerLog = () => readFileSync(router.log, "utf8");
    for (const path of ["/workers", "/flush_cache", "/start_profile", "/get_loads", "/wasm", "/parse/reasoning", "/engine_metrics", "/update_weights_from_disk", "/readiness"]) {
      for (const method of ["GET", "POST"])
        expect([path, method, (await request(p.router, path, { method, headers: auth(), body: method === "POST" ? "{}" : undefined })).status]).toEqual([path, method, 404]);
      expect(routerLog()).not.toContain(`uri=${path}`);
    }
    expect(received(box, "w0").filter((r) => r.path.startsWith("/flush") || r.path.startsWith("/update_weights"))).toEqual([]);
  });

  test("the router's metrics answer the monitoring source only, without the key", async () => {
    const ok = await request(p.metrics, "/metrics", { localAddress: "127.0.0.1" });
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toMatch(/^smg_/m);
    expect((await request(p.metrics, "/metrics", { localAddress: "127.0.0.2" })).status).toBe(403);
    expect((await request(p.metrics, "/v1/models", { headers: auth() })).status).toBe(404);
    expect((await request(p.router, "/metrics")).status).toBe(200);
  });
});

describe("workers and router come and go", () => {
  test("the worker that was down joins once it answers, and takes requests", async () => {
    box.worker("w1", p.backend1, qwen3.model.id);
    await waitFor("w1 taking requests", async () => (await chatOnce()) === "w1", 60_000);
    const got = new Set<string>();
    for (let i = 0; i < 20; i++) got.add(await chatOnce());
    expect([...got].sort()).toEqual(["w0", "w1"]);
  }, 90_000);

  test("a worker that dies costs at most a few requests, and is taken back after its restart", async () => {
    const w0 = box.procs.find((x) => x.name === "w0")!;
    await box.stop(w0);
    const results: string[] = [];
    for (let i = 0; i < 40 && !(results.length >= 5 && results.slice(-5).every((r) => r === "w1")); i++) {
      results.push(await chatOnce());
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(results.slice(-5)).toEqual(Array(5).fill("w1"));
    expect(results.filter((r) => r === "").length).toBeLessThanOrEqual(3);
    box.worker("w0", p.backend0, qwen3.model.id);
    await waitFor("w0 back", async () => (await chatOnce()) === "w0", 60_000);
  }, 120_000);

  test("a restarted router serves again with the workers that are up", async () => {
    await box.stop(router);
    expect((await request(p.router, "/v1/chat/completions", { body: "{}", headers: auth() })).status).toBe(502);
    router = startRouter();
    await waitFor("router back", async () => (await chatOnce()) !== "", 60_000);
  }, 90_000);
});

describe("secrets audit", () => {
  test("the key is in no rendered file, argv, environment or log line, and no worker ever received it", () => {
    const places = [{ where: "nginx.conf", text: nginxConf }, { where: "router argv", text: argv.join(" ") }, ...box.exposure()];
    expect(places.filter((x) => x.text.includes(box.key)).map((x) => x.where)).toEqual([]);
    const records = ["w0", "w1", "direct"].flatMap((w) => received(box, w));
    expect(records.length).toBeGreaterThan(20);
    expect(records.filter((r) => JSON.stringify(r).includes(box.key) || "authorization" in r.headers)).toEqual([]);
  });
});
