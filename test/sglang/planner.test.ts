import { describe, expect, test } from "vitest";
import { formatProblem } from "../../components/problems";
import { planDeployment } from "../../components/sglang/planner";
import { awsStack, stack, svcInput } from "./plan/fixtures";
import { NODE_PATHS } from "../../components/contract";
import { refusal } from "../support/refusal";

describe("planDeployment composes the phases", () => {
  test("every phase's problems come back in one QwenServingError('plan'), phase by phase", () => {
    const config = awsStack(
      [
        svcInput({ name: "s0", model: "Qwen/Nope" }),
        svcInput({ name: "s1", port: 9002, tp: 3 }),
        svcInput({ name: "s2", port: 9003, placement: [{ node: "gpu-9", gpus: [0, 1] }] }),
        svcInput({ name: "s3", port: 9004, tp: 1, contextLength: 131072, ropeScaling: { type: "yarn", factor: 4, originalMaxPositionEmbeddings: 32768 }, nodePool: "small" }),
        svcInput({ name: "s4", port: 9005, extraArgs: ["--schedule-policy", "fastest"] }),
      ],
      [
        { name: "gpu", instanceType: "p5.48xlarge" },
        { name: "small", instanceType: "g6e.xlarge" },
      ],
    );
    const e = refusal(() => planDeployment("t", config));
    expect(e.stage).toBe("plan");
    expect(e.problems.map(formatProblem)).toEqual([
      "qwen-serving:services[4].extraArgs: SGLang 0.4.9.post2 would reject it: argument --schedule-policy: invalid choice: 'fastest' (choose from 'lpm', 'random', 'fcfs', 'dfs-weight')",
      "qwen-serving:services[0].model: unknown model 'Qwen/Nope'; use a catalog id (Qwen/Qwen3-32B, Qwen/Qwen3-14B, Qwen/Qwen3-8B, Qwen/Qwen3-30B-A3B, Qwen/Qwen3-235B-A22B, Qwen/Qwen2.5-VL-32B-Instruct, Qwen/Qwen2.5-VL-7B-Instruct, Qwen/Qwen2.5-VL-72B-Instruct) or a path to a Hugging Face config.json",
      "qwen-serving:services[1].tp: tp 3 does not divide Qwen/Qwen3-32B's 64 attention heads (valid tp for this model: 1, 2, 4, 8)",
      "qwen-serving:services[1].tp: tp 3 neither divides nor is a multiple of Qwen/Qwen3-32B's 8 KV heads (valid tp for this model: 1, 2, 4, 8)",
      "qwen-serving:services[2].placement[0].node: unknown node 'gpu-9' (valid: gpu-0, small-0)",
      "qwen-serving:services[3]: Qwen/Qwen3-32B does not fit on l40s at tp 1: weights take 61.02 GiB per GPU and leave no KV cache within mem_fraction_static 0.7780 (tp 4 fits; or use a GPU with more memory)",
    ]);
    expect(e.message.split("\n")[0]).toBe("the plan cannot be deployed (6 problems):");
  });

  test("facts adapters read are on the plan: the weights folder per service, node caches, retention", () => {
    const config = awsStack([svcInput({ replicas: 2 }), svcInput({ name: "mirror", port: 9002, weights: { source: "huggingface", repo: "mirror/qwen3", revision: "v1" } })]);
    const plan = planDeployment("prod", config);
    expect(plan.services.map((s) => [s.weightsRepo, s.weightCacheGiB])).toEqual([
      ["Qwen/Qwen3-32B", 150],
      ["mirror/qwen3", 150],
    ]);
    expect(plan.services[1].launchArgs.slice(0, 2)).toEqual(["--model-path", `${NODE_PATHS.models}/mirror/qwen3/`]);
    expect(plan.caches).toEqual([{ node: "gpu-0", repos: ["Qwen/Qwen3-32B", "mirror/qwen3"], weightBytes: 2 * 65524246528, needGiB: expect.closeTo(188.56, 2), sizeGiB: 200 }]);
    expect(plan.retainCaches).toBe(true);
    expect(planDeployment("dev", config).retainCaches).toBe(false);
    expect(planDeployment("dev", { ...config, environment: "prod" })).toMatchObject({ environment: "prod", retainCaches: true });
    expect(planDeployment("prod", { ...config, cache: { ...config.cache, retain: false } }).retainCaches).toBe(false);
  });

  test("the platform's traits, not its name, decide worker ports: pods share one, hosts count up", () => {
    const pools = { aws: [{ name: "gpu", instanceType: "p5.48xlarge" }], kubernetes: [{ name: "gpu", gpu: "h100-80gb", gpusPerNode: 8 }] };
    const ports = (platform: "aws" | "kubernetes") =>
      planDeployment("t", stack({ platform, nodePools: pools[platform], services: [svcInput({ replicas: 2 })] })).services[0].placement.map((p) => p.port);
    expect(ports("aws")).toEqual([30000, 30001]);
    expect(ports("kubernetes")).toEqual([30000, 30000]);
  });
});
