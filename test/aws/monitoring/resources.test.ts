// The prod stack's monitoring resources under strict mocks (Pulumi.prod.yaml: no grafanaAllowedCidrs,
// so Grafana is reached through SSM port forwarding only).
import { gunzipSync } from "zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { GrafanaAccess } from "../../../components/platform";
import { Artifact } from "../../../components/render/artifact";
import { PROMETHEUS_CONFIG_PATH } from "../../../components/render/monitoring";
import { RecordedResource, installMocks, isSecretValue, mockId, settle, valueOf } from "../../../infra/mocks";
import { runProgram } from "../../../infra/program";
import { readStackFile } from "../../../infra/stack-file";
import { FakeInstance, discoveredTargets } from "./ec2-discovery";
import { PORTS, TAGS } from "../../../components/contract";

const MON = "qwen-prod-aws-monitoring";
let recorded: RecordedResource[];
let artifacts: Artifact[];
let grafana: GrafanaAccess | undefined;

beforeAll(async () => {
  const file = readStackFile(process.cwd(), "prod");
  recorded = installMocks({ project: file.project, stack: file.stack, config: file.config, secretKeys: file.secretKeys });
  const { serving, outputs } = runProgram();
  artifacts = await valueOf(serving.artifacts);
  grafana = outputs.grafana && (await valueOf(outputs.grafana));
  await settle();
});

