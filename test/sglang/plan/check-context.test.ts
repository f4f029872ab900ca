import { describe, expect, test } from "vitest";
import { findModel, modelFromHfConfig } from "../../../components/catalog";
import { formatProblem } from "../../../components/problems";
import { contextProblems, contextWindow } from "../../../components/sglang/plan/check-context";
import { planDeployment } from "../../../components/sglang/planner";
import { awsStack, svcInput } from "./fixtures";
import models from "../../fixtures/models.json";

const qwen3 = findModel("Qwen/Qwen3-32B")!;
const vl = findModel("Qwen/Qwen2.5-VL-32B-Instruct")!;
const yarn = (factor: number, originalMaxPositionEmbeddings = 32768) => ({ type: "yarn" as const, factor, originalMaxPositionEmbeddings });

describe("a context beyond the model's window is refused unless allowLongerContext", () => {
  test.each([
    // model, contextLength, ropeScaling, allowLongerContext, the keys refused
    ["Qwen3-32B without rope scaling, its own window", qwen3, 40960, undefined, undefined, []],
    ["Qwen3-32B at SGLang's default context", qwen3, undefined, undefined, undefined, []],
    ["Qwen3-32B 131072 with YaRN x4 (the seed)", qwen3, 131072, yarn(4), undefined, []],
    ["Qwen3-32B 65536 with YaRN x2", qwen3, 65536, yarn(2), undefined, []],
    ["Qwen3-32B 131072 without rope scaling", qwen3, 131072, undefined, undefined, ["contextLength"]],
    ["Qwen3-32B 40961 without rope scaling", qwen3, 40961, undefined, undefined, ["contextLength"]],
    ["Qwen3-32B 131073 with YaRN x4", qwen3, 131073, yarn(4), undefined, ["contextLength"]],
    ["Qwen3-32B YaRN x8 (beyond the documented x4)", qwen3, 262144, yarn(8), undefined, ["ropeScaling.factor"]],
    ["Qwen3-32B YaRN x4.5 at 131072", qwen3, 131072, yarn(4.5), undefined, ["ropeScaling.factor"]],
    ["Qwen3-32B YaRN over the wrong native window", qwen3, 131072, yarn(4, 40960), undefined, ["ropeScaling.originalMaxPositionEmbeddings"]],
    ["Qwen3-32B 131072 without rope scaling, opted in", qwen3, 131072, undefined, true, []],
    ["Qwen3-32B YaRN x8, opted in", qwen3, 262144, yarn(8), true, []],
    ["Qwen2.5-VL-32B at 128000", vl, 128000, undefined, undefined, []],
    ["Qwen2.5-VL-32B at 200000", vl, 200000, undefined, undefined, ["contextLength"]],
    ["Qwen2.5-VL-32B at 200000, opted in", vl, 200000, undefined, true, []],
    ["Qwen2.5-VL-32B with YaRN (it would replace mrope)", vl, 128000, yarn(2), undefined, ["ropeScaling"]],
    ["Qwen2.5-VL-32B with YaRN, even opted in", vl, 256000, yarn(2), true, ["ropeScaling"]],
  ])("%s", (_, model, contextLength, ropeScaling, allowLongerContext, keys) => {
    const problems = contextProblems(0, { contextLength, ropeScaling, allowLongerContext }, model);
    expect(problems.map((p) => p.path)).toEqual(keys.map((k) => `qwen-serving:services[0].${k}`));
  });

  test("the messages say the window, how it is made and what fits", () => {
    const line = (model: typeof qwen3, svc: Parameters<typeof contextProblems>[1]) => contextProblems(0, svc, model).map(formatProblem);
    expect(line(qwen3, { contextLength: 131072 })).toEqual([
      "qwen-serving:services[0].contextLength: got 131072; is beyond Qwen/Qwen3-32B's window of 40960 tokens (max_position_embeddings 40960, no rope scaling) (ropeScaling {type: yarn, factor: 4, originalMaxPositionEmbeddings: 32768} reaches 131072; contextLength <= 40960 fits; or allowLongerContext: true runs it anyway (SGLang 0.4.9.post2 then only logs a warning; output quality past the window is not validated))",
    ]);
    expect(line(qwen3, { contextLength: 262144, ropeScaling: yarn(8) })[0]).toBe(
      "qwen-serving:services[0].ropeScaling.factor: got 8; Qwen/Qwen3-32B is documented with YaRN up to factor 4 (131072 tokens) (use factor <= 4, or allowLongerContext: true runs it anyway (SGLang 0.4.9.post2 then only logs a warning; output quality past the window is not validated))",
    );
    expect(line(vl, { contextLength: 200000 })[0]).toMatch(/^qwen-serving:services\[0\]\.contextLength: got 200000; is beyond Qwen\/Qwen2\.5-VL-32B-Instruct's window of 128000 tokens/);
    expect(line(vl, { ropeScaling: yarn(2) })[0]).toBe(
      'qwen-serving:services[0].ropeScaling: got {"type":"yarn","factor":2,"originalMaxPositionEmbeddings":32768}; Qwen/Qwen2.5-VL-32B-Instruct documents no YaRN extension (its window is 128000 tokens; the override would replace its mrope rope_scaling) (remove ropeScaling)',
    );
  });

  test("windows: native x factor with YaRN, max_position_embeddings without", () => {
    expect(contextWindow(qwen3, yarn(4)).tokens).toBe(131072);
    expect(contextWindow(qwen3, undefined).tokens).toBe(40960);
    expect(contextWindow(vl, undefined).tokens).toBe(128000);
  });

  test("a config.json model: its own YaRN config states the factor, else its architecture's", () => {
    const cfg = models.models.find((m: { model: string }) => m.model === "Qwen/Qwen3-32B")!.config;
    expect(modelFromHfConfig("a/b", cfg).yarnMaxFactor).toBe(4);
    expect(modelFromHfConfig("a/b", { ...cfg, rope_scaling: { rope_type: "yarn", factor: 2, original_max_position_embeddings: 32768 } })).toMatchObject({ yarnMaxFactor: 2, nativeContext: 32768 });
    expect(modelFromHfConfig("a/b", { ...cfg, architectures: ["LlamaForCausalLM"] }).yarnMaxFactor).toBeUndefined();
  });

  test("through the planner, with the other phases' problems", () => {
    const config = awsStack([svcInput({ contextLength: 131072 }), svcInput({ name: "vl", port: 9002, model: vl.id, contextLength: 200000 })]);
    expect(() => planDeployment("t", config)).toThrow(/services\[0\]\.contextLength: got 131072; is beyond[\s\S]*services\[1\]\.contextLength: got 200000; is beyond/);
  });
});
