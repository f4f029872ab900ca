// The front proxy for real: Debian's nginx 1.22.1 with its njs module runs exactly the rendered
// nginx.conf and auth.js on 127.0.0.1 in front of an SGLang stand-in (echo_worker.py) that records
// every request it receives.
import { createHash, randomBytes } from "crypto";
import { writeFileSync } from "fs";
import http from "http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { exampleScript } from "../../../components/render/examples";
import { KEEPALIVE_MARGIN_SECONDS, ProxyConfigInput, renderNginxConf } from "../../../components/render/proxy/nginx";
import { nodeProxySites } from "../../../components/render/proxy/sites";
import { albIdleTimeoutSeconds } from "../../../components/aws/front-door-timing";
import { DEFAULT_PROXY_SETTINGS } from "../../../components/config/proxy";
import { parse, plan, prodConfig } from "../../aws/front-door/fixtures";
import { run } from "../../support/tools";
import sglangEndpoints from "../../fixtures/sglang-endpoints.json";
import { Sandbox, freePort, received, receivedBody, request, requireNginx, waitFor } from "./harness";

const [qwen3, vl] = plan(prodConfig()).services;
const box = new Sandbox();
let ports: { proxy: number; open: number; worker: number; direct: number };
let input: Omit<ProxyConfigInput, "jsDir" | "runDir">;
let rendered: { nginxConf: string; authJs: string };
/** The ALB idle timeout prod plans, which the proxy's keep-alive must exceed. */
const ALB_IDLE = albIdleTimeoutSeconds(parse(prodConfig()));

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const chat = (body: unknown) => JSON.stringify(body);

beforeAll(async () => {
  requireNginx();
  ports = { proxy: await freePort(), open: await freePort(), worker: await freePort(), direct: await freePort() };
  box.worker("worker", ports.worker, qwen3.model.id);
  // The same stand-in, reached without the proxy: what the example scripts send, as a baseline.
  box.worker("direct", ports.direct, qwen3.model.id);
  input = {
    sites: [
      { name: "qwen3", listen: `127.0.0.1:${ports.proxy}`, kind: "api", fronts: "sglang", backend: `127.0.0.1:${ports.worker}`, apiKeyFile: box.keyFile },
      { name: "open", listen: `127.0.0.1:${ports.open}`, kind: "api", fronts: "sglang", backend: `127.0.0.1:${ports.worker}` },
    ],
    metricsSources: ["127.0.0.1/32"],
    clientIdleSeconds: ALB_IDLE,
    maxBodyBytes: DEFAULT_PROXY_SETTINGS.maxBodyMiB * 1024 * 1024,
    maxGenerationSeconds: 900,
  };
  const n = box.nginx("nginx", input);
  rendered = n.files;
  await waitFor("nginx", async () => (await request(ports.proxy, "/health")).status === 200);
  await waitFor("direct worker", async () => (await request(ports.direct, "/health")).status === 200);
}, 60_000);

afterAll(async () => {
  await box.stopAll();
});

describe("nginx accepts the rendered configuration", () => {
  /** `nginx -t`, its stdout a pipe as in a container (Node's child stdio is a socket, which /dev/stdout cannot open). */
  const nginxTest = (conf: string) => run("bash", ["-o", "pipefail", "-c", '"$0" -t -e stderr -c "$1" 2>&1 | cat', requireNginx(), conf]);

  test("nginx -t with the njs module loaded", async () => {
    const r = await nginxTest(box.path("nginx.conf"));
    expect([r.code, r.stdout]).toEqual([0, expect.stringContaining("test is successful")]);
  });

  test("nginx -t on prod's gpu-0 node: every site the plan gives it", async () => {
    const sites = nodeProxySites({ plan: plan(prodConfig()), node: "gpu-0", addressOf: () => "10.0.0.9", apiKeyFile: () => box.keyFile });
    const conf = box.path("gpu-0.conf");
    writeFileSync(conf, renderNginxConf({ ...input, sites, jsDir: box.path("nginx-js"), runDir: box.path("nginx-run") }));
    const r = await nginxTest(conf);
    expect([r.code, r.stdout]).toEqual([0, expect.stringContaining("test is successful")]);
  });
});

