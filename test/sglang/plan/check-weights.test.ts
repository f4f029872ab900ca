import { describe, expect, test } from "vitest";
import { formatProblem } from "../../../components/problems";
import { weightsProblems } from "../../../components/sglang/plan/check-weights";

const check = (source: "modelscope" | "huggingface" | "s3", revision: string) => weightsProblems(1, { weights: { source, revision, ...(source === "s3" ? { s3Uri: "s3://b/p/" } : {}) } });

describe("a ModelScope revision must be a form ModelScope resolves (a tag or branch, not a commit id)", () => {
  test.each([
    ["modelscope", "v1.0.0", 0],
    ["modelscope", "v1", 0],
    ["modelscope", "release-2025-05", 0],
    ["modelscope", "20250101", 0],
    ["modelscope", "deadbeef", 0],
    ["modelscope", "9216db5781bf21249d130ec9da846c4624c16137", 1],
    ["modelscope", "9216DB5781BF21249D130EC9DA846C4624C16137", 1],
    ["modelscope", "9216db5", 1],
    ["modelscope", "a1".repeat(32), 1],
    ["huggingface", "9216db5781bf21249d130ec9da846c4624c16137", 0],
    ["s3", "9216db5781bf21249d130ec9da846c4624c16137", 0],
  ] as const)("%s %s: %d problems", (source, revision, count) => {
    expect(check(source, revision)).toHaveLength(count);
  });

  test("the problem cites the forms ModelScope uses and where that is written", () => {
    expect(check("modelscope", "9216db5781bf21249d130ec9da846c4624c16137").map(formatProblem)).toEqual([
      'qwen-serving:services[1].weights.revision: got "9216db5781bf21249d130ec9da846c4624c16137"; looks like a commit id, which ModelScope does not resolve: it takes a tag or branch of the model (use a tag of the model (e.g. v1.0.0), as listed on modelscope.cn/models/<repo> under its versions, or source huggingface to pin this commit (modelscope/hub/api.py get_valid_revision_detail, get_model_files (modelscope/modelscope@003d3dc)))',
    ]);
  });
});
