import { describe, expect, test } from "vitest";
import { configWarnings } from "../../infra/config-warnings";

describe("keys nothing reads are warnings that name them", () => {
  test.each([
    [["qwen-serving:platform", "aws:region"], []],
    [["qwen-serving:platform", "aws:region", "aws:profile", "aws:defaultTags", "aws:skipCredentialsValidation", "docker:host", "kubernetes:context", "pulumi:tags"], []],
    [
      ["qwen-servng:platform"],
      ["namespace 'qwen-servng:' ('qwen-servng:platform') is read by nothing here (did you mean 'qwen-serving:'?); this program reads 'qwen-serving:', 'aws:', 'docker:', 'kubernetes:'"],
    ],
    [
      ["qwen_serving:services", "qwen_serving:platform"],
      [
        "namespace 'qwen_serving:' ('qwen_serving:services', 'qwen_serving:platform') is read by nothing here (did you mean 'qwen-serving:'?); this program reads 'qwen-serving:', 'aws:', 'docker:', 'kubernetes:'",
      ],
    ],
    [["qwenserving:platform"], [expect.stringContaining("(did you mean 'qwen-serving:'?)")]],
    [["myapp:thing"], ["namespace 'myapp:' ('myapp:thing') is read by nothing here; this program reads 'qwen-serving:', 'aws:', 'docker:', 'kubernetes:'"]],
    [["aws:regoin"], ["'aws:regoin' is not a setting of the aws provider, so nothing reads it (did you mean 'aws:region'?)"]],
    [["aws:Region"], ["'aws:Region' is not a setting of the aws provider, so nothing reads it (did you mean 'aws:region'?)"]],
    [["aws:defaultTag"], ["'aws:defaultTag' is not a setting of the aws provider, so nothing reads it (did you mean 'aws:defaultTags'?)"]],
    [["aws:instanceType"], ["'aws:instanceType' is not a setting of the aws provider, so nothing reads it"]],
    [["docker:hots"], ["'docker:hots' is not a setting of the docker provider, so nothing reads it (did you mean 'docker:host'?)"]],
  ])("%j", (keys, want) => {
    expect(configWarnings(keys)).toEqual(want);
  });
});