describe("the API key", () => {
  const body = chat({ model: qwen3.model.id, messages: [{ role: "user", content: "hi" }] });

  test("no key or a wrong key is 401 and never reaches SGLang; the right key is 200", async () => {
    const before = received(box, "worker").length;
    expect((await request(ports.proxy, "/v1/chat/completions", { body })).status).toBe(401);
    expect((await request(ports.proxy, "/v1/chat/completions", { body, headers: auth(`${box.key}x`) })).status).toBe(401);
    expect((await request(ports.proxy, "/v1/chat/completions", { body, headers: auth(box.key.slice(0, -1)) })).status).toBe(401);
    expect((await request(ports.proxy, "/v1/chat/completions", { body, headers: { Authorization: box.key } })).status).toBe(401);
    const denied = await request(ports.proxy, "/generate", { body: '{"text":"x"}' });
    expect([denied.status, denied.headers["www-authenticate"]]).toEqual([401, "Bearer"]);
    expect(received(box, "worker").length).toBe(before);
    expect((await request(ports.proxy, "/v1/chat/completions", { body, headers: auth(box.key) })).status).toBe(200);
    expect((await request(ports.proxy, "/v1/chat/completions", { body, headers: { Authorization: `bearer ${box.key}` } })).status).toBe(200);
    expect((await request(ports.proxy, "/v1/models", { headers: auth(box.key) })).status).toBe(200);
    expect((await request(ports.proxy, "/get_model_info", { headers: auth(box.key) })).status).toBe(200);
  });

  test("SGLang never sees the Authorization header", async () => {
    await request(ports.proxy, "/generate", { body: '{"text":"x"}', headers: auth(box.key) });
    const got = received(box, "worker");
    expect(got.length).toBeGreaterThan(0);
    expect(got.filter((r) => "authorization" in r.headers)).toEqual([]);
  });

  test("a site without a key file forwards without asking", async () => {
    expect((await request(ports.open, "/v1/chat/completions", { body })).status).toBe(200);
  });
});

describe("only the public API reaches SGLang", () => {
  const endpoints: { path: string; methods: string[] }[] = sglangEndpoints.endpoints;
  const publicPath = (p: string) => p.startsWith("/v1/") || ["/generate", "/health", "/health_generate", "/get_model_info", "/metrics"].includes(p);
  // Entries such as "/openapi.json, /docs, /redoc" or "$AIP_PREDICT_ROUTE or /vertex_generate" name several paths.
  const routes = endpoints.flatMap((e) =>
    e.path
      .split(/, | or /)
      .filter((p) => p.startsWith("/"))
      .map((path) => ({ path, methods: e.methods })),
  );
  const admin = routes.filter((e) => !publicPath(e.path));

  test(`all ${admin.length} other routes of SGLang 0.4.9.post2 are 404 from nginx, with and without the key, and never reach the worker`, async () => {
    expect(admin.map((e) => e.path)).toEqual(
      expect.arrayContaining(["/flush_cache", "/update_weights_from_disk", "/release_memory_occupation", "/start_profile", "/get_server_info", "/abort_request"]),
    );
    const before = received(box, "worker").length;
    for (const e of admin) {
      for (const method of e.methods) {
        for (const headers of [{}, auth(box.key)]) {
          const r = await request(ports.proxy, e.path, { method, headers, body: method === "GET" ? undefined : "{}" });
          expect([e.path, method, r.status]).toEqual([e.path, method, 404]);
        }
      }
    }
    for (const sneaky of ["/v1/../flush_cache", "/v1/%2e%2e/flush_cache", "/v1/..%2fflush_cache", "//flush_cache", "/generate/../update_weights_from_disk", "/GENERATE", "/generate%00", "/"]) {
      // 404, or 400 where nginx refuses the request line itself (a NUL byte).
      expect([sneaky, (await request(ports.proxy, sneaky, { headers: auth(box.key) })).status]).toEqual([sneaky, sneaky.includes("%00") ? 400 : 404]);
    }
    expect(received(box, "worker").slice(before)).toEqual([]);
  });

  test("/health and /health_generate answer without the key", async () => {
    expect((await request(ports.proxy, "/health")).status).toBe(200);
    expect((await request(ports.proxy, "/health_generate")).status).toBe(200);
  });

  test("/metrics answers without the key from the monitoring source only", async () => {
    const ok = await request(ports.proxy, "/metrics", { localAddress: "127.0.0.1" });
    expect([ok.status, ok.body.toString()]).toEqual([200, expect.stringContaining("sglang:num_running_reqs")]);
    const before = received(box, "worker").length;
    expect((await request(ports.proxy, "/metrics", { localAddress: "127.0.0.2" })).status).toBe(403);
    expect((await request(ports.proxy, "/metrics", { localAddress: "127.0.0.2", headers: auth(box.key) })).status).toBe(403);
    expect(received(box, "worker").length).toBe(before);
  });
});

