import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { AwsSettingsSchema } from "../../../components/config/aws";
import { endpointUrls, HEALTH_CHECK, planFrontDoor, PUBLIC_PATHS, RoutingRulePlan, unroutedMessage } from "../../../components/aws/front-door-plan";
import { frontDoorTiming } from "../../../components/aws/front-door-timing";
import { LIMITS } from "../../../components/aws/limits";
import { securityRules, SecurityRule, subnetCidr, subnetLayout } from "../../../components/aws/network-layout";
import { crossNodeConfig, parse, plan, prodConfig, singleConfig } from "./fixtures";
import { PORTS } from "../../../components/contract";

const defaults = AwsSettingsSchema.parse({});
const tlsSettings = AwsSettingsSchema.parse({
  frontDoor: { domain: "llm.example.com", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012" },
}).frontDoor;
/** The timings are front-door-timing.test.ts's subject; the layout only carries them. */
const timing = frontDoorTiming(parse(prodConfig()));

/** ALB path-pattern semantics: case-sensitive, `*` any run of characters, `?` exactly one. */
const albMatch = (pattern: string, path: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  ).test(path);

/** What the load balancer does with a request: the first rule (by priority) whose conditions hold. */
function route(rules: readonly RoutingRulePlan[], listener: string, path: string, headers: Record<string, string> = {}) {
  const hit = rules
    .filter((r) => r.listener === listener)
    .sort((a, b) => a.priority - b.priority)
    .find((r) => r.paths.some((p) => albMatch(p, path)) && (!r.header || headers[r.header.name.toLowerCase()]?.toLowerCase() === r.header.value));
  if (!hit) return "404";
  return `${hit.service} ${hit.rewrite ? path.replace(new RegExp(hit.rewrite.regex), hit.rewrite.replace) : path}`;
}

describe("front door without a certificate", () => {
  const prod = plan(prodConfig());
  const fd = planFrontDoor(prod, defaults.frontDoor, timing);

  test("one HTTP listener per service port, no 443", () => {
    expect(fd.tls).toBe(false);
    expect(fd.listeners).toEqual([
      { key: "qwen3-32b", port: 9001, protocol: "HTTP", service: "qwen3-32b" },
      { key: "qwen25-vl-32b", port: 9002, protocol: "HTTP", service: "qwen25-vl-32b" },
    ]);
  });

  test("carries the timings it is given", () => {
    expect(fd).toMatchObject(timing);
  });

  test("with replicas > 1 the target is the router on its node; with one replica, SGLang itself", () => {
    expect(fd.targets).toEqual([
      { service: "qwen3-32b", node: "gpu-0", port: 9001, viaRouter: true },
      { service: "qwen25-vl-32b", node: "gpu-0", port: 9002, viaRouter: true },
    ]);
    expect(fd.targets.map((t) => t.port)).toEqual(prod.services.map((s) => s.router!.port));
    const single = plan(singleConfig());
    expect(planFrontDoor(single, defaults.frontDoor, timing).targets).toEqual(
      single.services.map((s) => ({ service: s.name, node: s.placement[0].node, port: s.placement[0].port, viaRouter: false })),
    );
  });

  test("only the public API reaches a service; admin and router-management paths get the 404", () => {
    expect(route(fd.rules, "qwen3-32b", "/v1/chat/completions")).toBe("qwen3-32b /v1/chat/completions");
    expect(route(fd.rules, "qwen3-32b", "/v1/models")).toBe("qwen3-32b /v1/models");
    expect(route(fd.rules, "qwen25-vl-32b", "/generate")).toBe("qwen25-vl-32b /generate");
    for (const path of ["/add_worker", "/remove_worker", "/flush_cache", "/update_weights_from_disk", "/metrics", "/start_profile", "/"]) expect(route(fd.rules, "qwen3-32b", path), path).toBe("404");
  });

  test("health check: /health, 200, every 10 s, timeout 5 s, in after 2 passes, out after 3 failures", () => {
    expect(HEALTH_CHECK).toEqual({ path: "/health", matcher: "200", intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3 });
    expect(PUBLIC_PATHS).toContain(HEALTH_CHECK.path);
  });

  test("endpoints are the load balancer's name on each service port", () => {
    expect(endpointUrls(prod, defaults.frontDoor, "lb.example")).toEqual({ "qwen3-32b": "http://lb.example:9001", "qwen25-vl-32b": "http://lb.example:9002" });
  });

  test("the 404 says how to call the model", () => {
    expect(JSON.parse(unroutedMessage(prod, fd.listeners[0]))).toEqual({
      error: "not found: this port serves 'qwen3-32b' on /v1/*, /generate, /health, /get_model_info",
      services: ["qwen3-32b", "qwen25-vl-32b"],
    });
  });
});

describe("front door with a certificate", () => {
  const prod = plan(prodConfig());
  const fd = planFrontDoor(prod, tlsSettings, timing);

  test("service ports turn HTTPS and 443 routes to every model", () => {
    expect(fd.listeners.map((l) => [l.port, l.protocol, l.service ?? null])).toEqual([
      [9001, "HTTPS", "qwen3-32b"],
      [9002, "HTTPS", "qwen25-vl-32b"],
      [443, "HTTPS", null],
    ]);
  });

  test("on 443, /<service>/... is rewritten to /... and X-Model picks the model; anything else is a 404", () => {
    expect(route(fd.rules, "https", "/qwen3-32b/v1/chat/completions")).toBe("qwen3-32b /v1/chat/completions");
    expect(route(fd.rules, "https", "/qwen25-vl-32b/v1/chat/completions")).toBe("qwen25-vl-32b /v1/chat/completions");
    expect(route(fd.rules, "https", "/v1/chat/completions", { "x-model": "qwen25-vl-32b" })).toBe("qwen25-vl-32b /v1/chat/completions");
    expect(route(fd.rules, "https", "/v1/chat/completions", { "x-model": "QWEN3-32B" })).toBe("qwen3-32b /v1/chat/completions");
    expect(route(fd.rules, "https", "/v1/chat/completions")).toBe("404");
    expect(route(fd.rules, "https", "/qwen3-32b/add_worker")).toBe("404");
    expect(route(fd.rules, "https", "/add_worker", { "x-model": "qwen3-32b" })).toBe("404");
  });

  test("a path prefix wins over the header", () => {
    expect(route(fd.rules, "https", "/qwen3-32b/v1/chat/completions", { "x-model": "qwen25-vl-32b" })).toBe("qwen3-32b /v1/chat/completions");
  });

  test("rules fit ALB limits: unique priorities per listener, at most 3 values per condition and 5 per rule", () => {
    for (const listener of new Set(fd.rules.map((r) => r.listener))) {
      const prios = fd.rules.filter((r) => r.listener === listener).map((r) => r.priority);
      expect(new Set(prios).size).toBe(prios.length);
    }
    for (const r of fd.rules) {
      expect(r.paths.length, r.key).toBeLessThanOrEqual(LIMITS.listenerRuleValuesPerCondition);
      expect(r.paths.length + (r.header ? 1 : 0), r.key).toBeLessThanOrEqual(LIMITS.listenerRuleValuesPerRule);
    }
  });

  test("endpoints are https://<domain>/<service>", () => {
    expect(endpointUrls(prod, tlsSettings, "lb.example")).toEqual({ "qwen3-32b": "https://llm.example.com/qwen3-32b", "qwen25-vl-32b": "https://llm.example.com/qwen25-vl-32b" });
  });
});

const show = (r: SecurityRule) => `${r.group} ${r.direction} ${r.port} ${"group" in r.peer ? `sg:${r.peer.group}` : r.peer.cidr}`;

describe("security-group rules", () => {
  const prod = plan(prodConfig());
  const fd = planFrontDoor(prod, defaults.frontDoor, timing);
  const input = {
    plan: prod,
    allowedCidrs: ["203.0.113.0/24", "198.51.100.7/32"],
    listenerPorts: fd.listeners.map((l) => l.port),
    targetPorts: fd.targets.map((t) => t.port),
    nodeExporterPort: PORTS.nodeExporter,
    dcgmPort: PORTS.dcgmExporter,
  };

  test("prod: the whole table", () => {
    expect(securityRules(input).map(show).sort()).toEqual(
      [
        "loadBalancer ingress 9001 203.0.113.0/24",
        "loadBalancer ingress 9001 198.51.100.7/32",
        "loadBalancer ingress 9002 203.0.113.0/24",
        "loadBalancer ingress 9002 198.51.100.7/32",
        "loadBalancer egress 9001 sg:node",
        "loadBalancer egress 9002 sg:node",
        "node ingress 9001 sg:loadBalancer",
        "node ingress 9002 sg:loadBalancer",
        ...[30000, 30001, 30002, 30003, 29000, 29001, 9100, 9400].flatMap((p) => [`node ingress ${p} sg:monitoring`, `monitoring egress ${p} sg:node`]),
        "node egress 443 0.0.0.0/0",
        "node egress 80 0.0.0.0/0",
        "monitoring egress 443 0.0.0.0/0",
        "monitoring egress 80 0.0.0.0/0",
      ].sort(),
    );
  });

  test("closed by default: no allowed CIDR, no ingress to the load balancer at all", () => {
    expect(securityRules({ ...input, allowedCidrs: [] }).filter((r) => r.group === "loadBalancer" && r.direction === "ingress")).toEqual([]);
  });

  test("a single replica's SGLang port admits the load balancer and monitoring; a router's port only the load balancer", () => {
    const single = plan(singleConfig());
    const rules = securityRules({ ...input, plan: single }).map(show);
    expect(rules).toEqual(expect.arrayContaining(["node ingress 9001 sg:loadBalancer", "node ingress 9001 sg:monitoring"]));
    expect(securityRules(input).map(show)).not.toContain("node ingress 9001 sg:monitoring");
  });

  test("a router with a worker on another node may reach that worker's port, and nothing more", () => {
    const cross = plan(crossNodeConfig());
    const cfd = planFrontDoor(cross, defaults.frontDoor, timing);
    const self = securityRules({ ...input, plan: cross, listenerPorts: cfd.listeners.map((l) => l.port), targetPorts: cfd.targets.map((t) => t.port) })
      .filter((r) => "group" in r.peer && r.peer.group === "node" && r.group === "node")
      .map(show);
    expect(self).toEqual(["node ingress 30000 sg:node", "node egress 30000 sg:node"]);
  });

  test("property: 0.0.0.0/0 is never an ingress source unless listed, and node ports open only to the table's peers", () => {
    const cidr = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 })).map(([a, b, p]) => `${a}.${b}.0.0/${p}`);
    fc.assert(
      fc.property(fc.array(cidr, { maxLength: 4 }), fc.constantFrom(prodConfig(), singleConfig(), crossNodeConfig()), (cidrs, cfg) => {
        const p = plan(cfg);
        const f = planFrontDoor(p, defaults.frontDoor, timing);
        const rules = securityRules({ ...input, plan: p, allowedCidrs: cidrs, listenerPorts: f.listeners.map((l) => l.port), targetPorts: f.targets.map((t) => t.port) });
        const listenerPorts = new Set(f.listeners.map((l) => l.port));
        for (const r of rules) {
          if (r.direction !== "ingress") continue;
          if ("cidr" in r.peer) {
            expect(r.group).toBe("loadBalancer");
            expect(cidrs).toContain(r.peer.cidr);
            expect(listenerPorts.has(r.port)).toBe(true);
          } else if (r.peer.group === "loadBalancer") expect(f.targets.map((t) => t.port)).toContain(r.port);
          expect(r.group).not.toBe("monitoring");
        }
        const keys = rules.map((r) => r.key);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe("subnets of a new VPC", () => {
  test("10.0.0.0/16: two /24 public subnets and a /20 private one", () => {
    expect(subnetLayout("10.0.0.0/16")).toEqual({ publicCidrs: ["10.0.0.0/24", "10.0.1.0/24"], privateCidr: "10.0.16.0/20" });
    expect(subnetCidr("172.16.0.0/12", 16, 3)).toBe("172.19.0.0/16");
    expect(() => subnetCidr("10.0.0.0/16", 20, 16)).toThrow("10.0.0.0/16 has no /20 block number 16");
  });

  test("property: for /16../19 the three subnets lie inside the VPC and never overlap", () => {
    const range = (c: string) => {
      const [ip, p] = c.split("/");
      const start = ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
      return [start, start + 2 ** (32 - Number(p)) - 1];
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 16, max: 19 }), (a, b, prefix) => {
        const vpc = subnetCidr(`${a}.${b}.0.0/8`, prefix, 0).replace(/\/\d+$/, `/${prefix}`);
        const l = subnetLayout(vpc);
        const [vs, ve] = range(vpc);
        const subs = [...l.publicCidrs, l.privateCidr].map(range).sort((x, y) => x[0] - y[0]);
        for (const [s, e] of subs) expect(s >= vs && e <= ve).toBe(true);
        for (let i = 1; i < subs.length; i++) expect(subs[i][0]).toBeGreaterThan(subs[i - 1][1]);
      }),
    );
  });
});

describe("aws config for the network and the front door", () => {
  const issues = (aws: unknown) => {
    const r = AwsSettingsSchema.safeParse(aws);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  test("defaults: new VPC, nobody admitted, HTTP, 900 s drain and an idle timeout derived from it (960 s)", () => {
    expect(defaults.network).toEqual({});
    expect(defaults.frontDoor).toEqual({ allowedCidrs: [] });
    expect(frontDoorTiming(parse(prodConfig()))).toEqual({ idleTimeoutSeconds: 960, deregistrationDelaySeconds: 900 });
  });

  test.each([
    [{ network: { vpcId: "vpc-0123abcd" } }, ["network.privateSubnetId: an existing vpcId needs privateSubnetId too", "network.publicSubnetIds: an existing vpcId needs publicSubnetIds too"]],
    [{ network: { privateSubnetId: "subnet-0123abcd" } }, ["network.privateSubnetId: privateSubnetId needs vpcId (the VPC it belongs to)"]],
    [{ network: { vpcId: "vpc-0123abcd", privateSubnetId: "subnet-0123abcd", publicSubnetIds: ["subnet-0a1b2c3d"] } }, ["network.publicSubnetIds: an ALB needs subnets in at least two AZs"]],
    [{ network: { vpcCidr: "10.0.0.0/24" } }, ["network.vpcCidr: vpcCidr must be a /16 to /19"]],
    [{ frontDoor: { domain: "llm.example.com" } }, ["frontDoor.certificateArn: domain and certificateArn must be given together"]],
    [{ frontDoor: { allowedCidrs: ["10.0.0.0/33"] } }, ["frontDoor.allowedCidrs.0: must be an IPv4 CIDR such as 203.0.113.0/24"]],
    [{ frontDoor: { idleTimeoutSeconds: 4001 } }, ["frontDoor.idleTimeoutSeconds: Too big: expected number to be <=4000"]],
    [{ frontDoor: { maxGenerationSeconds: 3601 } }, ["frontDoor.maxGenerationSeconds: Too big: expected number to be <=3600"]],
    [{ frontDoor: { hostedZoneId: "Z0123456789ABCDEFGHIJ" } }, ["frontDoor.hostedZoneId: hostedZoneId needs domain (the record to create)"]],
  ])("%j is refused", (aws, expected) => {
    expect(issues(aws)).toEqual(expected);
  });

  test("the stack schema takes the block under `aws`", () => {
    expect(parse(prodConfig({ frontDoor: { allowedCidrs: ["0.0.0.0/0"], idleTimeoutSeconds: 4000 } })).aws?.frontDoor).toEqual({
      allowedCidrs: ["0.0.0.0/0"],
      idleTimeoutSeconds: 4000,
    });
  });
});
