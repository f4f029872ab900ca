// The AMI is visible at preview, prod keeps each instance's first image (a new DLAMI release never
// replaces a serving node), and the only node of a pool is replaced delete-before-replace.
import { beforeAll, describe, expect, test } from "vitest";
import { isSecretValue } from "../../infra/mocks";
import { awsInstancesReport } from "../../infra/aws-report";
import { planDeployment } from "../../components/sglang/planner";
import { StackConfigSchema } from "../../components/config/schema";
import { stackInput } from "../support/stacks";
import { runStack, StackRun } from "./stack-graph";

const INSTANCE = "aws:ec2/instance:Instance";
const runs: Record<string, StackRun> = {};
const json = (v: unknown) => JSON.stringify(v);

beforeAll(async () => {
  runs.prodPreview = await runStack("prod", { preview: true });
  runs.prod = await runStack("prod");
  runs.dev = await runStack("dev");
  runs.pinned = await runStack("prod", {
    edit: (c) => ({ ...c, "qwen-serving:aws": json({ ...JSON.parse(c["qwen-serving:aws"]), nodes: { amiId: "ami-0aaaaaaaaaaaaaaaa" }, monitoring: { amiId: "ami-0bbbbbbbbbbbbbbbb" } }) }),
  });
  runs.twoNodes = await runStack("prod", { edit: (c) => ({ ...c, "qwen-serving:nodePools": json([{ name: "gpu", instanceType: "p5.48xlarge", count: 2 }]) }) });
}, 60_000);

const instances = (run: StackRun) => run.recorded.filter((r) => r.type === INSTANCE);
const gpu = (run: StackRun) => instances(run).filter((r) => r.name.includes("-gpu-"));
const monitoring = (run: StackRun) => instances(run).find((r) => r.name.endsWith("-monitoring-instance"))!;

describe("AMIs and replacements", () => {
  test("pulumi preview shows the GPU node's AMI id in clear (the SSM parameter values are secret)", () => {
    for (const r of gpu(runs.prodPreview)) {
      expect(isSecretValue(r.inputs.ami), r.name).toBe(false);
      expect(r.inputs.ami).toMatch(/^ami-[0-9a-f]{8,17}$/);
    }
  });

  test("prod keeps each instance's first AMI; dev follows the latest image", () => {
    for (const r of [...gpu(runs.prod), monitoring(runs.prod)]) expect(r.ignoreChanges, r.name).toEqual(["ami"]);
    for (const r of instances(runs.dev)) expect(r.ignoreChanges, r.name).toEqual([]);
  });

  test("a pinned aws.nodes.amiId / aws.monitoring.amiId is used as given and is not ignored (changing it is the upgrade path)", () => {
    expect(gpu(runs.pinned).map((r) => [r.inputs.ami, r.ignoreChanges])).toEqual([["ami-0aaaaaaaaaaaaaaaa", []]]);
    expect([monitoring(runs.pinned).inputs.ami, monitoring(runs.pinned).ignoreChanges]).toEqual(["ami-0bbbbbbbbbbbbbbbb", []]);
  });

  test("the only node of a pool is replaced delete-before-replace; in a two-node pool each is created first", () => {
    expect(gpu(runs.prod).map((r) => r.deleteBeforeReplace)).toEqual([true]);
    expect(gpu(runs.dev).map((r) => r.deleteBeforeReplace)).toEqual([true]);
    expect(gpu(runs.twoNodes).map((r) => r.deleteBeforeReplace)).toEqual([false, false]);
  });

  test("the plan says what a newer image and a replacement do, and how to move a prod node to a newer image", () => {
    const plan = planDeployment("prod", StackConfigSchema.parse(stackInput("prod")));
    const text = awsInstancesReport(plan, runs.prod.recorded);
    expect(text).toMatch(/gpu-0 +p5\.48xlarge +us-east-1b +ami-[0-9a-f]+ +kept +delete first: qwen3-32b, qwen25-vl-32b down until the new instance has booted and loaded the weights from its cache/);
    expect(text).toContain("pulumi config set --path aws.nodes.amiId <that id>");
    expect(text).toContain("aws ssm get-parameters-by-path --path /aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest");
    expect(awsInstancesReport(planDeployment("dev", StackConfigSchema.parse(stackInput("dev"))), runs.dev.recorded)).not.toContain("prod keeps");
  });
});
