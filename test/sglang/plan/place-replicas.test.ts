import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { pickGpus, placeReplicas } from "../../../components/sglang/plan/place-replicas";
import { node, services } from "./fixtures";

const p5 = node("gpu-0", "h100-80gb", 8);

describe("pick GPUs", () => {
  test.each([
    ["an aligned block first", [0, 1, 2, 3, 4, 5, 6, 7], 8, 2, [0, 1]],
    ["the next aligned block when the first is partly taken", [1, 2, 3, 4, 5, 6, 7], 8, 2, [2, 3]],
    ["the lowest free GPUs when no aligned block is free", [1, 2, 5, 6], 8, 2, [1, 2]],
    ["nothing when too few are free", [3], 8, 2, undefined],
    ["a whole node", [0, 1, 2, 3], 4, 4, [0, 1, 2, 3]],
  ])("%s", (_, free, count, tp, want) => {
    expect(pickGpus(new Set(free), count, tp)).toEqual(want);
  });
});

describe("place replicas", () => {
  test("first fit in config order, aligned pairs", () => {
    const r = placeReplicas(services({ replicas: 2 }, { name: "vl", port: 9002, tp: 4 }), [p5]);
    expect(r.problems).toEqual([]);
    expect(r.slots).toEqual([
      [
        { node: "gpu-0", gpus: [0, 1] },
        { node: "gpu-0", gpus: [2, 3] },
      ],
      [{ node: "gpu-0", gpus: [4, 5, 6, 7] }],
    ]);
  });

  test("explicit placements are taken first, whatever their service's place in config", () => {
    const r = placeReplicas(services({ name: "svc-a" }, { name: "svc-b", port: 9002, placement: [{ node: "gpu-0", gpus: [0, 1] }] }), [p5]);
    expect(r.slots).toEqual([[{ node: "gpu-0", gpus: [2, 3] }], [{ node: "gpu-0", gpus: [0, 1] }]]);
  });

  test("a service's nodePool limits where first fit looks", () => {
    const nodes = [node("pa-0", "h100-80gb", 2), node("pb-0", "h100-80gb", 2)];
    const r = placeReplicas(services({ nodePool: "pb" }), nodes);
    expect(r.slots).toEqual([[{ node: "pb-0", gpus: [0, 1] }]]);
  });

  test("spills to the next node when one is full", () => {
    const r = placeReplicas(services({ replicas: 3 }), [node("gpu-0", "l40s", 4), node("gpu-1", "l40s", 4)]);
    expect(r.slots[0]).toEqual([
      { node: "gpu-0", gpus: [0, 1] },
      { node: "gpu-0", gpus: [2, 3] },
      { node: "gpu-1", gpus: [0, 1] },
    ]);
  });

  test("every refusal, exact, and the services it concerns stay unplaced", () => {
    const r = placeReplicas(
      services(
        { name: "s0", placement: [{ node: "gpu-0", gpus: [8, 9] }] },
        { name: "s1", port: 9002, placement: [{ node: "gpu-1", gpus: [0, 1] }] },
        { name: "s2", port: 9003, placement: [{ node: "gpu-0", gpus: [2, 3] }] },
        { name: "s3", port: 9004, placement: [{ node: "gpu-0", gpus: [3, 4] }] },
        { name: "s4", port: 9005, tp: 4, replicas: 2 },
      ),
      [p5],
    );
    expect(r.problems).toEqual([
      { path: "qwen-serving:services[0].placement[0].gpus", rule: "node 'gpu-0' has 8 GPUs (0-7); [8, 9] do not exist" },
      { path: "qwen-serving:services[1].placement[0].node", rule: "unknown node 'gpu-1'", advice: "valid: gpu-0" },
      { path: "qwen-serving:services[3].placement[0].gpus", rule: "GPUs [3] of node 'gpu-0' are already placed" },
      { path: "qwen-serving:services[4].replicas", rule: "replica 1 of 's4' needs 4 GPUs but none are left (gpu-0: 2 free of 8)", advice: "add nodes, raise a pool's count, or lower replicas/tp" },
    ]);
    expect(r.slots).toEqual([undefined, undefined, [{ node: "gpu-0", gpus: [2, 3] }], undefined, undefined]);
  });

  test("no node in the pool says so", () => {
    const r = placeReplicas(services({ nodePool: "gone" }), [p5]);
    expect(r.problems.map((p) => p.rule)).toEqual(["replica 0 of 'qwen3-32b' needs 2 GPUs but none are left (no nodes)"]);
  });
});

describe("properties", () => {
  const specs = fc.array(fc.record({ tp: fc.constantFrom(1, 2, 4, 8), replicas: fc.integer({ min: 1, max: 4 }), pool: fc.constantFrom(undefined, "pa", "pb") }), { minLength: 1, maxLength: 6 });
  const pools = fc.record({ a: fc.integer({ min: 1, max: 3 }), b: fc.integer({ min: 0, max: 2 }), gpus: fc.constantFrom(4, 8) });

  test("GPU indices are disjoint per node, exist on it, each replica gets tp of them on its pool; refusals are only for lack of GPUs", () => {
    fc.assert(
      fc.property(specs, pools, (spec, p) => {
        const nodes = [...Array.from({ length: p.a }, (_, i) => node(`pa-${i}`, "h100-80gb", p.gpus)), ...Array.from({ length: p.b }, (_, i) => node(`pb-${i}`, "h100-80gb", p.gpus))];
        const svcs = services(...spec.map((s, i) => ({ name: `s${i}`, port: 9001 + i, tp: s.tp, replicas: s.replicas, ...(s.pool && (s.pool === "pa" || p.b > 0) ? { nodePool: s.pool } : {}) })));
        const r = placeReplicas(svcs, nodes);
        const used = new Set<string>();
        r.slots.forEach((slots, si) => {
          if (!slots) return;
          expect(slots).toHaveLength(svcs[si].replicas);
          for (const s of slots) {
            const n = nodes.find((x) => x.name === s.node)!;
            if (svcs[si].nodePool) expect(n.pool).toBe(svcs[si].nodePool);
            expect(s.gpus).toHaveLength(svcs[si].tp);
            for (const g of s.gpus) {
              expect(g).toBeGreaterThanOrEqual(0);
              expect(g).toBeLessThan(n.gpuCount);
              expect(used.has(`${s.node}/${g}`)).toBe(false);
              used.add(`${s.node}/${g}`);
            }
          }
        });
        for (const prob of r.problems) expect(prob.rule).toContain("none are left");
        // A refused service is one that really did not fit: every unplaced service has a problem.
        expect(r.problems.length).toBe(r.slots.filter((s) => s === undefined).length);
      }),
      { numRuns: 150 },
    );
  });
});
