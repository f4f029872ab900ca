// A program that uses QwenServing can reach the platform's main children, typed, and add what the
// component does not do (a WAF, an alarm, a tag, a container) without forking it.
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import { describe, expect, test } from "vitest";
import { PROJECT } from "../../components/contract";
import { QwenServing } from "../../components/qwen-serving";
import { installMocks, RecordedResource, settle, valueOf } from "../../infra/mocks";
import { k8sStackConfig } from "../kubernetes/helpers";
import { parse, prodConfig } from "../aws/monitoring/fixtures";
import { stackConfig } from "../support/stacks";

const PASSWORD = { grafanaAdminPassword: "not-a-real-password" };
const one = (recorded: readonly RecordedResource[], type: string, name: string) => {
  const found = recorded.filter((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0];
};

describe("escape hatches", () => {
  test("aws: a WAF on the load balancer, an alarm on its 5xx count and a tag on a GPU instance", async () => {
    const recorded = installMocks({ project: PROJECT, stack: "hatch", config: {}, secretKeys: [] });
    const serving = new QwenServing("qwen-hatch", { config: parse(prodConfig()), secrets: PASSWORD, stack: "hatch" });
    expect(serving.docker).toBeUndefined();
    expect(serving.kubernetes).toBeUndefined();
    const platform = serving.aws!;
    expect(platform.gpuNodes).toHaveLength(serving.plan.nodes.length);
    expect(platform.weightCaches).toHaveLength(serving.plan.nodes.length);
    expect(platform.monitoring).toBeDefined();

    const lb = platform.frontDoor.loadBalancer;
    new aws.wafv2.WebAclAssociation("waf", { resourceArn: lb.arn, webAclArn: "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/llm/abc" });
    new aws.cloudwatch.MetricAlarm("alb-5xx", {
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_ELB_5XX_Count",
      dimensions: { LoadBalancer: lb.arnSuffix },
      statistic: "Sum",
      period: 60,
      evaluationPeriods: 5,
      threshold: 10,
      comparisonOperator: "GreaterThanThreshold",
    });
    new aws.ec2.Tag("owner", { resourceId: platform.gpuNodes[0].instance.id, key: "owner", value: "ml-platform" });
    await valueOf(serving.artifacts);
    await settle();

    const alb = recorded.filter((r) => r.type === "aws:lb/loadBalancer:LoadBalancer");
    expect(alb.map((r) => r.parent)).toEqual(["qwen-hatch-aws-frontdoor"]);
    expect(one(recorded, "aws:wafv2/webAclAssociation:WebAclAssociation", "waf").inputs.resourceArn).toBe(await valueOf(lb.arn));
    expect(one(recorded, "aws:cloudwatch/metricAlarm:MetricAlarm", "alb-5xx").inputs.dimensions).toEqual({ LoadBalancer: await valueOf(lb.arnSuffix) });
    expect(one(recorded, "aws:ec2/tag:Tag", "owner").inputs.resourceId).toBe(await valueOf(platform.gpuNodes[0].instanceId));
  });

  test("docker: a container of the program's own on a host, through that host's provider", async () => {
    const recorded = installMocks({ project: PROJECT, stack: "hatch-docker", config: {}, secretKeys: [] });
    const config = stackConfig("h20");
    const serving = new QwenServing("qwen-hd", { config, secrets: { ...PASSWORD, hfToken: "hf_x" }, stack: "hatch-docker" });
    expect(serving.aws).toBeUndefined();
    const hosts = serving.docker!.hosts;
    expect(hosts.map((h) => h.urn)).toHaveLength(config.hosts.length);
    expect(Object.keys(hosts[0].containers)).toEqual(expect.arrayContaining(["node-exporter"]));
    new docker.Container("sidecar", { image: "busybox:1.37.0", name: "sidecar" }, { provider: hosts[0].provider });
    await settle();
    const sidecar = one(recorded, "docker:index/container:Container", "sidecar");
    expect(sidecar.inputs.image).toBe("busybox:1.37.0");
  });

  test("kubernetes: the serving workloads and cluster monitoring", async () => {
    installMocks({ project: PROJECT, stack: "hatch-k8s", config: {}, secretKeys: [] });
    const config = k8sStackConfig();
    const serving = new QwenServing("qwen-hk", { config, secrets: PASSWORD, stack: "hatch-k8s" });
    expect(serving.aws).toBeUndefined();
    expect(serving.kubernetes!.workloads).toHaveLength(config.services.length);
    expect(await valueOf(serving.kubernetes!.workloads[0].statefulSet.metadata.name)).toBeTruthy();
    expect(serving.kubernetes!.monitoring).toBeDefined();
    await settle();
  });
});
