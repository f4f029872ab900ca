import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { planDeployment } from "../../components/sglang/planner";
import { PORTS } from "../../components/contract";
import { QwenServingError, formatProblem } from "../../components/problems";
import { refusal } from "../support/refusal";
import { qwen3 } from "../support/seed-services";

const svc = (over: Record<string, unknown> = {}) => ({ ...qwen3, ...over });
const aws = (services: unknown[], pools: unknown[] = [{ name: "gpu", instanceType: "p5.48xlarge" }]) => StackConfigSchema.parse({ platform: "aws", nodePools: pools, services } as StackConfigInput);

const planProblems = (config: ReturnType<typeof aws>): string[] => refusal(() => planDeployment("t", config), "plan").problems.map(formatProblem);

describe("placement", () => {
  test("replicas take aligned GPU pairs first-fit; a router fronts them on the service port", () => {
    const plan = planDeployment("t", aws([svc({ replicas: 2 }), svc({ name: "vl", model: "Qwen/Qwen2.5-VL-32B-Instruct", port: 9002, contextLength: 128000, ropeScaling: undefined })]));
    const [q, vl] = plan.services;
    expect(q.placement.map((p) => [p.node, p.gpus, p.port])).toEqual([
      ["gpu-0", [0, 1], PORTS.workerBase],
      ["gpu-0", [2, 3], PORTS.workerBase + 1],
    ]);
    expect(q.router).toMatchObject({
      node: "gpu-0",
      port: 9001,
      policy: "power_of_two",
      workers: [
        { node: "gpu-0", port: PORTS.workerBase },
        { node: "gpu-0", port: 30001 },
      ],
    });
    expect(vl.placement).toEqual([expect.objectContaining({ node: "gpu-0", gpus: [4, 5], port: 9002 })]);
    expect(vl.router).toBeUndefined();
  });

  test("explicit GPUs are honoured and first-fit works around them", () => {
    const plan = planDeployment("t", aws([svc({ name: "svc-a" }), svc({ name: "svc-b", port: 9002, placement: [{ node: "gpu-0", gpus: [0, 1] }] })]));
    expect(plan.services.find((s) => s.name === "svc-b")!.placement[0].gpus).toEqual([0, 1]);
    expect(plan.services.find((s) => s.name === "svc-a")!.placement[0].gpus).toEqual([2, 3]);
  });

  test("running out of GPUs is refused with what is left", () => {
    expect(planProblems(aws([svc({ replicas: 5 })]))).toEqual([
      "qwen-serving:services[0].replicas: replica 4 of 'qwen3-32b' needs 2 GPUs but none are left (gpu-0: 0 free of 8) (add nodes, raise a pool's count, or lower replicas/tp)",
    ]);
  });

  test("GPUs that do not exist or are taken twice are refused", () => {
    expect(planProblems(aws([svc({ placement: [{ node: "gpu-0", gpus: [8, 9] }] }), svc({ name: "svc-b", port: 9002, placement: [{ node: "gpu-1", gpus: [0, 1] }] })]))).toEqual([
      "qwen-serving:services[0].placement[0].gpus: node 'gpu-0' has 8 GPUs (0-7); [8, 9] do not exist",
      "qwen-serving:services[1].placement[0].node: unknown node 'gpu-1' (valid: gpu-0)",
    ]);
  });

  test("cost is the service's share of its nodes", () => {
    const plan = planDeployment("t", aws([svc({ replicas: 2 })]), { region: "us-east-1" });
    expect(plan.services[0].costPerHourUsd).toBeCloseTo((55.04 * 4) / 8, 2);
  });
});

