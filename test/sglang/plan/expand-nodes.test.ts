import { describe, expect, test } from "vitest";
import { NODE_BOOT } from "../../../components/sglang/plan/cold-start";
import { expandNodes } from "../../../components/sglang/planner";
import { stack, svcInput } from "./fixtures";

const one = [svcInput()];
const P5 = "p5.48xlarge on-demand, us-east-1 (post-June-2025 list price, quoted in 2026 sources (retrieved 2026-11-09))";

describe("expand nodes", () => {
  test.each([
    [
      "aws: the instance type gives GPU, count, NVSwitch and price",
      {
        platform: "aws",
        nodePools: [
          { name: "gpu", instanceType: "p5.48xlarge", count: 2 },
          { name: "small", instanceType: "g6e.xlarge" },
        ],
        services: one,
      },
      [
        { name: "gpu-0", pool: "gpu", gpu: "h100-80gb", gpuCount: 8, instanceType: "p5.48xlarge", nvswitch: true, hourlyUsd: 55.04, priceSource: P5, priceRegion: "us-east-1" },
        { name: "gpu-1", pool: "gpu", gpu: "h100-80gb", gpuCount: 8, instanceType: "p5.48xlarge", nvswitch: true, hourlyUsd: 55.04, priceSource: P5, priceRegion: "us-east-1" },
        {
          name: "small-0",
          pool: "small",
          gpu: "l40s",
          gpuCount: 1,
          instanceType: "g6e.xlarge",
          nvswitch: false,
          hourlyUsd: 1.861,
          priceSource: expect.stringMatching(/^g6e\.xlarge on-demand, us-east-1 \(SkyPilot/),
          priceRegion: "us-east-1",
        },
      ],
    ],
    [
      "kubernetes: the pool states GPU and count; no instance type, no price",
      { platform: "kubernetes", nodePools: [{ name: "h100", gpu: "h100-80gb", gpusPerNode: 4, count: 2 }], services: one },
      [
        { name: "h100-0", pool: "h100", gpu: "h100-80gb", gpuCount: 4, instanceType: undefined, nvswitch: false },
        { name: "h100-1", pool: "h100", gpu: "h100-80gb", gpuCount: 4, instanceType: undefined, nvswitch: false },
      ],
    ],
    [
      "kubernetes: a pool's gpuHourlyUsd prices each node by its GPUs",
      { platform: "kubernetes", nodePools: [{ name: "h100", gpu: "h100-80gb", gpusPerNode: 4, gpuHourlyUsd: 2.5 }], services: one },
      [{ name: "h100-0", pool: "h100", gpu: "h100-80gb", gpuCount: 4, instanceType: undefined, nvswitch: false, hourlyUsd: 10, priceSource: "config gpuHourlyUsd x 4 GPUs" }],
    ],
    [
      "aws: gpuHourlyUsd (a reserved or savings-plan rate) replaces the catalog's on-demand price",
      { platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", gpuHourlyUsd: 4 }], services: one },
      [{ name: "gpu-0", pool: "gpu", gpu: "h100-80gb", gpuCount: 8, instanceType: "p5.48xlarge", nvswitch: true, hourlyUsd: 32, priceSource: "config gpuHourlyUsd x 8 GPUs" }],
    ],
    [
      "docker: one node per host, named as the host, its own pool",
      {
        platform: "docker",
        hosts: [
          { name: "h20-a", dockerHost: "ssh://ops@h20-a", gpu: "h20", gpuCount: 2, hourlyUsd: 3.5 },
          { name: "h20-b", dockerHost: "ssh://ops@h20-b", gpu: "h20", gpuCount: 2 },
          { name: "h20-c", dockerHost: "ssh://ops@h20-c", gpu: "h20", gpuCount: 2, gpuHourlyUsd: 1.25 },
        ],
        services: one,
      },
      [
        { name: "h20-a", pool: "h20-a", gpu: "h20", gpuCount: 2, nvswitch: false, hourlyUsd: 3.5, priceSource: "config hourlyUsd" },
        { name: "h20-b", pool: "h20-b", gpu: "h20", gpuCount: 2, nvswitch: false },
        { name: "h20-c", pool: "h20-c", gpu: "h20", gpuCount: 2, nvswitch: false, hourlyUsd: 2.5, priceSource: "config gpuHourlyUsd x 2 GPUs" },
      ],
    ],
  ])("%s", (_, input, want) => {
    // `boot` has its own test below.
    expect(expandNodes(stack(input), "us-east-1").map(({ boot, ...n }) => ({ ...n, gpu: n.gpu.id }))).toEqual(want);
  });

  test.each([
    ["aws", { platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 2 }], services: one }, 120, false],
    ["kubernetes", { platform: "kubernetes", nodePools: [{ name: "h100", gpu: "h100-80gb", gpusPerNode: 4 }], services: one }, 0, false],
    ["docker", { platform: "docker", hosts: [{ name: "h20-a", dockerHost: "ssh://ops@h20-a", gpu: "h20", gpuCount: 2 }], services: one }, 0, true],
  ])("%s nodes carry the platform's boot assumptions for the cold start", (platform, input, bootSeconds, cacheAssumed) => {
    for (const n of expandNodes(stack(input))) {
      expect(n.boot).toBe(NODE_BOOT[platform as keyof typeof NODE_BOOT]);
      // An instance boot is an assumption everywhere; the cache rate is a provisioned gp3 figure except on a docker host's folder.
      expect(n.boot.instanceBoot).toMatchObject({ value: bootSeconds, unit: "s", assumption: true });
      expect(n.boot.cacheRead.assumption).toBe(cacheAssumed);
    }
  });

  test("an instance type costs its region's price, or none: never us-east-1's elsewhere", () => {
    const pools = {
      platform: "aws",
      nodePools: [
        { name: "l4", instanceType: "g6.12xlarge" },
        { name: "h100", instanceType: "p5.48xlarge" },
      ],
      services: one,
    };
    const price = (region: string | undefined) => expandNodes(stack(pools), region).map((n) => [n.hourlyUsd, n.priceRegion, n.priceSource]);
    expect(price("eu-west-2")).toEqual([
      [5.8412, "eu-west-2", expect.stringMatching(/^g6\.12xlarge on-demand, eu-west-2 \(SkyPilot catalog v7 aws\/vms\.csv @27f67dd/)],
      // The catalog's regional P rows predate the June-2025 cut: no eu-west-2 price is known.
      [undefined, undefined, "no eu-west-2 price for p5.48xlarge in the catalog (known: us-east-1); set nodePools[].gpuHourlyUsd"],
    ]);
    expect(price(undefined)).toEqual([0, 1].map(() => [undefined, undefined, "the stack's AWS region is not known (aws:region): no catalog price"]));
    // A region no row names: unknown, whatever the type.
    expect(price("sa-east-1").map(([usd]) => usd)).toEqual([undefined, undefined]);
  });
});