const one = (type: string, name: string) => {
  const found = recorded.filter((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0];
};
const input = <T = unknown>(r: RecordedResource, key: string) => r.inputs[key] as T;
const monitoringSg = mockId("aws:ec2/securityGroup:SecurityGroup", "qwen-prod-aws-network-monitoring");
const instanceId = mockId("aws:ec2/instance:Instance", `${MON}-instance`);
const artifact = (p: string) => artifacts.find((a) => a.path === p)!.content;

describe("the monitoring node's resources", () => {
  it("are exactly: password parameter, role with one inline policy, profile, TSDB volume, instance, attachment", () => {
    expect(
      recorded
        .filter((r) => r.parent === MON)
        .map((r) => [r.type, r.name])
        .sort(),
    ).toEqual(
      [
        ["aws:ssm/parameter:Parameter", `${MON}-grafana-password`],
        ["aws:iam/role:Role", `${MON}-role`],
        ["aws:iam/rolePolicy:RolePolicy", `${MON}-policy`],
        ["aws:iam/instanceProfile:InstanceProfile", `${MON}-profile`],
        ["aws:ebs/volume:Volume", `${MON}-tsdb`],
        ["aws:ec2/instance:Instance", `${MON}-instance`],
        ["aws:ec2/volumeAttachment:VolumeAttachment", `${MON}-tsdb`],
        // Pulumi.prod.yaml's SNS receiver names no topic: the stack creates one.
        ["aws:sns/topic:Topic", `${MON}-alerts-oncall`],
      ].sort(),
    );
    expect(one("qwen-serving:aws:MonitoringNode", MON).parent).toBe("qwen-prod-aws");
  });

  it("the role: EC2 may assume it; it may discover instances, open Session Manager channels and read the Grafana password, nothing else", () => {
    expect(JSON.parse(input<string>(one("aws:iam/role:Role", `${MON}-role`), "assumeRolePolicy"))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    const policy = JSON.parse(input<string>(one("aws:iam/rolePolicy:RolePolicy", `${MON}-policy`), "policy"));
    const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action).sort();
    expect(actions).toEqual([
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeInstances",
      "sns:Publish",
      "ssm:GetParameter",
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]);
    const getParameter = policy.Statement.find((s: { Action: string[] }) => s.Action.includes("ssm:GetParameter"));
    expect(getParameter.Resource).toBe("arn:aws:ssm:us-east-1:123456789012:parameter/qwen-serving/prod/grafana/admin-password");
    // Alertmanager publishes to its receiver's topic, that one only.
    expect(policy.Statement.find((s: { Action: string[] }) => s.Action.includes("sns:Publish")).Resource).toEqual([one("aws:sns/topic:Topic", `${MON}-alerts-oncall`).outputs?.arn]);
    expect(policy.Statement.find((s: { Action: string[] }) => s.Action.includes("ec2:DescribeInstances")).Condition).toEqual({ StringEquals: { "aws:RequestedRegion": "us-east-1" } });
    // No managed policy (AmazonSSMManagedInstanceCore would allow ssm:GetParameter on every parameter).
    expect(recorded.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.parent === MON)).toEqual([]);
    // The profile's name: its namePrefix (components/aws/naming.ts) and Terraform's 26-character unique id.
    expect(input(one("aws:ec2/instance:Instance", `${MON}-instance`), "iamInstanceProfile")).toMatch(/^qwen-serving-prod-monitoring-\d{18}[0-9a-f]{8}$/);
  });

  it("the Grafana password is an SSM SecureString holding the Pulumi secret, and nowhere in the user data", () => {
    const param = one("aws:ssm/parameter:Parameter", `${MON}-grafana-password`);
    expect(input(param, "name")).toBe("/qwen-serving/prod/grafana/admin-password");
    expect(input(param, "type")).toBe("SecureString");
    expect(isSecretValue(input(param, "value"))).toBe(true);
    const userData = gunzipSync(Buffer.from(input<string>(one("aws:ec2/instance:Instance", `${MON}-instance`), "userDataBase64"), "base64")).toString("utf8");
    expect(userData).not.toContain("[secret]");
    expect(userData).toContain('--name "$PARAMETER"');
  });

  it("the TSDB volume is encrypted gp3 in the private subnet's AZ, attached delete-before-replace after a clean stop", () => {
    const volume = one("aws:ebs/volume:Volume", `${MON}-tsdb`);
    // The zone that sells p5.48xlarge and m7i.large (components/aws/zones.ts): this mock account's us-east-1a (use1-az3) sells no m7i.
    expect([input(volume, "encrypted"), input(volume, "type"), input(volume, "size"), input(volume, "availabilityZone")]).toEqual([true, "gp3", 100, "us-east-1b"]);
    expect(input(volume, "availabilityZone")).toBe(input(one("aws:ec2/subnet:Subnet", "qwen-prod-aws-network-private"), "availabilityZone"));
    const attachment = one("aws:ec2/volumeAttachment:VolumeAttachment", `${MON}-tsdb`);
    expect(attachment.deleteBeforeReplace).toBe(true);
    expect([input(attachment, "volumeId"), input(attachment, "instanceId"), input(attachment, "deviceName"), input(attachment, "stopInstanceBeforeDetaching")]).toEqual([
      mockId("aws:ebs/volume:Volume", `${MON}-tsdb`),
      instanceId,
      "/dev/sdf",
      true,
    ]);
  });

  it("the instance: private subnet, no public IP, IMDSv2 only, encrypted root, monitoring security group, replaced when its cloud-init changes", () => {
    const i = one("aws:ec2/instance:Instance", `${MON}-instance`);
    expect(input(i, "subnetId")).toBe(mockId("aws:ec2/subnet:Subnet", "qwen-prod-aws-network-private"));
    expect(input(i, "associatePublicIpAddress")).toBe(false);
    expect(input(i, "metadataOptions")).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(input(i, "rootBlockDevice")).toEqual({ volumeType: "gp3", volumeSize: 30, encrypted: true, deleteOnTermination: true, tags: { [TAGS.stack]: "prod", Name: `${MON}-root` } });
    // Not volumeTags: they would also claim the separately attached TSDB volume's tags (perpetual diffs).
    expect(input(i, "volumeTags")).toBeUndefined();
    expect(input(i, "vpcSecurityGroupIds")).toEqual([monitoringSg]);
    expect(input(i, "instanceType")).toBe("m7i.large");
    expect(input(i, "userDataReplaceOnChange")).toBe(true);
    expect(input(i, "tags")).toEqual({ [TAGS.stack]: "prod", Name: `${MON}-instance` });
  });

  it("the user data is the cloud-init artifact, gzipped", () => {
    const userData = input<string>(one("aws:ec2/instance:Instance", `${MON}-instance`), "userDataBase64");
    expect(gunzipSync(Buffer.from(userData, "base64")).toString("utf8")).toBe(artifact("monitoring-node/cloud-init.yaml"));
  });
});

