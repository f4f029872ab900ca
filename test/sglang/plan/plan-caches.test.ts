import { describe, expect, test } from "vitest";
import { findModel } from "../../../components/catalog";
import { formatProblem } from "../../../components/problems";
import { cacheNeedGiB, cacheProblems, cacheSizeGiB, CachedService, planCaches, retainCaches } from "../../../components/sglang/plan/plan-caches";
import { planDeployment } from "../../../components/sglang/planner";
import { stack, svcInput } from "./fixtures";
import { node } from "./fixtures";

const GiB = 2 ** 30;
const QWEN3_BYTES = 65524246528; // 61.02 GiB
const VL_BYTES = findModel("Qwen/Qwen2.5-VL-32B-Instruct")!.checkpointBytes; // 62.31 GiB
const BIG_BYTES = findModel("Qwen/Qwen3-235B-A22B")!.checkpointBytes; // 437.9 GiB

describe("the one cache-size formula: every model, a revision switch of the largest, 3% filesystem", () => {
  test.each([
    ["nothing still gets the smallest step", [], undefined, 50],
    ["20 GiB: (20 + 20) x 1.03 = 41.2", [20 * GiB], undefined, 50],
    ["Qwen3-32B alone: (61.02 + 61.02) x 1.03 = 125.7", [QWEN3_BYTES], undefined, 150],
    ["prod's two 32B models: (61.02 + 62.31 + 62.31) x 1.03 = 191.2", [QWEN3_BYTES, VL_BYTES], undefined, 200],
    ["three 32B models: (61.02 + 62.31 + 61.02 + 62.31) x 1.03 = 254.1", [QWEN3_BYTES, VL_BYTES, QWEN3_BYTES], undefined, 300],
    ["cache.sizeGiB wins (cacheProblems refuses it when too small)", [QWEN3_BYTES], 500, 500],
  ])("%s", (_, bytes, override, want) => {
    expect(cacheSizeGiB(bytes, override)).toBe(want);
  });

  test("a single checkpoint may be given as a number", () => {
    expect(cacheNeedGiB(QWEN3_BYTES)).toBeCloseTo(125.7, 1);
    expect(cacheSizeGiB(QWEN3_BYTES)).toBe(150);
  });
});

describe("cache retention", () => {
  test.each([
    [{}, "prod", true],
    [{}, "dev", false],
    [{}, "production", false],
    [{ retain: false }, "prod", false],
    [{ retain: true }, "dev", true],
  ])("%j in %s: %s", (cache, environment, want) => {
    expect(retainCaches(cache, environment)).toBe(want);
  });
});

describe("plan caches", () => {
  const nodes = [node("gpu-0", "h100-80gb", 8), node("gpu-1", "h100-80gb", 8), node("gpu-2", "h100-80gb", 8)];
  test("per node: the distinct repos placed on it in service order, a shared repo stored once, an empty node at the minimum", () => {
    const caches = planCaches(
      nodes,
      [
        { name: "a", weightsRepo: "Qwen/Qwen3-32B", checkpointBytes: QWEN3_BYTES, nodes: ["gpu-0", "gpu-0"] },
        { name: "b", weightsRepo: "Qwen/Qwen2.5-VL-32B-Instruct", checkpointBytes: VL_BYTES, nodes: ["gpu-1", "gpu-0"] },
        { name: "c", weightsRepo: "Qwen/Qwen3-32B", checkpointBytes: QWEN3_BYTES, nodes: ["gpu-1"] },
      ],
      {},
    );
    const need = cacheNeedGiB([QWEN3_BYTES, VL_BYTES]);
    expect(caches).toEqual([
      { node: "gpu-0", repos: ["Qwen/Qwen3-32B", "Qwen/Qwen2.5-VL-32B-Instruct"], weightBytes: QWEN3_BYTES + VL_BYTES, needGiB: need, sizeGiB: 200 },
      { node: "gpu-1", repos: ["Qwen/Qwen2.5-VL-32B-Instruct", "Qwen/Qwen3-32B"], weightBytes: QWEN3_BYTES + VL_BYTES, needGiB: need, sizeGiB: 200 },
      { node: "gpu-2", repos: [], weightBytes: 0, needGiB: 0, sizeGiB: 50 },
    ]);
  });

  test("cache.sizeGiB sizes every node's cache", () => {
    expect(planCaches(nodes.slice(0, 1), [{ name: "a", weightsRepo: "r/m", checkpointBytes: QWEN3_BYTES, nodes: ["gpu-0"] }], { sizeGiB: 300 }).map((c) => c.sizeGiB)).toEqual([300]);
  });
});

