// Which front-proxy sites a node gets from the plan, and the nginx.conf they render (pure; the
// tools tests run that config for real).
import { describe, expect, test } from "vitest";
import { NODE_PATHS, PORTS } from "../../../components/contract";
import { KEEPALIVE_MARGIN_SECONDS, renderNginxConf } from "../../../components/render/proxy/nginx";
import { loopbackPort, loopbackPortProblems, nodeProxySites, sitePorts } from "../../../components/render/proxy/sites";
import { crossNodeConfig, plan, prodConfig, singleConfig } from "../../aws/front-door/fixtures";

const keyFile = (s: string) => `${NODE_PATHS.secrets}/${s}.api-key`;
const noRemote = (n: string): string => {
  throw new Error(`unexpected remote node ${n}`);
};

describe("node proxy sites", () => {
  test("prod's gpu-0: a router site and a metrics site per routed service, a router-only site per replica; backends on loopback", () => {
    const sites = nodeProxySites({ plan: plan(prodConfig()), node: "gpu-0", addressOf: noRemote, apiKeyFile: keyFile });
    expect(sites.map((s) => [s.name, s.listen, s.kind, s.fronts, s.backend, s.routerSources ?? null])).toEqual([
      ["qwen3-32b-0", [`0.0.0.0:${PORTS.workerBase}`], "api", "sglang", `127.0.0.1:${loopbackPort(PORTS.workerBase)}`, ["127.0.0.1/32"]],
      ["qwen3-32b-1", ["0.0.0.0:30001"], "api", "sglang", "127.0.0.1:40001", ["127.0.0.1/32"]],
      ["qwen3-32b-router", ["0.0.0.0:9001"], "api", "router", "127.0.0.1:19001", null],
      ["qwen3-32b-router-metrics", [`0.0.0.0:${PORTS.routerMetricsBase}`], "metrics", "router", "127.0.0.1:19001", null],
      ["qwen25-vl-32b-0", ["0.0.0.0:30002"], "api", "sglang", "127.0.0.1:40002", ["127.0.0.1/32"]],
      ["qwen25-vl-32b-1", ["0.0.0.0:30003"], "api", "sglang", "127.0.0.1:40003", ["127.0.0.1/32"]],
      ["qwen25-vl-32b-router", ["0.0.0.0:9002"], "api", "router", "127.0.0.1:19002", null],
      ["qwen25-vl-32b-router-metrics", ["0.0.0.0:29001"], "metrics", "router", "127.0.0.1:19002", null],
    ]);
    expect(sites.every((s) => s.kind === "metrics" || s.apiKeyFile === keyFile(s.name.replace(/-(\d|router)$/, "")))).toBe(true);
  });

  test("a replica on another node than its router admits that node's address only", () => {
    const p = plan(crossNodeConfig());
    const sites = nodeProxySites({ plan: p, node: "gpu-1", addressOf: (n) => ({ "gpu-0": "10.0.17.4" })[n]!, apiKeyFile: () => undefined });
    expect(sites.map((s) => [s.name, s.routerSources])).toEqual([["qwen3-32b-1", ["10.0.17.4/32"]]]);
  });

  test("where the router node's address is not known yet (aws), the platform names the source: its private subnet", () => {
    const sites = nodeProxySites({
      plan: plan(crossNodeConfig()),
      node: "gpu-1",
      addressOf: noRemote,
      routerSource: (n) => (n === "gpu-0" ? "10.0.16.0/20" : noRemote(n)),
      apiKeyFile: () => undefined,
    });
    expect(sites.map((s) => [s.name, s.routerSources])).toEqual([["qwen3-32b-1", ["10.0.16.0/20"]]]);
  });

  test("one replica: the service port fronts SGLang directly, with the key", () => {
    const sites = nodeProxySites({ plan: plan(singleConfig()), node: "gpu-0", addressOf: noRemote, apiKeyFile: keyFile, listenAddresses: ["10.0.0.5", "127.0.0.1"] });
    expect(sites.map((s) => [s.listen, s.backend, s.apiKeyFile])).toEqual([
      [["10.0.0.5:9001", "127.0.0.1:9001"], "127.0.0.1:19001", keyFile("qwen3-32b")],
      [["10.0.0.5:9002", "127.0.0.1:9002"], "127.0.0.1:19002", keyFile("qwen25-vl-32b")],
    ]);
    expect(sitePorts(sites)).toEqual([9001, 9002]);
  });

  test("a planned port whose loopback twin is out of range is a problem (a twin planned too is the planner's port registry's)", () => {
    expect(loopbackPortProblems(plan(prodConfig()))).toEqual([]);
    const bad = loopbackPortProblems(
      plan({
        ...prodConfig(),
        services: [
          { ...prodConfig().services[0], port: 60000 },
          { ...prodConfig().services[1], replicas: 1 },
        ],
      }),
    );
    expect(bad).toEqual([
      { path: ["services", 0, "port"], value: 60000, rule: "port 60000 on gpu-0 needs 70000 on loopback for what the front proxy fronts, beyond 65535", advice: "keep planned ports below 55536" },
    ]);
  });
});

describe("nginx.conf", () => {
  const sites = nodeProxySites({ plan: plan(prodConfig()), node: "gpu-0", addressOf: noRemote, apiKeyFile: keyFile });
  const conf = renderNginxConf({
    sites,
    metricsSources: ["10.0.0.0/16"],
    clientIdleSeconds: 900,
    maxBodyBytes: 64 << 20,
    maxGenerationSeconds: 1200,
    jsDir: "/etc/qwen-serving/proxy",
    runDir: "/run/nginx",
  });

  test("keeps idle clients 60 s longer than the load balancer, buffers nothing, allows the longest generation", () => {
    expect(conf).toContain(`keepalive_timeout ${900 + KEEPALIVE_MARGIN_SECONDS}s;`);
    for (const l of ["proxy_buffering off;", "proxy_request_buffering off;", `client_max_body_size ${64 << 20};`, "proxy_read_timeout 1200s;", "keepalive_timeout 4s;"]) expect(conf).toContain(l);
  });

  test("SGLang sites drop the Authorization header, router sites keep it", () => {
    const servers = conf.split("  server {").slice(1);
    const sglang = servers.filter((s) => s.includes("qwen3-32b-0:") || s.includes("# qwen3-32b-0"));
    const router = servers.filter((s) => s.includes("# qwen3-32b-router:"));
    expect(sglang.every((s) => s.includes('proxy_set_header Authorization "";'))).toBe(true);
    expect(router.every((s) => !s.includes("proxy_set_header Authorization"))).toBe(true);
    expect(sglang.length + router.length).toBe(2);
  });

  test("refuses inputs nginx would misread", () => {
    expect(() =>
      renderNginxConf({ sites: [{ ...sites[0], backend: "x; evil" }], metricsSources: [], clientIdleSeconds: 1, maxBodyBytes: 1, maxGenerationSeconds: 1, jsDir: "/j", runDir: "/r" }),
    ).toThrow("backend");
    expect(() => renderNginxConf({ sites, metricsSources: ["10.0.0.0/16; allow all"], clientIdleSeconds: 1, maxBodyBytes: 1, maxGenerationSeconds: 1, jsDir: "/j", runDir: "/r" })).toThrow(
      "metrics source",
    );
    // `all` would open /metrics (or a replica's registration reads) to every source.
    expect(() => renderNginxConf({ sites, metricsSources: ["all"], clientIdleSeconds: 1, maxBodyBytes: 1, maxGenerationSeconds: 1, jsDir: "/j", runDir: "/r" })).toThrow("metrics source");
  });
});
