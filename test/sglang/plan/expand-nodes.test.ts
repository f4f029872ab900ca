import { describe, expect, test } from "vitest";
import { expandNodes } from "../../../components/sglang/planner";
import { stack, svcInput } from "./fixtures";

const one = [svcInput()];

describe("expand nodes", () => {
  test.each([
    [
      "aws: the instance type gives GPU, count, NVSwitch and price",
      { platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 2 }, { name: "small", instanceType: "g6e.xlarge" }], services: one },
      [
        { name: "gpu-0", pool: "gpu", gpu: "h100-80gb", gpuCount: 8, instanceType: "p5.48xlarge", nvswitch: true, hourlyUsd: 55.04 },
        { name: "gpu-1", pool: "gpu", gpu: "h100-80gb", gpuCount: 8, instanceType: "p5.48xlarge", nvswitch: true, hourlyUsd: 55.04 },
        { name: "small-0", pool: "small", gpu: "l40s", gpuCount: 1, instanceType: "g6e.xlarge", nvswitch: false, hourlyUsd: 1.861 },
      ],
    ],
    [
      "kubernetes: the pool states GPU and count; no instance type, no price",
      { platform: "kubernetes", nodePools: [{ name: "h100", gpu: "h100-80gb", gpusPerNode: 4, count: 2 }], services: one },
      [
        { name: "h100-0", pool: "h100", gpu: "h100-80gb", gpuCount: 4, instanceType: undefined, nvswitch: false, hourlyUsd: undefined },
        { name: "h100-1", pool: "h100", gpu: "h100-80gb", gpuCount: 4, instanceType: undefined, nvswitch: false, hourlyUsd: undefined },
      ],
    ],
    [
      "docker: one node per host, named as the host, its own pool",
      { platform: "docker", hosts: [{ name: "h20-a", dockerHost: "ssh://ops@h20-a", gpu: "h20", gpuCount: 2, hourlyUsd: 3.5 }, { name: "h20-b", dockerHost: "ssh://ops@h20-b", gpu: "h20", gpuCount: 2 }], services: one },
      [
        { name: "h20-a", pool: "h20-a", gpu: "h20", gpuCount: 2, nvswitch: false, hourlyUsd: 3.5 },
        { name: "h20-b", pool: "h20-b", gpu: "h20", gpuCount: 2, nvswitch: false, hourlyUsd: undefined },
      ],
    ],
  ])("%s", (_, input, want) => {
    expect(expandNodes(stack(input)).map((n) => ({ ...n, gpu: n.gpu.id }))).toEqual(want);
  });
});