describe("a fixed cache.sizeGiB smaller than what a cache must hold is refused", () => {
  const svc = (name: string, weightsRepo: string, checkpointBytes: number, ...on: string[]): CachedService => ({ name, weightsRepo, checkpointBytes, nodes: on });
  const prod = [svc("qwen3-32b", "Qwen/Qwen3-32B", QWEN3_BYTES, "gpu-0"), svc("qwen25-vl-32b", "Qwen/Qwen2.5-VL-32B-Instruct", VL_BYTES, "gpu-0")];
  const one = [node("gpu-0", "h100-80gb", 8)];
  test.each([
    ["prod's models under 60 GiB", "node-volume", prod, 60, 1],
    ["prod's models under 190 GiB (the weights fit, a revision switch would not)", "node-volume", prod, 190, 1],
    ["prod's models under 200 GiB", "node-volume", prod, 200, 0],
    ["Qwen3-235B under prod's 300 GiB", "node-volume", [svc("big", "Qwen/Qwen3-235B-A22B", BIG_BYTES, "gpu-0")], 300, 1],
    ["kubernetes: each replica volume holds one model, 120 GiB is short of 125.7", "replica-volume", prod, 120, 2],
    ["kubernetes: 130 GiB holds each one", "replica-volume", prod, 130, 0],
    ["docker: a host folder is not sized by the plan", "host-folder", prod, 60, 0],
    ["no fixed size: the plan sizes it", "node-volume", prod, undefined, 0],
  ] as const)("%s", (_, kind, services, sizeGiB, count) => {
    const problems = cacheProblems(kind, planCaches(one, services, { sizeGiB }), services, { sizeGiB });
    expect(problems).toHaveLength(count);
    for (const p of problems) expect(p).toMatchObject({ path: "qwen-serving:cache.sizeGiB", value: sizeGiB });
  });

  test("the problem names what the cache holds, the need and a size that works", () => {
    const [p] = cacheProblems("node-volume", planCaches(one, prod, { sizeGiB: 60 }), prod, { sizeGiB: 60 });
    expect(formatProblem(p)).toBe(
      "qwen-serving:cache.sizeGiB: got 60; node gpu-0's cache must hold Qwen/Qwen3-32B 61.0 GiB + Qwen/Qwen2.5-VL-32B-Instruct 62.3 GiB, room to switch the largest to a new revision (62.3 GiB) and 3% filesystem overhead: 191.2 GiB (set cache.sizeGiB >= 200 (volumes can grow, never shrink), or remove it to let the plan size each cache)",
    );
  });

  test("through the planner: a model changed under prod's fixed 300 GiB is refused with the plan's other problems", () => {
    const config = stack({
      platform: "aws",
      nodePools: [{ name: "gpu", instanceType: "p5.48xlarge" }],
      cache: { sizeGiB: 300 },
      services: [svcInput({ model: "Qwen/Qwen3-235B-A22B", tp: 8 }), svcInput({ name: "other", port: 9002, tp: 3 })],
    });
    expect(() => planDeployment("prod", config)).toThrow(/cache\.sizeGiB: got 300; node gpu-0's cache must hold Qwen\/Qwen3-235B-A22B 437\.9 GiB/);
    expect(() => planDeployment("prod", config)).toThrow(/services\[1\]\.tp: tp 3 does not divide/);
  });
});
