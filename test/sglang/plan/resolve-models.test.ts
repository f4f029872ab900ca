import { describe, expect, test } from "vitest";
import { findModel, resolveModel } from "../../../components/catalog";
import { resolveModels } from "../../../components/sglang/plan/resolve-models";
import { tpProblems, validTps } from "../../../components/sglang/planner";
import { formatProblem } from "../../../components/problems";
import { chatRequestBody } from "../../../components/render/examples";
import { planDeployment } from "../../../components/sglang/planner";
import models from "../../fixtures/models.json";
import { awsStack, REVISION, services, svcInput } from "./fixtures";
import { NODE_PATHS } from "../../../components/contract";

const catalog = (ref: string) => resolveModel(ref);
const qwen3 = findModel("Qwen/Qwen3-32B")!;
const vl = findModel("Qwen/Qwen2.5-VL-32B-Instruct")!;

describe("resolve models", () => {
  test("catalog ids resolve; the weights folder is weights.repo, else the model id", () => {
    const r = resolveModels(services({}, { name: "mirror", port: 9002, weights: { source: "s3", repo: "mirror/qwen3", revision: "v1", s3Uri: "s3://bucket/qwen3/" } }), catalog);
    expect(r.problems).toEqual([]);
    expect(r.resolved.map((x) => [x?.model.id, x?.weightsRepo])).toEqual([
      ["Qwen/Qwen3-32B", "Qwen/Qwen3-32B"],
      ["Qwen/Qwen3-32B", "mirror/qwen3"],
    ]);
  });

  test("an unknown model is one problem at its key, and the service stays unresolved", () => {
    const r = resolveModels(services({ model: "Qwen/Nope" }, { name: "ok", port: 9002 }), catalog);
    expect(r.resolved.map((x) => x?.model.id)).toEqual([undefined, "Qwen/Qwen3-32B"]);
    expect(r.problems).toEqual([
      { path: "qwen-serving:services[0].model", rule: expect.stringMatching(/^unknown model 'Qwen\/Nope'; use a catalog id \(Qwen\/Qwen3-32B, .*\) or a path to a Hugging Face config\.json$/) },
    ]);
  });

  test("a tp SGLang refuses is reported with the valid ones, and the model still resolves", () => {
    const r = resolveModels(services({ tp: 3 }), catalog);
    expect(r.resolved[0]?.model.id).toBe("Qwen/Qwen3-32B");
    expect(r.problems).toEqual([
      { path: "qwen-serving:services[0].tp", rule: "tp 3 does not divide Qwen/Qwen3-32B's 64 attention heads", advice: "valid tp for this model: 1, 2, 4, 8" },
      { path: "qwen-serving:services[0].tp", rule: "tp 3 neither divides nor is a multiple of Qwen/Qwen3-32B's 8 KV heads", advice: "valid tp for this model: 1, 2, 4, 8" },
    ]);
  });

  test("an injected resolver replaces the catalog", () => {
    const r = resolveModels(services({ model: "local" }), () => ({ ...qwen3, id: "org/local" }));
    expect(r.resolved[0]).toMatchObject({ weightsRepo: "org/local" });
  });
});

describe("a config.json model names its repository in weights.repo", () => {
  const cfg = JSON.stringify({ ...models.models.find((m: { model: string }) => m.model === "Qwen/Qwen3-32B")!.config, _name_or_path: "/home/me/ckpt" });
  const files = (p: string) =>
    p.endsWith("config.json")
      ? cfg
      : (() => {
          throw new Error("ENOENT");
        })();
  const fromFiles = (ref: string) => resolveModel(ref, files);

  test.each([
    ["/path/to/config.json", undefined, ["qwen-serving:services[0].weights.repo"]],
    ["./ckpt/config.json", undefined, ["qwen-serving:services[0].weights.repo"]],
    ["/path/to/config.json", "Org/Tuned-32B", []],
  ])("%s with weights.repo %s", (model, repo, paths) => {
    const r = resolveModels(services({ model, weights: { source: "huggingface", revision: REVISION, ...(repo ? { repo } : {}) } }), fromFiles);
    expect(r.problems.map((p) => p.path)).toEqual(paths);
    if (repo) expect(r.resolved[0]).toMatchObject({ weightsRepo: repo, model: { id: repo, architecture: "Qwen3ForCausalLM" } });
  });

  test("the problem says what to set", () => {
    const r = resolveModels(services({ model: "/path/to/config.json" }), fromFiles);
    expect(r.problems.map(formatProblem)).toEqual([
      "qwen-serving:services[0].weights.repo: model '/path/to/config.json' is a config.json path, so the repository its weights come from must be named (set weights.repo to the repository id, e.g. Org/Name)",
    ]);
  });

  test("with it, the weights folder, the served model name and the examples use the repository id", () => {
    const config = awsStack([svcInput({ model: "/path/to/config.json", weights: { source: "huggingface", repo: "Org/Tuned-32B", revision: REVISION } })]);
    const plan = planDeployment("t", config, { resolveModel: fromFiles });
    const argv = plan.services[0].launchArgs;
    expect(argv.slice(0, 2)).toEqual(["--model-path", `${NODE_PATHS.models}/Org/Tuned-32B/`]);
    expect(argv[argv.indexOf("--served-model-name") + 1]).toBe("Org/Tuned-32B");
    expect(chatRequestBody(plan.services[0]).model).toBe("Org/Tuned-32B");
    expect(plan.caches[0].repos).toEqual(["Org/Tuned-32B"]);
  });
});

describe("SGLang's tp rules", () => {
  test.each([
    [qwen3.id, 1, []],
    [qwen3.id, 8, []],
    [qwen3.id, 16, []], // 64 heads / 16; 16 KV replicas of 8 KV heads
    [qwen3.id, 6, ["tp 6 does not divide Qwen/Qwen3-32B's 64 attention heads", "tp 6 neither divides nor is a multiple of Qwen/Qwen3-32B's 8 KV heads"]],
    [vl.id, 8, []],
    [
      vl.id,
      3,
      [
        "tp 3 does not divide Qwen/Qwen2.5-VL-32B-Instruct's 40 attention heads",
        "tp 3 neither divides nor is a multiple of Qwen/Qwen2.5-VL-32B-Instruct's 8 KV heads",
        "tp 3 does not divide Qwen/Qwen2.5-VL-32B-Instruct's 16 vision-tower heads",
      ],
    ],
    [vl.id, 5, ["tp 5 neither divides nor is a multiple of Qwen/Qwen2.5-VL-32B-Instruct's 8 KV heads", "tp 5 does not divide Qwen/Qwen2.5-VL-32B-Instruct's 16 vision-tower heads"]],
    [vl.id, 16, ["tp 16 does not divide Qwen/Qwen2.5-VL-32B-Instruct's 40 attention heads"]],
  ])("%s at tp %i", (id, tp, want) => {
    expect(tpProblems(findModel(id)!, tp)).toEqual(want);
  });

  test("valid tps up to 8", () => {
    expect(validTps(qwen3)).toEqual([1, 2, 4, 8]);
    expect(validTps(vl)).toEqual([1, 2, 4, 8]);
    expect(validTps(vl, 16)).toEqual([1, 2, 4, 8]); // 5 and 10 divide the 40 heads but not the 8 KV heads
    expect(validTps(qwen3, 2)).toEqual([1, 2]);
  });
});