describe("bodies arrive byte for byte", () => {
  async function runExample(svc: typeof qwen3, port: number, key: string | undefined, args: string[] = []) {
    const script = box.path(`${svc.name}-example.sh`);
    writeFileSync(script, exampleScript(svc, `http://127.0.0.1:${port}`), { mode: 0o755 });
    const r = await run("bash", [script, ...args], { env: { PATH: process.env.PATH, ...(key ? { QWEN_API_KEY: key } : {}) } });
    expect(r.code).toBe(0);
    return r;
  }

  /** Bodies the worker got for chat completions since `from`. */
  const chats = (worker: string, from: number) =>
    received(box, worker)
      .slice(from)
      .filter((r) => r.path === "/v1/chat/completions");

  test.each([
    ["Qwen3 (top_k, chat_template_kwargs.enable_thinking=false)", qwen3, [] as string[]],
    ["Qwen2.5-VL (image by URL, then a PNG inline as base64)", vl, ["image.png"]],
  ])("the %s example script's requests", async (_what, svc, args) => {
    const image = box.path("image.png");
    writeFileSync(image, randomBytes(300_000));
    const files = args.map(() => image);
    const [d0, w0] = [received(box, "direct").length, received(box, "worker").length];
    await runExample(svc, ports.direct, undefined, files);
    await runExample(svc, ports.proxy, box.key, files);
    const sent = chats("direct", d0).map((r) => receivedBody(box, r));
    const got = chats("worker", w0).map((r) => receivedBody(box, r));
    expect(sent.length).toBe(svc === vl ? 2 : 1);
    expect(got.map((b) => b.toString("base64"))).toEqual(sent.map((b) => b.toString("base64")));
    if (svc === qwen3) expect(JSON.parse(got[0].toString())).toMatchObject({ top_k: 20, chat_template_kwargs: { enable_thinking: false } });
  });

  test("a 50 MiB body passes, byte for byte; one over the limit is 413", async () => {
    const big = Buffer.concat([
      Buffer.from('{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,'),
      Buffer.from(
        randomBytes(37 << 20)
          .toString("base64")
          .slice(0, 50 << 20),
      ),
      Buffer.from('"}}]}]}'),
    ]);
    const w0 = received(box, "worker").length;
    const r = await request(ports.proxy, "/v1/chat/completions", { body: big, headers: auth(box.key), timeoutMs: 60_000 });
    expect(r.status).toBe(200);
    const [got] = received(box, "worker").slice(w0);
    expect([got.length, got.sha256]).toEqual([big.length, createHash("sha256").update(big).digest("hex")]);
    const tooBig = Buffer.alloc(input.maxBodyBytes + 1, 0x20);
    expect((await request(ports.proxy, "/generate", { body: tooBig, headers: auth(box.key), timeoutMs: 60_000 }).catch(() => ({ status: 413 }))).status).toBe(413);
  }, 120_000);
});

describe("streams and connections", () => {
  test("a stream arrives chunk by chunk, not at the end", async () => {
    const r = await request(ports.proxy, "/v1/chat/completions", { body: chat({ model: qwen3.model.id, messages: [], stream: true }), headers: auth(box.key) });
    expect(r.status).toBe(200);
    const events = r.body.toString().split("\n\n").filter(Boolean);
    expect(events.length).toBe(6);
    // The worker sends one event every 0.3 s: the first arrives long before the last.
    expect(r.chunks.length).toBeGreaterThanOrEqual(5);
    expect(r.chunkTimes[r.chunkTimes.length - 1] - r.chunkTimes[0]).toBeGreaterThan(1000);
  });

  test(`the keep-alive exceeds the ALB idle timeout (${ALB_IDLE} s): the config says ${ALB_IDLE + KEEPALIVE_MARGIN_SECONDS} s, and a connection idle past uvicorn's 5 s still serves`, async () => {
    expect(rendered.nginxConf).toContain(`keepalive_timeout ${ALB_IDLE + KEEPALIVE_MARGIN_SECONDS}s;`);
    expect(ALB_IDLE + KEEPALIVE_MARGIN_SECONDS).toBeGreaterThan(ALB_IDLE);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on("free", (s) => sockets.add(s));
    expect((await request(ports.proxy, "/health", { agent })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 7000));
    const again = await request(ports.proxy, "/health", { agent });
    expect([again.status, again.headers.connection]).toEqual([200, "keep-alive"]);
    expect(sockets.size).toBe(1);
    agent.destroy();
  }, 30_000);
});

describe("secrets audit", () => {
  test("the key is in no rendered file, argv, environment or log line of these runs", async () => {
    await request(ports.proxy, "/v1/chat/completions", { body: "{}", headers: auth(box.key) });
    await request(ports.proxy, "/v1/chat/completions", { body: "{}", headers: auth("wrong") });
    const places = [{ where: "nginx.conf", text: rendered.nginxConf }, { where: "auth.js", text: rendered.authJs }, ...box.exposure()];
    expect(places.length).toBeGreaterThan(8);
    expect(places.filter((p) => p.text.includes(box.key)).map((p) => p.where)).toEqual([]);
    const workerRecords = [received(box, "worker"), received(box, "direct")].flat();
    expect(workerRecords.filter((r) => JSON.stringify(r).includes(box.key))).toEqual([]);
  });
});
