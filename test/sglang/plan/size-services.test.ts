import { describe, expect, test } from "vitest";
import { findModel } from "../../../components/catalog";
import { NODE_BOOT } from "../../../components/sglang/plan/cold-start";
import { costPerHourUsd, sizeServices } from "../../../components/sglang/plan/size-services";
import { node, services } from "./fixtures";

const qwen3 = findModel("Qwen/Qwen3-32B")!;
const big = findModel("Qwen/Qwen3-235B-A22B")!;
const yarn = { contextLength: 131072, ropeScaling: { type: "yarn", factor: 4, originalMaxPositionEmbeddings: 32768 } };
const nodes = [node("h20-a", "h20", 2, { hourlyUsd: 3 }), node("p5-0", "h100-80gb", 8, { hourlyUsd: 55.04 }), node("l40s-0", "l40s", 4)];

describe("size services", () => {
  test("the seed's Qwen3-32B at tp 2 on H20: SGLang's defaults, its KV pool, cost and cold start", () => {
    const r = sizeServices({ services: services(yarn), models: [qwen3], slots: [[{ node: "h20-a", gpus: [0, 1] }]], nodes, cacheThroughputMiBps: 1000 });
    expect(r.problems).toEqual([]);
    expect(r.sizes[0]).toMatchObject({
      capacity: {
        gpu: "h20",
        gpuMemoryMiB: 97871,
        memFractionStatic: 0.864,
        memFractionSource: "sglang-default",
        kvTokens: 414425,
        contextLength: 131072,
        fitsContext: true,
        chunkedPrefillSize: 8192,
        maxRunningRequests: 2048,
      },
      costPerHourUsd: 3,
      // 65.5 GB of weights: 655 s from the hub at the assumed 100 MB/s, 62 s from a 1000 MiB/s cache.
      coldStart: {
        instanceBootSeconds: 120,
        imagePullSeconds: 75,
        firstDownloadSeconds: 655,
        loadFromCacheSeconds: 62,
        warmupSeconds: 90,
        firstBootSeconds: 1002,
        warmBootSeconds: 347,
        rebootSeconds: 272,
      },
    });
  });

  test("the smallest GPU among the replicas' nodes bounds the service", () => {
    const r = sizeServices({
      services: services({ replicas: 2 }),
      models: [qwen3],
      slots: [
        [
          { node: "h20-a", gpus: [0, 1] },
          { node: "p5-0", gpus: [0, 1] },
        ],
      ],
      nodes,
      cacheThroughputMiBps: 1000,
    });
    expect(r.sizes[0]?.capacity).toMatchObject({ gpu: "h100-80gb", gpuMemoryMiB: 81559 });
  });

  test("refusals, exact, with the tp, context and GPU that would fit", () => {
    const r = sizeServices({
      services: services({ name: "big", model: big.id, tp: 1, contextLength: undefined }, { name: "long", port: 9002, ...yarn }),
      models: [big, qwen3],
      slots: [[{ node: "p5-0", gpus: [0] }], [{ node: "l40s-0", gpus: [0, 1] }]],
      nodes,
      cacheThroughputMiBps: 1000,
    });
    expect(r.sizes).toEqual([undefined, undefined]);
    expect(r.problems).toEqual([
      {
        path: "qwen-serving:services[0]",
        rule: "Qwen/Qwen3-235B-A22B does not fit on h100-80gb at tp 1: weights take 437.90 GiB per GPU and leave no KV cache within mem_fraction_static 0.8740",
        advice: "tp 8 fits; or use a GPU with more memory",
      },
      {
        path: "qwen-serving:services[1].contextLength",
        rule: "KV pool of 21973 tokens on l40s at tp 2 is smaller than contextLength 131072",
        advice: "tp 4 fits; contextLength <= 21504 fits at tp 2; or use a GPU with more memory",
      },
    ]);
  });

  test("a service without a model or without slots is skipped without a problem of its own", () => {
    const r = sizeServices({
      services: services({}, { name: "other", port: 9002 }),
      models: [undefined, qwen3],
      slots: [[{ node: "h20-a", gpus: [0, 1] }], undefined],
      nodes,
      cacheThroughputMiBps: 1000,
    });
    expect(r).toEqual({ sizes: [undefined, undefined], problems: [] });
  });
});

describe("cost and cold start", () => {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  test.each([
    ["a whole 2-GPU host", [{ node: "h20-a", gpus: [0, 1] }], 3],
    [
      "two of eight GPUs, twice",
      [
        { node: "p5-0", gpus: [0, 1] },
        { node: "p5-0", gpus: [2, 3] },
      ],
      27.52,
    ],
    [
      "a node without a price makes the total unknown",
      [
        { node: "p5-0", gpus: [0] },
        { node: "l40s-0", gpus: [0] },
      ],
      undefined,
    ],
  ])("%s", (_, slots, want) => {
    expect(costPerHourUsd(slots, byName)).toBe(want);
  });

  test("a service's cold start waits for the slowest of its replicas' nodes to boot, at the stack's hub rate", () => {
    const slow = { ...NODE_BOOT.aws, instanceBoot: { ...NODE_BOOT.aws.instanceBoot, value: 300 } };
    const hubRate = { value: 50, unit: "MB/s" as const, source: "config test", assumption: false };
    const r = sizeServices({
      services: services({ replicas: 2 }),
      models: [qwen3],
      slots: [
        [
          { node: "h20-a", gpus: [0, 1] },
          { node: "p5-0", gpus: [0, 1] },
        ],
      ],
      nodes: [node("h20-a", "h20", 2, { boot: NODE_BOOT.docker }), node("p5-0", "h100-80gb", 8, { boot: slow })],
      cacheThroughputMiBps: 1000,
      hubRate,
    });
    expect(r.sizes[0]?.coldStart).toMatchObject({ instanceBootSeconds: 300, firstDownloadSeconds: 1310, inputs: { instanceBootSeconds: slow.instanceBoot, hubRateMBps: hubRate } });
  });
});
