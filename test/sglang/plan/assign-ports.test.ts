import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { PORTS } from "../../../components/contract";
import { assignPorts, firstFreePort } from "../../../components/sglang/plan/assign-ports";
import { Slot } from "../../../components/sglang/planner";
import { services } from "./fixtures";

const on = (...nodes: string[]): Slot[] => nodes.map((node) => ({ node, gpus: [0] }));
const shared = { podNetwork: false };

describe("assign ports", () => {
  test("one replica binds the service port; no router, no metrics port", () => {
    expect(assignPorts(services({ port: 9001 }), [on("gpu-0")], shared)).toEqual([{ replicas: [9001] }]);
  });

  test("replicas behind a router count up from the worker base per node; routers' metrics ports count up on the router's node", () => {
    const svcs = services({ name: "svc-a", replicas: 3 }, { name: "svc-b", port: 9002, replicas: 2 }, { name: "svc-c", port: 9003, replicas: 2 });
    expect(assignPorts(svcs, [on("gpu-0", "gpu-0", "gpu-1"), on("gpu-1", "gpu-0"), on("gpu-0", "gpu-1")], shared)).toEqual([
      { replicas: [30000, 30001, 30000], routerMetrics: 29000 },
      { replicas: [30001, 30002], routerMetrics: 29000 },
      { replicas: [30003, 30002], routerMetrics: 29001 },
    ]);
  });

  test("worker and metrics ports step over service ports", () => {
    const svcs = services({ name: "svc-a", port: PORTS.workerBase, replicas: 2 }, { name: "svc-b", port: PORTS.routerMetricsBase, replicas: 2 });
    expect(assignPorts(svcs, [on("gpu-0", "gpu-0"), on("gpu-0", "gpu-0")], shared)).toEqual([
      { replicas: [30001, 30002], routerMetrics: 29001 },
      { replicas: [30003, 30004], routerMetrics: 29002 },
    ]);
  });

  test("with a pod network every worker binds the first free worker port", () => {
    const svcs = services({ name: "svc-a", replicas: 3 }, { name: "svc-b", port: PORTS.workerBase, replicas: 2 }, { name: "svc-c", port: 9003 });
    expect(assignPorts(svcs, [on("n-0", "n-0", "n-1"), on("n-1", "n-1"), on("n-0")], { podNetwork: true })).toEqual([
      { replicas: [30001, 30001, 30001], routerMetrics: 29000 },
      { replicas: [30001, 30001], routerMetrics: 29000 },
      { replicas: [9003] },
    ]);
  });

  test("a service that was not placed gets no ports and takes none", () => {
    const svcs = services({ name: "svc-a", replicas: 2 }, { name: "svc-b", port: 9002, replicas: 2 });
    expect(assignPorts(svcs, [undefined, on("gpu-0", "gpu-0")], shared)).toEqual([undefined, { replicas: [30000, 30001], routerMetrics: 29000 }]);
  });

  test.each([
    [30000, [], 30000],
    [30000, [30000, 30001, 30003], 30002],
  ])("first free port from %i past %j is %i", (from, taken, want) => {
    expect(firstFreePort(from, new Set(taken))).toBe(want);
  });
});

describe("properties", () => {
  // Service ports drawn around the bases, so collisions are likely if the phase ever stops avoiding them.
  const port = fc.oneof(
    fc.integer({ min: PORTS.routerMetricsBase - 2, max: PORTS.routerMetricsBase + 6 }),
    fc.integer({ min: PORTS.workerBase - 2, max: PORTS.workerBase + 6 }),
    fc.integer({ min: 9000, max: 9003 }),
  );
  const spec = fc
    .array(fc.record({ port, nodes: fc.array(fc.constantFrom("n-0", "n-1", "n-2"), { minLength: 1, maxLength: 5 }) }), { minLength: 1, maxLength: 5 })
    .map((s) => s.filter((x, i) => s.findIndex((y) => y.port === x.port) === i));

  test("on a shared host no two processes on a node bind the same port", () => {
    fc.assert(
      fc.property(spec, (spec) => {
        const svcs = services(...spec.map((s, i) => ({ name: `s${i}x`, port: s.port, replicas: s.nodes.length })));
        const slots = spec.map((s) => on(...s.nodes));
        const bound = new Map<string, number>();
        const bind = (node: string, p: number) => {
          expect(bound.has(`${node}:${p}`), `${node}:${p} twice`).toBe(false);
          bound.set(`${node}:${p}`, 1);
        };
        assignPorts(svcs, slots, shared).forEach((ports, si) => {
          ports!.replicas.forEach((p, r) => bind(slots[si][r].node, p));
          if (ports!.routerMetrics !== undefined) {
            bind(slots[si][0].node, svcs[si].port);
            bind(slots[si][0].node, ports!.routerMetrics);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  test("with a pod network all workers share one port that no service uses", () => {
    fc.assert(
      fc.property(spec, (spec) => {
        const svcs = services(...spec.map((s, i) => ({ name: `s${i}x`, port: s.port, replicas: s.nodes.length })));
        const workers = assignPorts(
          svcs,
          spec.map((s) => on(...s.nodes)),
          { podNetwork: true },
        ).flatMap((p) => (p!.routerMetrics === undefined ? [] : p!.replicas));
        expect(new Set(workers).size).toBeLessThanOrEqual(1);
        for (const w of workers) expect(svcs.map((s) => s.port)).not.toContain(w);
      }),
      { numRuns: 200 },
    );
  });
});
