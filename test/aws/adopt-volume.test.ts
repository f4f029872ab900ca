// A new stack takes over a weight cache a destroyed prod stack retained (aws.nodes.cacheVolumeIds):
// the volume is read, not created; the node lands in its zone; the weights are not downloaded again.
import { beforeAll, describe, expect, test } from "vitest";
import { adoptedVolumeProblems, agreedZone } from "../../components/aws/reservations";
import { StackConfigSchema } from "../../components/config/schema";
import { formatProblem } from "../../components/problems";
import { planDeployment } from "../../components/sglang/planner";
import { stackInput } from "../support/stacks";
import { runStack, StackRun } from "./stack-graph";

const VOL = "vol-0feedfacecafe0001";
let run: StackRun;

beforeAll(async () => {
  run = await runStack("prod", { edit: (c) => ({ ...c, "qwen-serving:aws": JSON.stringify({ ...JSON.parse(c["qwen-serving:aws"]), nodes: { cacheVolumeIds: { "gpu-0": VOL } } }) }) });
}, 60_000);

describe("adopting a retained weight volume", () => {
  test("no weight volume is created for the node; the instance mounts the retained one, in its zone", () => {
    const created = run.recorded.filter((r) => r.type === "aws:ebs/volume:Volume" && r.name.includes("-gpu-0-"));
    expect(created).toEqual([]);
    const attachment = run.recorded.find((r) => r.type === "aws:ec2/volumeAttachment:VolumeAttachment" && r.name.endsWith("-gpu-0-cache"))!;
    expect(attachment.inputs.volumeId).toBe(VOL);
    const instance = run.recorded.find((r) => r.type === "aws:ec2/instance:Instance" && r.name.endsWith("-gpu-0-instance"))!;
    expect(instance.inputs.availabilityZone).toBe("us-east-1e");
    expect(run.artifacts.find((a) => a.path === "gpu-0/mount-cache.sh")!.content).toContain(`VOLUME_ID='${VOL}'`);
  });

  test("a node name that is not planned is refused (a typo would download everything again)", () => {
    const config = StackConfigSchema.parse({ ...stackInput("prod"), aws: { ...stackInput("prod").aws, nodes: { cacheVolumeIds: { "gpu-1": VOL } } } });
    expect(adoptedVolumeProblems(planDeployment("prod", config), config).map(formatProblem)).toEqual([
      `qwen-serving:aws.nodes.cacheVolumeIds.gpu-1: got "${VOL}"; names no planned node (planned nodes: gpu-0)`,
    ]);
  });

  test("a retained volume and a capacity reservation in different zones are refused", () => {
    const z = agreedZone([
      { zone: "us-east-1d", why: "capacity reservation cr-0a1b2c3d4e5f60718", path: "nodePools[0].capacityReservation.id" },
      { zone: "us-east-1e", why: `retained weight volume ${VOL}`, path: "aws.nodes.cacheVolumeIds.gpu-0" },
    ]);
    expect(z.problems.map((p) => [p.path, p.rule])).toEqual([
      ["qwen-serving:aws.nodes.cacheVolumeIds.gpu-0", "puts the stack in us-east-1e, but capacity reservation cr-0a1b2c3d4e5f60718 is in us-east-1d"],
    ]);
  });
});
