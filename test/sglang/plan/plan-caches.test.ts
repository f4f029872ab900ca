import { describe, expect, test } from "vitest";
import { cacheSizeGiB, planCaches, retainCaches } from "../../../components/sglang/plan/plan-caches";
import { node } from "./fixtures";

const GiB = 2 ** 30;
const QWEN3_BYTES = 65524246528; // 61.02 GiB

describe("the one cache-size formula", () => {
  test.each([
    ["nothing still gets the smallest step", 0, undefined, 50],
    ["38 GiB x 1.3 = 49.4", 38 * GiB, undefined, 50],
    ["38.5 GiB x 1.3 = 50.05", 38.5 * GiB, undefined, 100],
    ["Qwen3-32B: 61.02 GiB x 1.3 = 79.3", QWEN3_BYTES, undefined, 100],
    ["two 32B checkpoints + 1 byte: 158.7", 2 * QWEN3_BYTES + 1, undefined, 200],
    ["cache.sizeGiB wins", QWEN3_BYTES, 500, 500],
    ["cache.sizeGiB wins even when small", 10 * QWEN3_BYTES, 50, 50],
  ])("%s", (_, bytes, override, want) => {
    expect(cacheSizeGiB(bytes, override)).toBe(want);
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
    const caches = planCaches(nodes, [
      { weightsRepo: "Qwen/Qwen3-32B", checkpointBytes: QWEN3_BYTES, nodes: ["gpu-0", "gpu-0"] },
      { weightsRepo: "Qwen/Qwen2.5-VL-32B-Instruct", checkpointBytes: 66905436672, nodes: ["gpu-1", "gpu-0"] },
      { weightsRepo: "Qwen/Qwen3-32B", checkpointBytes: QWEN3_BYTES, nodes: ["gpu-1"] },
    ], {});
    expect(caches).toEqual([
      { node: "gpu-0", repos: ["Qwen/Qwen3-32B", "Qwen/Qwen2.5-VL-32B-Instruct"], weightBytes: QWEN3_BYTES + 66905436672, sizeGiB: 200 },
      { node: "gpu-1", repos: ["Qwen/Qwen2.5-VL-32B-Instruct", "Qwen/Qwen3-32B"], weightBytes: QWEN3_BYTES + 66905436672, sizeGiB: 200 },
      { node: "gpu-2", repos: [], weightBytes: 0, sizeGiB: 50 },
    ]);
  });

  test("cache.sizeGiB sizes every node's cache", () => {
    expect(planCaches(nodes.slice(0, 1), [{ weightsRepo: "r/m", checkpointBytes: QWEN3_BYTES, nodes: ["gpu-0"] }], { sizeGiB: 300 }).map((c) => c.sizeGiB)).toEqual([300]);
  });
});