describe("refusals with advice", () => {
  test("tp that does not divide the heads", () => {
    expect(planProblems(aws([svc({ tp: 3 })]))).toEqual(
      expect.arrayContaining(["qwen-serving:services[0].tp: tp 3 does not divide Qwen/Qwen3-32B's 64 attention heads (valid tp for this model: 1, 2, 4, 8)"]),
    );
  });

  test("a KV pool smaller than the context suggests a tp, a context and fp8 that would fit", () => {
    const [p] = planProblems(aws([svc({ tp: 2 })], [{ name: "gpu", instanceType: "g6e.12xlarge" }]));
    expect(p).toMatch(
      /^qwen-serving:services\[0\]\.contextLength: KV pool of [\d]+ tokens on l40s at tp 2 is smaller than contextLength 131072 \(tp 4 fits; contextLength <= \d+ fits at tp 2; .*or use a GPU with more memory\)$/,
    );
  });

  test("weights that leave no KV cache at all", () => {
    const [p] = planProblems(aws([svc({ model: "Qwen/Qwen3-235B-A22B", tp: 1, ropeScaling: undefined, contextLength: undefined })], [{ name: "gpu", instanceType: "p5.4xlarge" }]));
    expect(p).toMatch(/^qwen-serving:services\[0\]: Qwen\/Qwen3-235B-A22B does not fit on h100-80gb at tp 1: weights take 437\.\d\d GiB per GPU/);
  });

  test("an extra arg SGLang would reject is refused before deploy", () => {
    expect(planProblems(aws([svc({ extraArgs: ["--schedule-policy", "fastest"] })]))).toEqual([
      "qwen-serving:services[0].extraArgs: SGLang 0.4.9.post2 would reject it: argument --schedule-policy: invalid choice: 'fastest' (choose from 'lpm', 'random', 'fcfs', 'dfs-weight')",
    ]);
  });

  test("all problems of all services come together", () => {
    expect(planProblems(aws([svc({ tp: 3 }), svc({ name: "svc-b", port: 9002, model: "Qwen/Nope" })])).length).toBeGreaterThanOrEqual(3);
  });
});

describe("properties", () => {
  test("no two replicas share a GPU and no two processes on a node share a port", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ tp: fc.constantFrom(1, 2, 4), replicas: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 }), (specs, count) => {
        const config = aws(
          specs.map((s, i) => svc({ name: `s${i}`, port: 9001 + i, tp: s.tp, replicas: s.replicas, contextLength: 32768, ropeScaling: undefined })),
          [{ name: "gpu", instanceType: "p5en.48xlarge", count }],
        );
        let plan;
        try {
          plan = planDeployment("t", config);
        } catch (e) {
          expect((e as QwenServingError).problems.every((p) => p.rule.includes("none are left"))).toBe(true);
          return;
        }
        const gpus = new Set<string>();
        const ports = new Set<string>();
        for (const s of plan.services) {
          for (const r of s.placement) {
            for (const g of r.gpus) {
              expect(gpus.has(`${r.node}/${g}`)).toBe(false);
              gpus.add(`${r.node}/${g}`);
            }
            expect(ports.has(`${r.node}:${r.port}`)).toBe(false);
            ports.add(`${r.node}:${r.port}`);
          }
          if (s.router)
            for (const p of [s.router.port, s.router.metricsPort]) {
              expect(ports.has(`${s.router.node}:${p}`)).toBe(false);
              ports.add(`${s.router.node}:${p}`);
            }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("cold start", () => {
  test("cache.hubRateMBps replaces the assumed hub rate in the first-boot estimate, and says it was set", () => {
    const base = (hubRateMBps?: number) =>
      StackConfigSchema.parse({ platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge" }], services: [svc()], cache: { hubRateMBps } } as StackConfigInput);
    const assumed = planDeployment("t", base()).services[0].coldStart;
    const set = planDeployment("t", base(50)).services[0].coldStart;
    expect(assumed.inputs.hubRateMBps.assumption).toBe(true);
    expect(set.inputs.hubRateMBps).toEqual({ value: 50, unit: "MB/s", source: "config cache.hubRateMBps", assumption: false });
    // Half the assumed 100 MB/s: the first download takes twice as long; a warm boot does not download.
    expect(Math.abs(set.firstDownloadSeconds - 2 * assumed.firstDownloadSeconds)).toBeLessThanOrEqual(1);
    expect(set.warmBootSeconds).toBe(assumed.warmBootSeconds);
  });
});
