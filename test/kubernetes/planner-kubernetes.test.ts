import { describe, expect, test } from "vitest";
import { StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { PORTS } from "../../components/contract";
import { cacheSizeGiB, planDeployment } from "../../components/sglang/planner";
import { qwen3 } from "../support/seed-services";

const config = (platform: "aws" | "kubernetes", over: Record<string, unknown> = {}) =>
  StackConfigSchema.parse({
    platform,
    nodePools: platform === "aws" ? [{ name: "gpu", instanceType: "p5.48xlarge" }] : [{ name: "h100", gpu: "h100-80gb", gpusPerNode: 8 }],
    services: [{ ...qwen3, replicas: 3 }],
    ...over,
  } as StackConfigInput);

describe("planner numbers the kubernetes adapter relies on", () => {
  test("on kubernetes every replica of a routed service binds the same worker port, so one pod template serves them", () => {
    const [svc] = planDeployment("t", config("kubernetes")).services;
    expect(svc.placement.map((p) => p.port)).toEqual([PORTS.workerBase, PORTS.workerBase, PORTS.workerBase]);
    expect(new Set(svc.placement.map((p) => JSON.stringify(p.launchArgs))).size).toBe(1);
    expect(svc.router?.port).toBe(9001);
  });

  test("on a shared host (aws) replicas on one node still get distinct worker ports", () => {
    const [svc] = planDeployment("t", config("aws")).services;
    expect(svc.placement.map((p) => p.port)).toEqual([PORTS.workerBase, PORTS.workerBase + 1, PORTS.workerBase + 2]);
  });

  test("the pod worker port skips a service port that collides with it", () => {
    const [svc] = planDeployment("t", config("kubernetes", { services: [{ ...qwen3, replicas: 2, port: PORTS.workerBase }] })).services;
    expect(svc.placement.map((p) => p.port)).toEqual([PORTS.workerBase + 1, PORTS.workerBase + 1]);
  });

  test("each replica's weight volume: the one cache-size formula over its checkpoint, or cache.sizeGiB when set", () => {
    const [auto] = planDeployment("t", config("kubernetes")).services;
    expect(auto.weightCacheGiB).toBe(cacheSizeGiB(auto.model.checkpointBytes));
    const [fixed] = planDeployment("t", config("kubernetes", { cache: { sizeGiB: 300 } })).services;
    expect(fixed.weightCacheGiB).toBe(300);
  });
});
