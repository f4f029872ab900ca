import { describe, expect, test } from "vitest";
import { planDeployment } from "../../components/sglang/planner";
import { planBudget, PricedResource } from "../../infra/budget";
import { stack, svcInput } from "../sglang/plan/fixtures";
import { TAGS } from "../../components/contract";

const aws = (services: Record<string, unknown>[], pools: unknown[] = [{ name: "gpu", instanceType: "p5.48xlarge" }], region = "us-east-1") =>
  planDeployment("t", stack({ platform: "aws", nodePools: pools, services }), { region });
const gpuInstance: PricedResource = {
  type: "aws:ec2/instance:Instance",
  name: "gpu-0-instance",
  inputs: { instanceType: "p5.48xlarge", tags: { [TAGS.node]: "gpu-0" }, rootBlockDevice: { volumeType: "gp3", volumeSize: 200 } },
};
const AWS_ITEMS: PricedResource[] = [
  gpuInstance,
  { type: "aws:ec2/instance:Instance", name: "mon-instance", inputs: { instanceType: "m7i.large", tags: {}, rootBlockDevice: { volumeType: "gp3", volumeSize: 30 } } },
  { type: "aws:ebs/volume:Volume", name: "weights", inputs: { type: "gp3", size: 300, iops: 6000, throughput: 1000 } },
  { type: "aws:lb/loadBalancer:LoadBalancer", name: "alb", inputs: { internal: false, subnets: ["a", "b"] } },
  { type: "aws:ec2/natGateway:NatGateway", name: "nat", inputs: {} },
  { type: "aws:ec2/eip:Eip", name: "nat-ip", inputs: {} },
];

describe("the budget", () => {
  test("a node costs its whole price; idle GPUs are shown as idle", () => {
    const b = planBudget(aws([svcInput()]), [gpuInstance], "us-east-1");
    expect(b.nodes).toEqual([
      {
        node: "gpu-0",
        instanceType: "p5.48xlarge",
        gpu: "h100-80gb",
        gpus: 8,
        gpusUsed: 2,
        gpusIdle: 6,
        usdPerHour: 55.04,
        priceSource: expect.stringMatching(/^p5\.48xlarge on-demand, us-east-1 /),
        priceRegion: "us-east-1",
      },
    ]);
    expect(b.lines[0]).toMatchObject({ item: "node gpu-0 (p5.48xlarge, 8 x h100-80gb: 2 used, 6 idle)", usdPerHour: 55.04, usdPerMonth: 40179.2 });
  });

  test("every priced aws item, per hour and per month (730 h), from us-east-1 list prices", () => {
    const b = planBudget(aws([svcInput()]), AWS_ITEMS, "us-east-1");
    const byItem = Object.fromEntries(b.lines.map((l) => [l.item.split(" (")[0], l.usdPerMonth]));
    expect(byItem).toEqual({
      "node gpu-0": 40179.2,
      "gp3 root of gpu-0-instance": 16, // 200 GiB x $0.08
      "instance mon-instance": 73.58, // $0.1008 x 730
      "gp3 root of mon-instance": 2.4,
      "gp3 weights": 74, // 300 x 0.08 + 3000 IOPS x 0.005 + 875 MiB/s x 0.04
      "load balancer alb": 23.73, // ($0.0225 + 2 x $0.005) x 730
      "NAT gateway nat": 32.85,
      "public IPv4 nat-ip": 3.65,
    });
    expect(b.totalUsdPerMonth).toBeCloseTo(
      Object.values(byItem).reduce<number>((a, x) => a + (x ?? 0), 0),
      1,
    );
    expect(b.unknown).toEqual([]);
  });

  test("another region: the prices are unknown, and so is the total (never a guess)", () => {
    const b = planBudget(aws([svcInput()], undefined, "eu-west-1"), AWS_ITEMS, "eu-west-1");
    expect(b.totalUsdPerHour).toBeNull();
    expect(b.unknown).toHaveLength(AWS_ITEMS.length + 2); // the node, 2 roots, the other five
    expect(b.nodes[0]).toMatchObject({ usdPerHour: null, priceRegion: null, priceSource: "no eu-west-1 price for p5.48xlarge in the catalog (known: us-east-1); set nodePools[].gpuHourlyUsd" });
    expect(b.lines[0].source).toBe(b.nodes[0].priceSource);
  });

  test("an eu-west-2 node costs eu-west-2's price; a plan priced for another region is not used", () => {
    const l4 = [{ name: "gpu", instanceType: "g6.12xlarge" }];
    const b = planBudget(aws([svcInput({ tp: 4 })], l4, "eu-west-2"), [], "eu-west-2");
    expect(b.nodes[0]).toMatchObject({ usdPerHour: 5.8412, priceRegion: "eu-west-2" });
    expect(b.totalUsdPerHour).toBe(5.8412);
    // A plan made for us-east-1 budgeted for an eu-west-2 stack: unknown, not 4.6016.
    const stale = planBudget(aws([svcInput({ tp: 4 })], l4, "us-east-1"), [], "eu-west-2");
    expect(stale.nodes[0]).toMatchObject({ usdPerHour: null, priceRegion: null, priceSource: "the plan's price is us-east-1's, the stack is in eu-west-2" });
  });

  test("gpuHourlyUsd prices a node anywhere, and kubernetes and docker nodes at all", () => {
    expect(planBudget(aws([svcInput()], [{ name: "gpu", instanceType: "p5.48xlarge", gpuHourlyUsd: 3 }], "eu-west-1"), [], "eu-west-1").nodes[0]).toMatchObject({
      usdPerHour: 24,
      priceRegion: null,
      priceSource: "config gpuHourlyUsd x 8 GPUs",
    });
    const k8s = planDeployment("t", stack({ platform: "kubernetes", nodePools: [{ name: "gpu", gpu: "h100-80gb", gpusPerNode: 8, count: 2, gpuHourlyUsd: 2.5 }], services: [svcInput()] }));
    const b = planBudget(k8s, [], undefined);
    expect(b).toMatchObject({ region: null, totalUsdPerHour: 40, unknown: [] });
    expect(b.nodes.map((n) => [n.node, n.gpusUsed, n.gpusIdle])).toEqual([
      ["gpu-0", 2, 6],
      ["gpu-1", 0, 8],
    ]);
    const unpriced = planBudget(planDeployment("t", stack({ platform: "kubernetes", nodePools: [{ name: "gpu", gpu: "h100-80gb", gpusPerNode: 8 }], services: [svcInput()] })), [], undefined);
    expect(unpriced).toMatchObject({ totalUsdPerHour: null, unknown: ["node gpu-0 (machine, 8 x h100-80gb: 2 used, 6 idle)"] });
    expect(unpriced.lines[0].source).toBe("no price known: set gpuHourlyUsd (or hourlyUsd on a docker host)");
  });
});
