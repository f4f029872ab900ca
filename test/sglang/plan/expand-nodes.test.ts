import { describe, expect, test } from "vitest";
import { expandNodes } from "../../../components/sglang/planner";
import { stack, svcInput } from "./fixtures";

const one = [svcInput()];
const P5 = "p5.48xlarge on-demand, us-east-1 (post-June-2025 list price, quoted in 2026 sources (retrieved 2026-11-09))";

describe("expand nodes", () => {
  test.each([
    [
      "aws: the instance type gives GPU, count, NVSwitch and price",
      { platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 2 }, { name: "small", instanceType: "g6e.xlarge" }], services: one },
      [
        { name: "gpu-0", pool: "gpu", gpu: "h100-80gb", gpuCount: 8, instanceType: "p5.48xlarge", nvswitch: true, hourlyUsd: 55.04, priceSource: P5 },
        { name: "gpu-1", pool: "gpu", gpu: "h100-80gb", gpuCount: 8, instanceType: "p5.48xlarge", nvswitch: true, hourlyUsd: 55.04, priceSource: P5 },
        { name: "small-0", pool: "small", gpu: "l40s", gpuCount: 1, instanceType: "g6e.xlarge", nvswitch: false, hourlyUsd: 1.861, priceSource: expect.stringMatching(/^g6e\.xlarge on-demand, us-east-1 \(SkyPilot/) },
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
      { platform: "docker", hosts: [{ name: "h20-a", dockerHost: "ssh://ops@h20-a", gpu: "h20", gpuCount: 2, hourlyUsd: 3.5 }, { name: "h20-b", dockerHost: "ssh://ops@h20-b", gpu: "h20", gpuCount: 2 }, { name: "h20-c", dockerHost: "ssh://ops@h20-c", gpu: "h20", gpuCount: 2, gpuHourlyUsd: 1.25 }], services: one },
      [
        { name: "h20-a", pool: "h20-a", gpu: "h20", gpuCount: 2, nvswitch: false, hourlyUsd: 3.5, priceSource: "config hourlyUsd" },
        { name: "h20-b", pool: "h20-b", gpu: "h20", gpuCount: 2, nvswitch: false },
        { name: "h20-c", pool: "h20-c", gpu: "h20", gpuCount: 2, nvswitch: false, hourlyUsd: 2.5, priceSource: "config gpuHourlyUsd x 2 GPUs" },
      ],
    ],
  ])("%s", (_, input, want) => {
    expect(expandNodes(stack(input)).map((n) => ({ ...n, gpu: n.gpu.id }))).toEqual(want);
  });
});
