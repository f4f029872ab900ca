// Grafana through the load balancer: a stack with grafanaAllowedCidrs and a certificate, under
// strict mocks. Only those CIDRs reach the listener; only the load balancer reaches Grafana's port.
import { beforeAll, describe, expect, it } from "vitest";
import { QwenServing } from "../../../components/qwen-serving";
import { GrafanaAccess } from "../../../components/platform";
import { Artifact } from "../../../components/render/artifact";
import { RecordedResource, installMocks, mockId, settle, valueOf } from "../../../infra/mocks";
import { parse, prodConfig } from "./fixtures";
import { PORTS } from "../../../components/contract";

const CIDRS = ["203.0.113.0/24", "198.51.100.7/32"];
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const MON = "qwen-t-aws-monitoring";
const config = parse(prodConfig({ aws: { frontDoor: { domain: "llm.example.com", certificateArn: CERT }, monitoring: { grafanaAllowedCidrs: CIDRS } } }));

let recorded: RecordedResource[];
let artifacts: Artifact[];
let grafana: GrafanaAccess | undefined;

beforeAll(async () => {
  recorded = installMocks({ project: "qwen-serving", stack: "t", config: {}, secretKeys: [] });
  const serving = new QwenServing("qwen-t", { config, secrets: { grafanaAdminPassword: "not-a-real-password" }, stack: "t" });
  artifacts = await valueOf(serving.artifacts);
  grafana = serving.grafana && (await valueOf(serving.grafana));
  await settle();
});

const input = <T = unknown>(r: RecordedResource, key: string) => r.inputs[key] as T;
const sg = (name: string) => mockId("aws:ec2/securityGroup:SecurityGroup", name);
const lbSg = sg("qwen-t-aws-network-lb");
const monSg = sg("qwen-t-aws-network-monitoring");
const rulesOn = (port: number) =>
  recorded
    .filter((r) => r.type.startsWith("aws:vpc/securityGroup") && input(r, "fromPort") === port)
    .map((r) => ({ dir: r.type.includes("Ingress") ? "in" : "out", group: input(r, "securityGroupId"), peer: input(r, "cidrIpv4") ?? input(r, "referencedSecurityGroupId"), to: input(r, "toPort") }));

describe("Grafana's listener on the load balancer", () => {
  it("listens on 3000 with HTTPS and the stack's certificate, forwarding to Grafana on the monitoring instance", () => {
    const listener = recorded.find((r) => r.type === "aws:lb/listener:Listener" && r.parent === MON)!;
    const group = recorded.find((r) => r.type === "aws:lb/targetGroup:TargetGroup" && r.parent === MON)!;
    const attachment = recorded.find((r) => r.type === "aws:lb/targetGroupAttachment:TargetGroupAttachment" && r.parent === MON)!;
    // ARNs carry the physical names the provider gives (components/aws/naming.ts, infra/autoname.ts).
    const groupArn = `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${group.outputs.name}/abc`;
    expect([input(listener, "port"), input(listener, "protocol"), input(listener, "certificateArn"), input(listener, "loadBalancerArn")]).toEqual([
      3000,
      "HTTPS",
      CERT,
      "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/qwen-serving-t/abc",
    ]);
    expect(input(listener, "defaultActions")).toEqual([{ type: "forward", targetGroupArn: groupArn }]);
    expect([input(group, "port"), input(group, "protocol"), input(group, "targetType"), (input(group, "healthCheck") as { path: string }).path]).toEqual([3000, "HTTP", "instance", "/api/health"]);
    expect([input(attachment, "targetGroupArn"), input(attachment, "targetId"), input(attachment, "port")]).toEqual([groupArn, mockId("aws:ec2/instance:Instance", `${MON}-instance`), 3000]);
  });

  it("only the configured CIDRs reach the listener, and only the load balancer reaches Grafana", () => {
    expect(rulesOn(3000)).toEqual(
      expect.arrayContaining([
        { dir: "in", group: lbSg, peer: CIDRS[0], to: 3000 },
        { dir: "in", group: lbSg, peer: CIDRS[1], to: 3000 },
        { dir: "out", group: lbSg, peer: monSg, to: 3000 },
        { dir: "in", group: monSg, peer: lbSg, to: 3000 },
      ]),
    );
    expect(rulesOn(3000)).toHaveLength(4);
    const monIngress = recorded.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && input(r, "securityGroupId") === monSg);
    expect(monIngress.map((r) => [input(r, "fromPort"), input(r, "referencedSecurityGroupId")])).toEqual([[3000, lbSg]]);
    expect(rulesOn(9090)).toEqual([]);
  });

  it("Grafana binds all interfaces (the load balancer reaches it), Prometheus still loopback only", () => {
    const units = Object.fromEntries(artifacts.filter((a) => a.path.startsWith("monitoring-node/units/")).map((a) => [a.path.split("/").pop(), a.content]));
    expect(units["grafana.service"]).toContain("--env GF_SERVER_HTTP_ADDR=0.0.0.0 ");
    expect(units["prometheus.service"]).toContain(`--web.listen-address=127.0.0.1:${PORTS.prometheus}`);
  });

  it("the grafana output is the domain's URL on the listener port", () => {
    expect(grafana).toEqual({ url: `https://llm.example.com:${PORTS.grafana}` });
  });
});

describe("refusals", () => {
  // The check runs before the network: nothing under the platform component is registered.
  const registeredUnder = async (platform: string) => {
    await settle();
    return recorded.filter((r) => r.name.startsWith(`${platform}-`)).map((r) => r.name);
  };

  it("a Grafana port that a service's listener already uses", async () => {
    const clash = parse(prodConfig({ aws: { monitoring: { grafanaAllowedCidrs: CIDRS, grafanaPort: 9001 } } }));
    expect(() => new QwenServing("qwen-clash", { config: clash, secrets: { grafanaAdminPassword: "x" }, stack: "clash" })).toThrow(
      "qwen-serving:aws.monitoring.grafanaPort: got 9001; is already a load-balancer port (qwen3-32b) (pick another port for Grafana)",
    );
    expect(await registeredUnder("qwen-clash-aws")).toEqual([]);
  });

  it("monitoring without a Grafana admin password", async () => {
    expect(() => new QwenServing("qwen-nopw", { config: parse(prodConfig()), secrets: {}, stack: "nopw" })).toThrow(
      "qwen-serving:grafanaAdminPassword: monitoring is enabled and Grafana must not keep its default admin password (set it with 'pulumi config set --secret grafanaAdminPassword ...', or set monitoring.enabled false)",
    );
    expect(await registeredUnder("qwen-nopw-aws")).toEqual([]);
  });

  it("monitoring disabled: no monitoring instance and no Grafana output, no password needed", async () => {
    const off = new QwenServing("qwen-off", { config: parse(prodConfig({ monitoring: { enabled: false } })), secrets: {}, stack: "off" });
    await valueOf(off.artifacts);
    await settle();
    expect(recorded.filter((r) => r.type === "qwen-serving:aws:MonitoringNode").map((r) => r.name)).toEqual([MON]);
    expect(off.grafana).toBeUndefined();
  });
});
