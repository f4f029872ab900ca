import { describe, expect, it } from "vitest";
import { StackConfigSchema } from "../../../components/config/schema";
import { planDeployment } from "../../../components/sglang/planner";

const service = (name: string, model: string, port: number, extra: object = {}) => ({
  name,
  model,
  port,
  tp: 2,
  weights: { source: "huggingface", revision: "0123456789abcdef0123456789abcdef01234567" },
  ...extra,
});

describe("planned weight caches", () => {
  it("sizes each node's cache from the models placed on it, plus a revision switch of the largest, rounded up to 50 GiB", () => {
    const config = StackConfigSchema.parse({
      platform: "aws",
      nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 2 }],
      services: [
        service("qwen3-32b", "Qwen/Qwen3-32B", 9001, { replicas: 4, placement: [0, 1, 2, 3].map((i) => ({ node: "gpu-0", gpus: [2 * i, 2 * i + 1] })) }),
        service("qwen25-vl-32b", "Qwen/Qwen2.5-VL-32B-Instruct", 9002, { placement: [{ node: "gpu-1", gpus: [0, 1] }] }),
      ],
    });
    const plan = planDeployment("prod", config);
    const qwen3 = 65524246528;
    expect(plan.caches.map((c) => ({ node: c.node, repos: c.repos, sizeGiB: c.sizeGiB }))).toEqual([
      { node: "gpu-0", repos: ["Qwen/Qwen3-32B"], sizeGiB: 150 }, // (61.02 + 61.02) GiB x 1.03 = 125.7
      { node: "gpu-1", repos: ["Qwen/Qwen2.5-VL-32B-Instruct"], sizeGiB: 150 },
    ]);
    expect(plan.caches[0].weightBytes).toBe(qwen3);
  });

  it("cache.sizeGiB sizes every node's cache (the formula's own table: test/sglang/plan/plan-caches.test.ts)", () => {
    const config = StackConfigSchema.parse({
      platform: "aws",
      nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 2 }],
      cache: { sizeGiB: 500 },
      services: [service("qwen3-32b", "Qwen/Qwen3-32B", 9001)],
    });
    expect(planDeployment("dev", config).caches.map((c) => c.sizeGiB)).toEqual([500, 500]);
  });
});
