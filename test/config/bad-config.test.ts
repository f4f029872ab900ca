import { describe, expect, test } from "vitest";
import { installMocks, settle } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { QwenServingError } from "../../components/problems";

describe("nothing is registered when config is bad", () => {
  test("a config error and a plan error both stop before the first resource", async () => {
    const recorded = installMocks({
      project: "qwen-serving",
      stack: "bad",
      config: {
        "qwen-serving:platform": "aws",
        "qwen-serving:nodePools": JSON.stringify([{ name: "gpu", instanceType: "g6e.xlarge" }]),
        "qwen-serving:services": JSON.stringify([{ name: "qwen3-32b", model: "Qwen/Qwen3-32B", weights: { source: "huggingface", revision: "abc1234" }, tp: 2, port: 9001 }]),
      },
      secretKeys: [],
    });
    expect(() => runProgram()).toThrow(expect.objectContaining({ name: "QwenServingError", stage: "plan" }));
    await settle();
    expect(recorded).toEqual([]);
  });
});

describe("plain-text secrets are refused", () => {
  test("an API key stored without --secret is named", () => {
    installMocks({
      project: "qwen-serving",
      stack: "bad2",
      config: {
        "qwen-serving:platform": "aws",
        "qwen-serving:nodePools": JSON.stringify([{ name: "gpu", instanceType: "p5.48xlarge" }]),
        "qwen-serving:services": JSON.stringify([{ name: "qwen3-32b", model: "Qwen/Qwen3-32B", weights: { source: "huggingface", revision: "abc1234" }, tp: 2, port: 9001 }]),
        "qwen-serving:hfToken": "hf_plaintext",
      },
      secretKeys: [],
    });
    expect(() => runProgram()).toThrow(QwenServingError);
    expect(() => runProgram()).toThrow("qwen-serving:hfToken: is stored in plain text (set it with 'pulumi config set --secret hfToken ...')");
  });
});
