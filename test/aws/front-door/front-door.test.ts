import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, test } from "vitest";
import { AwsSettingsSchema } from "../../../components/config/aws";
import { Artifact } from "../../../components/render/artifact";
import { COMPUTED, installMocks, isSecretValue, mockId, RecordedResource, settle, valueOf } from "../../../infra/mocks";
import { frontDoorTiming } from "../../../components/aws/front-door-timing";
import { crossNodeConfig, parse, plan, prodConfig, singleConfig } from "./fixtures";
import { IMAGES, PORTS } from "../../../components/contract";

// One mock engine for the file; each scenario is its own QwenServing with a distinct name.
let recorded: RecordedResource[];
const endpoints: Record<string, Record<string, string>> = {};
const artifacts: Record<string, Artifact[]> = {};
let FrontDoor: typeof import("../../../components/aws/front-door").FrontDoor;
let AwsNetwork: typeof import("../../../components/aws/network").AwsNetwork;

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012";
const tlsAws = {
  frontDoor: { allowedCidrs: ["203.0.113.0/24"], domain: "llm.example.com", certificateArn: CERT, hostedZoneId: "Z0123456789ABCDEFGHIJ", idleTimeoutSeconds: 2400, maxGenerationSeconds: 1800 },
};
const LONG_GENERATION = 3000;
const existingAws = {
  network: { vpcId: "vpc-0a1b2c3d4e5f60718", privateSubnetId: "subnet-0aaaaaaaaaaaaaaaa", publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbbb", "subnet-0cccccccccccccccc"] },
  frontDoor: { allowedCidrs: ["10.0.0.0/8"] },
};

beforeAll(async () => {
  recorded = installMocks({ project: "qwen-serving", stack: "prod", config: {}, secretKeys: [] });
  ({ FrontDoor } = await import("../../../components/aws/front-door"));
  ({ AwsNetwork } = await import("../../../components/aws/network"));
  const { QwenServing } = await import("../../../components/qwen-serving");
  const scenarios = {
    tls: { config: prodConfig(tlsAws), secrets: { apiKeys: { "qwen3-32b": pulumi.secret("sk-qwen3"), "qwen25-vl-32b": pulumi.secret("sk-vl") } } },
    plain: { config: singleConfig(), secrets: {} },
    existing: { config: singleConfig(existingAws), secrets: {} },
    cross: { config: crossNodeConfig({ frontDoor: { allowedCidrs: ["198.51.100.0/24"] } }), secrets: {} },
    // The load balancer's timings follow the proxy's longest generation (here without an aws block).
    long: { config: { ...singleConfig(), aws: undefined, proxy: { maxGenerationSeconds: LONG_GENERATION } }, secrets: {} },
  };
  for (const [name, s] of Object.entries(scenarios)) {
    // The monitoring instance is another component's subject; these scenarios leave it out.
    const serving = new QwenServing(name, { config: parse({ ...s.config, monitoring: { enabled: false } }), secrets: s.secrets, stack: "prod" });
    endpoints[name] = await valueOf(serving.endpoints);
    artifacts[name] = await valueOf(serving.artifacts);
  }
  await settle();
});

const of = (scenario: string, type: string) => recorded.filter((r) => r.type === type && r.name.startsWith(`${scenario}-`));
const one = (scenario: string, type: string, suffix: string) => {
  const hits = recorded.filter((r) => r.type === type && r.name === `${scenario}-${suffix}`);
  expect(hits, `${type} ${scenario}-${suffix}`).toHaveLength(1);
  return hits[0].inputs as Record<string, any>;
};
const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const LISTENER = "aws:lb/listener:Listener";
const RULE = "aws:lb/listenerRule:ListenerRule";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const SUBNET = "aws:ec2/subnet:Subnet";

describe("load balancer", () => {
  test("internet-facing ALB in the public subnets with the LB security group, HTTP/2 on, idle timeout as configured", () => {
    const tls = one("tls", LB, "aws-frontdoor-alb");
    expect(tls).toMatchObject({ loadBalancerType: "application", internal: false, enableHttp2: true, dropInvalidHeaderFields: true, idleTimeout: 2400 });
    expect(tls.securityGroups).toEqual([mockId(SG, "tls-aws-network-lb")]);
    expect(tls.subnets).toEqual([mockId(SUBNET, "tls-aws-network-public-0"), mockId(SUBNET, "tls-aws-network-public-1")]);
    // Unset, it outlasts the default longest generation (900 s) by 60 s.
    expect(one("plain", LB, "aws-frontdoor-alb").idleTimeout).toBe(960);
  });

  test("unset, the idle timeout outlasts the longest generation by 60 s, and targets drain for it", () => {
    expect(one("long", LB, "aws-frontdoor-alb").idleTimeout).toBe(LONG_GENERATION + 60);
    for (const tg of of("long", TG)) expect(tg.inputs.deregistrationDelay).toBe(LONG_GENERATION);
  });

  test("on every node the proxy waits for the longest generation and keeps idle connections longer than the ALB (AWS: or 502s)", () => {
    for (const scenario of ["tls", "plain", "existing", "cross", "long"]) {
      const idle = one(scenario, LB, "aws-frontdoor-alb").idleTimeout as number;
      const confs = artifacts[scenario].filter((a) => a.path.endsWith("/nginx.conf"));
      expect(confs.length, scenario).toBeGreaterThan(0);
      for (const { path, content } of confs) {
        // http-level directives (two-space indent), not an upstream block's own keepalive_timeout.
        const seconds = (directive: string) => Number(new RegExp(`^ {2}${directive} (\\d+)s;$`, "m").exec(content)![1]);
        expect(seconds("keepalive_timeout"), `${scenario} ${path}`).toBeGreaterThan(idle);
        // The ALB never cuts a silent request the proxy still waits for.
        expect(seconds("proxy_read_timeout"), `${scenario} ${path}`).toBeLessThanOrEqual(idle);
      }
    }
  });

  test("target groups health-check SGLang's /health with the planned thresholds and drain for the longest generation", () => {
    for (const [scenario, drain] of [
      ["tls", 1800],
      ["plain", 900],
    ] as const) {
      const tgs = of(scenario, TG);
      expect(tgs.map((t) => t.name)).toEqual([`${scenario}-aws-frontdoor-qwen3-32b`, `${scenario}-aws-frontdoor-qwen25-vl-32b`]);
      for (const tg of tgs) {
        expect(tg.inputs).toMatchObject({ targetType: "instance", protocol: "HTTP", protocolVersion: "HTTP1", deregistrationDelay: drain, slowStart: 0 });
        expect(tg.inputs.healthCheck).toEqual({
          enabled: true,
          protocol: "HTTP",
          port: "traffic-port",
          path: "/health",
          matcher: "200",
          interval: 10,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        });
      }
    }
  });

  test("with replicas > 1 the target group targets the router's port, with one replica SGLang's own", () => {
    const prod = plan(prodConfig(tlsAws));
    expect(of("tls", TG).map((t) => t.inputs.port)).toEqual(prod.services.map((s) => s.router!.port));
    expect(prod.services.every((s) => s.replicas > 1 && s.router && s.placement.every((p) => p.port !== s.router!.port))).toBe(true);
    const single = plan(singleConfig());
    expect(single.services.every((s) => s.router === undefined)).toBe(true);
    expect(of("plain", TG).map((t) => t.inputs.port)).toEqual(single.services.map((s) => s.placement[0].port));
  });

  test("without a certificate: HTTP listeners on 9001 and 9002 only", () => {
    expect(of("plain", LISTENER).map((l) => [l.inputs.port, l.inputs.protocol, l.inputs.certificateArn ?? null])).toEqual([
      [9001, "HTTP", null],
      [9002, "HTTP", null],
    ]);
  });

  test("with a certificate: HTTPS on 9001, 9002 and 443 with a TLS 1.3 policy", () => {
    expect(of("tls", LISTENER).map((l) => [l.inputs.port, l.inputs.protocol, l.inputs.certificateArn, l.inputs.sslPolicy])).toEqual([
      [9001, "HTTPS", CERT, "ELBSecurityPolicy-TLS13-1-2-2021-06"],
      [9002, "HTTPS", CERT, "ELBSecurityPolicy-TLS13-1-2-2021-06"],
      [443, "HTTPS", CERT, "ELBSecurityPolicy-TLS13-1-2-2021-06"],
    ]);
    for (const l of of("tls", LISTENER)) expect(l.inputs.defaultActions).toEqual([expect.objectContaining({ type: "fixed-response", fixedResponse: expect.objectContaining({ statusCode: "404" }) })]);
  });

  test("listener rules forward the public paths; on 443 by path prefix with a rewrite, or by X-Model", () => {
    const rules = of("tls", RULE);
    // ARNs carry the target groups' physical names (namePrefix + Terraform's unique id).
    const tgArn = (svc: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${of("tls", TG).find((t) => t.name === `tls-aws-frontdoor-${svc}`)!.outputs.name}/abc`;
    const byName = Object.fromEntries(rules.map((r) => [r.name.replace("tls-aws-frontdoor-", ""), r.inputs as Record<string, any>]));
    // An ALB condition holds at most 3 values: the 4 public paths take two rules per service and listener.
    expect(Object.keys(byName).sort()).toEqual(["api", "api-1", "header", "header-1", "path", "path-1"].flatMap((k) => [`qwen25-vl-32b-${k}`, `qwen3-32b-${k}`]).sort());
    expect(byName["qwen3-32b-api"]).toMatchObject({
      priority: 10,
      conditions: [{ pathPattern: { values: ["/v1/*", "/generate", "/health"] } }],
      actions: [{ type: "forward", targetGroupArn: tgArn("qwen3-32b") }],
    });
    expect(byName["qwen3-32b-api-1"]).toMatchObject({
      priority: 11,
      conditions: [{ pathPattern: { values: ["/get_model_info"] } }],
      actions: [{ type: "forward", targetGroupArn: tgArn("qwen3-32b") }],
    });
    expect(byName["qwen3-32b-path"]).toMatchObject({
      priority: 100,
      conditions: [{ pathPattern: { values: ["/qwen3-32b/v1/*", "/qwen3-32b/generate", "/qwen3-32b/health"] } }],
      transforms: [{ type: "url-rewrite", urlRewriteConfig: { rewrite: { regex: "^/qwen3-32b(/.*)$", replace: "$1" } } }],
      actions: [{ type: "forward", targetGroupArn: tgArn("qwen3-32b") }],
    });
    expect(byName["qwen3-32b-path-1"]).toMatchObject({ priority: 101, conditions: [{ pathPattern: { values: ["/qwen3-32b/get_model_info"] } }] });
    expect(byName["qwen25-vl-32b-header"]).toMatchObject({
      priority: 106,
      conditions: [{ pathPattern: { values: ["/v1/*", "/generate", "/health"] } }, { httpHeader: { httpHeaderName: "X-Model", values: ["qwen25-vl-32b"] } }],
      actions: [{ type: "forward", targetGroupArn: tgArn("qwen25-vl-32b") }],
    });
    expect(byName["qwen25-vl-32b-header"].transforms).toBeUndefined();
  });

  test("endpoints: https://<domain>/<service> with TLS, else the ALB name and service port; DNS alias only with a hosted zone", () => {
    expect(endpoints.tls).toEqual({ "qwen3-32b": "https://llm.example.com/qwen3-32b", "qwen25-vl-32b": "https://llm.example.com/qwen25-vl-32b" });
    // The load balancer's fixed name (components/aws/naming.ts) is the first label of its DNS name.
    expect(endpoints.plain).toEqual({
      "qwen3-32b": "http://qwen-serving-prod-123456.us-east-1.elb.amazonaws.com:9001",
      "qwen25-vl-32b": "http://qwen-serving-prod-123456.us-east-1.elb.amazonaws.com:9002",
    });
    expect(one("tls", "aws:route53/record:Record", "aws-frontdoor-dns")).toMatchObject({ zoneId: "Z0123456789ABCDEFGHIJ", name: "llm.example.com", type: "A" });
    expect(of("plain", "aws:route53/record:Record")).toEqual([]);
  });

  test("the example requests are artifacts calling the service endpoints", () => {
    const ex = artifacts.tls.filter((a) => a.path.startsWith("examples/"));
    expect(ex.map((a) => a.path)).toEqual(["examples/qwen3-32b.sh", "examples/qwen25-vl-32b.sh"]);
    expect(ex[0].content).toContain("DEFAULT_BASE_URL='https://llm.example.com/qwen3-32b'\n");
  });
});

/** Security-group rules of a scenario as `<group> <in|out> <from>-<to>/<proto> <peer>`. */
function ruleTable(scenario: string): string[] {
  const role = new Map(of(scenario, SG).map((g) => [mockId(SG, g.name), g.name.replace(`${scenario}-aws-network-`, "")]));
  const show = (r: RecordedResource, dir: string) =>
    `${role.get(r.inputs.securityGroupId as string)} ${dir} ${r.inputs.fromPort}-${r.inputs.toPort}/${r.inputs.ipProtocol} ${r.inputs.cidrIpv4 ?? `sg:${role.get(r.inputs.referencedSecurityGroupId as string)}`}`;
  const own = (r: RecordedResource) => r.parent === `${scenario}-aws-network`;
  return [
    ...of(scenario, INGRESS)
      .filter(own)
      .map((r) => show(r, "in")),
    ...of(scenario, EGRESS)
      .filter(own)
      .map((r) => show(r, "out")),
  ].sort();
}

describe("security groups", () => {
  test("prod with TLS: exactly the planned table (LB from the allowed CIDR on 9001/9002/443; nodes from LB and monitoring only)", () => {
    const mon = (p: number) => [`node in ${p}-${p}/tcp sg:monitoring`, `monitoring out ${p}-${p}/tcp sg:node`];
    expect(ruleTable("tls")).toEqual(
      [
        "lb in 9001-9001/tcp 203.0.113.0/24",
        "lb in 9002-9002/tcp 203.0.113.0/24",
        "lb in 443-443/tcp 203.0.113.0/24",
        "lb out 9001-9001/tcp sg:node",
        "lb out 9002-9002/tcp sg:node",
        "node in 9001-9001/tcp sg:lb",
        "node in 9002-9002/tcp sg:lb",
        ...[30000, 30001, 30002, 30003, 29000, 29001, 9100, 9400].flatMap(mon),
        "node out 443-443/tcp 0.0.0.0/0",
        "node out 80-80/tcp 0.0.0.0/0",
        "monitoring out 443-443/tcp 0.0.0.0/0",
        "monitoring out 80-80/tcp 0.0.0.0/0",
      ].sort(),
    );
  });

  test("no ingress from 0.0.0.0/0 anywhere, no SSH, no inline rules, in every scenario", () => {
    for (const r of recorded.filter((r) => r.type === INGRESS)) {
      expect(r.inputs.cidrIpv4, r.name).not.toBe("0.0.0.0/0");
      expect(r.inputs.fromPort, r.name).not.toBe(22);
    }
    for (const g of recorded.filter((r) => r.type === SG)) expect([g.inputs.ingress, g.inputs.egress], g.name).toEqual([undefined, undefined]);
  });

  test("a single replica's SGLang port admits the LB and monitoring (its /metrics)", () => {
    expect(ruleTable("plain")).toEqual(expect.arrayContaining(["node in 9001-9001/tcp sg:lb", "node in 9001-9001/tcp sg:monitoring"]));
  });

  test("a router with a worker on another node opens that worker port between nodes only", () => {
    expect(ruleTable("cross").filter((r) => r.includes("sg:node") && r.startsWith("node"))).toEqual(["node in 30000-30000/tcp sg:node", "node out 30000-30000/tcp sg:node"]);
  });
});

describe("network", () => {
  test("a new VPC: two public subnets in two AZs, one private subnet, NAT, and an S3 gateway endpoint on the private route table", () => {
    const subnets = of("plain", "aws:ec2/subnet:Subnet").map((s) => [s.name.replace("plain-aws-network-", ""), s.inputs.cidrBlock, s.inputs.availabilityZone, s.inputs.mapPublicIpOnLaunch]);
    expect(subnets.sort()).toEqual([
      ["private", "10.0.16.0/20", "us-east-1a", false],
      ["public-0", "10.0.0.0/24", "us-east-1a", false],
      ["public-1", "10.0.1.0/24", "us-east-1b", false],
    ]);
    expect(of("plain", "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
    expect(one("plain", "aws:ec2/vpcEndpoint:VpcEndpoint", "aws-network-s3")).toMatchObject({
      serviceName: "com.amazonaws.us-east-1.s3",
      vpcEndpointType: "Gateway",
      routeTableIds: ["plain-aws-network-private-id"],
    });
    expect(one("plain", "aws:ec2/route:Route", "aws-network-private-default")).toMatchObject({ destinationCidrBlock: "0.0.0.0/0", natGatewayId: "plain-aws-network-nat-id" });
  });

  test("an existing VPC: nothing network-wide is created; groups and the ALB use the given ids", () => {
    for (const t of ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/vpcEndpoint:VpcEndpoint"])
      expect(of("existing", t), t).toEqual([]);
    for (const g of of("existing", SG)) expect(g.inputs.vpcId).toBe("vpc-0a1b2c3d4e5f60718");
    expect(one("existing", LB, "aws-frontdoor-alb").subnets).toEqual(["subnet-0bbbbbbbbbbbbbbbb", "subnet-0cccccccccccccccc"]);
    expect(of("existing", TG).every((t) => t.inputs.vpcId === "vpc-0a1b2c3d4e5f60718")).toBe(true);
  });

  test("the private subnet's AZ is an output (existing: read from the subnet)", async () => {
    const net = new AwsNetwork("az-probe", { plan: plan(singleConfig(existingAws)), settings: AwsSettingsSchema.parse(existingAws).network });
    expect(await valueOf(net.availabilityZone)).toBe("us-east-1b");
    expect(await valueOf(net.privateSubnetId)).toBe("subnet-0aaaaaaaaaaaaaaaa");
  });
});

describe("API keys", () => {
  test("one SSM SecureString per service, from the Pulumi secret, under /qwen-serving/<stack>/api-keys/", () => {
    const params = of("tls", "aws:ssm/parameter:Parameter");
    expect(params.map((p) => [p.inputs.name, p.inputs.type])).toEqual([
      ["/qwen-serving/prod/api-keys/qwen3-32b", "SecureString"],
      ["/qwen-serving/prod/api-keys/qwen25-vl-32b", "SecureString"],
    ]);
    for (const p of params) expect(isSecretValue(p.inputs.value), p.name).toBe(true);
    expect(of("plain", "aws:ssm/parameter:Parameter")).toEqual([]);
  });

  test("no key text appears in any recorded input outside those secrets", () => {
    const plainText = JSON.stringify(recorded.map((r) => Object.fromEntries(Object.entries(r.inputs).filter(([, v]) => !isSecretValue(v)))));
    expect(plainText).not.toContain("sk-qwen3");
    expect(plainText).not.toContain("sk-vl");
  });
});

describe("target attachments", () => {
  test("every target is attached at its planned port on its node's instance", async () => {
    const prod = plan(prodConfig());
    const { planFrontDoor } = await import("../../../components/aws/front-door-plan");
    const layout = planFrontDoor(prod, AwsSettingsSchema.parse({}).frontDoor, frontDoorTiming(parse(prodConfig())));
    new FrontDoor("attach", {
      plan: prod,
      layout,
      settings: AwsSettingsSchema.parse({}).frontDoor,
      vpcId: "vpc-1",
      subnetIds: ["subnet-a", "subnet-b"],
      securityGroupId: "sg-1",
      instanceIds: { "gpu-0": "i-0123456789abcdef0" },
    });
    await settle();
    expect(of("attach", "aws:lb/targetGroupAttachment:TargetGroupAttachment").map((a) => [a.name, a.inputs.targetId, a.inputs.port])).toEqual([
      ["attach-qwen3-32b-gpu-0", "i-0123456789abcdef0", 9001],
      ["attach-qwen25-vl-32b-gpu-0", "i-0123456789abcdef0", 9002],
    ]);
  });

  test("a target on a node without an instance id is refused", async () => {
    const prod = plan(prodConfig());
    const { planFrontDoor } = await import("../../../components/aws/front-door-plan");
    const layout = planFrontDoor(prod, AwsSettingsSchema.parse({}).frontDoor, frontDoorTiming(parse(prodConfig())));
    expect(() => new FrontDoor("missing", { plan: prod, layout, settings: AwsSettingsSchema.parse({}).frontDoor, vpcId: "vpc-1", subnetIds: [], securityGroupId: "sg-1", instanceIds: {} })).toThrow(
      "FrontDoor 'missing': no instance id for the node of qwen3-32b on gpu-0, qwen25-vl-32b on gpu-0",
    );
  });
});

describe("routers on the nodes", () => {
  const INSTANCE = "aws:ec2/instance:Instance";
  const instanceOf = (scenario: string, node: string) => recorded.find((r) => r.type === INSTANCE && r.parent === `${scenario}-aws-${node}`)!;

  test("a router's units ride on its planned node exactly when the service has more than one replica", () => {
    const routerFiles = (scenario: string) => artifacts[scenario].map((a) => a.path).filter((p) => p.includes("sglang-router-"));
    // No registration timer: smg takes a worker that was down in by itself.
    expect(routerFiles("tls")).toEqual(["gpu-0/sglang-router-image.service", "gpu-0/sglang-router-qwen3-32b.service", "gpu-0/sglang-router-qwen25-vl-32b.service"]);
    expect(routerFiles("plain")).toEqual([]);
    expect(routerFiles("cross").filter((p) => p.startsWith("gpu-1/"))).toEqual([]);
  });

  test("the load balancer targets the router's port on the router node's instance", () => {
    const attachments = of("tls", "aws:lb/targetGroupAttachment:TargetGroupAttachment").map((a) => [a.name, a.inputs.targetId, a.inputs.port]);
    const gpu0 = mockId(INSTANCE, instanceOf("tls", "gpu-0").name);
    expect(attachments).toEqual([
      ["tls-aws-frontdoor-qwen3-32b-gpu-0", gpu0, 9001],
      ["tls-aws-frontdoor-qwen25-vl-32b-gpu-0", gpu0, 9002],
    ]);
  });

  test("a router reaches a worker on another node at that node's private IP", () => {
    const gpu1 = instanceOf("cross", "gpu-1");
    const ip = COMPUTED[INSTANCE](gpu1.name, gpu1.inputs).privateIp;
    const unit = artifacts.cross.find((a) => a.path === "gpu-0/sglang-router-qwen3-32b.service")!.content;
    expect(unit).toContain(`--worker-urls http://127.0.0.1:${PORTS.workerBase} http://${ip}:${PORTS.workerBase} `);
  });

  test("that worker's node proxy admits the router from the private subnet (no node's address is needed before it exists), the security group from the node group", () => {
    const conf = artifacts.cross.find((a) => a.path === "gpu-1/nginx.conf")!.content;
    const subnet = one("cross", SUBNET, "aws-network-private").cidrBlock as string;
    const site = conf.slice(conf.indexOf("# qwen3-32b-1:"));
    expect(site.split("\n")[0]).toBe(`# qwen3-32b-1: the public API of 127.0.0.1:${PORTS.workerBase + PORTS.loopbackOffset}, no key, for its router at ${subnet}.`);
    expect(site).toContain(`listen 0.0.0.0:${PORTS.workerBase};`);
    expect(site).toContain(`allow ${subnet};\n      deny all;`);
    const ingress = of("cross", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.fromPort === PORTS.workerBase);
    expect(ingress.map((r) => [r.inputs.securityGroupId, r.inputs.referencedSecurityGroupId])).toEqual(
      expect.arrayContaining([[mockId("aws:ec2/securityGroup:SecurityGroup", "cross-aws-network-node"), mockId("aws:ec2/securityGroup:SecurityGroup", "cross-aws-network-node")]]),
    );
  });
});

describe("router units per node", () => {
  test("same-node routers render at once with loopback workers", async () => {
    const { NodeRouters } = await import("../../../components/aws/node-routers");
    const routers = new NodeRouters(plan(prodConfig()), IMAGES.sglang, 900);
    const files = await valueOf(routers.filesFor("gpu-0"));
    expect(files.units.map((u) => u.name)).toContain("sglang-router-qwen3-32b.service");
    expect(files.units.find((u) => u.name === "sglang-router-qwen3-32b.service")!.content).toContain(`--worker-urls http://127.0.0.1:${PORTS.workerBase} http://127.0.0.1:30001 `);
  });

  test("a node without routers gets no units", async () => {
    const { NodeRouters } = await import("../../../components/aws/node-routers");
    expect(await valueOf(new NodeRouters(plan(crossNodeConfig()), "img:1", 900).filesFor("gpu-1"))).toEqual({ units: [], files: [] });
  });

  test("a router with a remote worker waits for the nodes' addresses, then uses the worker node's private IP", async () => {
    const { NodeRouters } = await import("../../../components/aws/node-routers");
    const routers = new NodeRouters(plan(crossNodeConfig()), "img:1", 900);
    const pending = valueOf(routers.filesFor("gpu-0"));
    routers.setAddresses({ "gpu-0": pulumi.output("10.0.16.5"), "gpu-1": pulumi.output("10.0.16.9") });
    const unit = (await pending).units.find((u) => u.name === "sglang-router-qwen3-32b.service")!;
    expect(unit.content).toContain(`--worker-urls http://127.0.0.1:${PORTS.workerBase} http://10.0.16.9:${PORTS.workerBase} `);
  });

  test("two nodes routing to each other are refused before anything is created", async () => {
    const { NodeRouters } = await import("../../../components/aws/node-routers");
    const cfg = crossNodeConfig();
    const [svc] = cfg.services;
    const mutual = {
      ...cfg,
      services: [
        svc,
        {
          ...svc,
          name: "qwen3-b",
          port: 9003,
          placement: [
            { node: "gpu-1", gpus: [2, 3] },
            { node: "gpu-0", gpus: [2, 3] },
          ],
        },
      ],
    };
    expect(() => new NodeRouters(plan(mutual), "img:1", 900)).toThrow(
      "qwen-serving:services[0].placement: routers on gpu-0 -> gpu-1 -> gpu-0 each need another node's address before it exists (place each routed service's replicas so that no two nodes route to each other)",
    );
  });
});