describe("nothing reaches Prometheus or Grafana from outside without grafanaAllowedCidrs", () => {
  const ingress = () => recorded.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");

  it("the monitoring security group admits nothing, and no rule anywhere opens 9090 or 3000", () => {
    expect(ingress().filter((r) => input(r, "securityGroupId") === monitoringSg)).toEqual([]);
    const rules = recorded.filter((r) => r.type.startsWith("aws:vpc/securityGroup"));
    expect(rules.filter((r) => [9090, 3000].includes(input<number>(r, "fromPort")))).toEqual([]);
  });

  it("no Grafana listener, target group or rule on the load balancer", () => {
    expect(recorded.filter((r) => r.parent === MON && r.type.startsWith("aws:lb/"))).toEqual([]);
    expect(artifact("monitoring-node/units/grafana.service")).toContain("GF_SERVER_HTTP_ADDR=127.0.0.1 ");
  });

  it("the grafana stack output says how to forward the port through SSM", () => {
    expect(grafana).toEqual({
      url: `http://localhost:${PORTS.grafana}`,
      portForwardCommand: `aws ssm start-session --region us-east-1 --target ${instanceId} --document-name AWS-StartPortForwardingSession --parameters '{"portNumber":["3000"],"localPortNumber":["3000"]}'`,
    });
  });
});

describe("Prometheus finds every planned process on the instances as GpuNode tags them", () => {
  it("each replica's worker port, each router's metrics port, and the exporters", () => {
    const instances: FakeInstance[] = recorded
      .filter((r) => r.type === "aws:ec2/instance:Instance")
      .map((r) => ({ address: r.name, state: "running", tags: input<Record<string, string>>(r, "tags") }));
    const gpu = "qwen-prod-aws-gpu-0-instance";
    expect(instances.map((i) => i.address).sort()).toEqual([gpu, `${MON}-instance`]);
    expect(discoveredTargets(artifact(PROMETHEUS_CONFIG_PATH), instances)).toEqual({
      "sglang-qwen3-32b": [`${gpu}:${PORTS.workerBase}`, `${gpu}:30001`],
      "sglang-router-qwen3-32b": [`${gpu}:${PORTS.routerMetricsBase}`],
      "sglang-qwen25-vl-32b": [`${gpu}:30002`, `${gpu}:30003`],
      "sglang-router-qwen25-vl-32b": [`${gpu}:29001`],
      "node-exporter": [`${gpu}:${PORTS.nodeExporter}`, `${MON}-instance:${PORTS.nodeExporter}`],
      "dcgm-exporter": [`${gpu}:${PORTS.dcgmExporter}`],
    });
  });
});

describe("artifacts", () => {
  it("monitoring/ holds the config, rules, rule tests, dashboards and provisioning; monitoring-node/ the instance's files", () => {
    const paths = artifacts.map((a) => a.path).filter((p) => p.startsWith("monitoring"));
    expect(paths.sort()).toEqual(
      [
        "monitoring/prometheus.yml",
        "monitoring/rules/sglang.rules.yml",
        "monitoring/rules/sglang.rules.test.yml",
        "monitoring/grafana/dashboards/qwen-serving-sglang.json",
        "monitoring/grafana/dashboards/qwen-serving-gpu.json",
        "monitoring/grafana/provisioning/datasources/prometheus.yml",
        "monitoring/grafana/provisioning/dashboards/qwen-serving.yml",
        "monitoring/alertmanager/alertmanager.yml",
        "monitoring-node/cloud-init.yaml",
        "monitoring-node/units/qwen-monitoring-data.service",
        "monitoring-node/units/prometheus.service",
        "monitoring-node/units/alertmanager.service",
        "monitoring-node/units/grafana.service",
        "monitoring-node/units/node-exporter.service",
        "monitoring-node/units/qwen-monitoring.target",
        "monitoring-node/bin/mount-tsdb.sh",
        "monitoring-node/bin/grafana-admin-password.sh",
      ].sort(),
    );
  });
});
