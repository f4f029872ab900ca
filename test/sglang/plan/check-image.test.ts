import { describe, expect, test } from "vitest";
import { formatProblem } from "../../../components/problems";
import { imageProblems } from "../../../components/sglang/plan/check-image";
import { sglangVersionOf, SUPPORTED_SGLANG_VERSIONS } from "../../../components/sglang/versions";
import { IMAGES } from "../../../components/contract";

const DIGEST = `@sha256:${"a".repeat(64)}`;

describe("the image's SGLang version must have argument and memory tables here", () => {
  test("only 0.4.9.post2 has them today", () => {
    expect(SUPPORTED_SGLANG_VERSIONS).toEqual(["0.4.9.post2"]);
  });

  test.each([
    [IMAGES.sglang, "0.4.9.post2"],
    ["lmsysorg/sglang:v0.4.9.post2-cu124", "0.4.9.post2"],
    [`${IMAGES.sglang}${DIGEST}`, "0.4.9.post2"],
    ["registry.example.com:5000/mirror/sglang:v0.4.9.post2-cu126", "0.4.9.post2"],
    ["lmsysorg/sglang:0.4.9.post2", "0.4.9.post2"],
    ["lmsysorg/sglang:v0.4.9-cu126", "0.4.9"],
    ["lmsysorg/sglang:v0.5.0rc1-cu126", "0.5.0rc1"],
    ["lmsysorg/sglang:v0.4.10.post1-cu128", "0.4.10.post1"],
    ["lmsysorg/sglang:dev", undefined],
    [`lmsysorg/sglang${DIGEST}`, undefined],
    ["registry.example.com:5000/sglang", undefined],
  ])("%s names %s", (image, version) => {
    expect(sglangVersionOf(image)).toBe(version);
  });

  test.each([
    [IMAGES.sglang, 0],
    [`${IMAGES.sglang}${DIGEST}`, 0],
    ["lmsysorg/sglang:v0.4.9-cu126", 1],
    ["lmsysorg/sglang:v0.4.9.post1-cu126", 1],
    ["lmsysorg/sglang:v0.5.0rc1-cu126", 1],
    ["lmsysorg/sglang:v0.4.10.post1-cu128", 1],
    ["myorg/sglang-custom:2026-11", 1],
    [`lmsysorg/sglang${DIGEST}`, 1],
  ])("%s: %d problems", (image, count) => {
    expect(imageProblems(image)).toHaveLength(count);
  });

  test("the problem says what is supported and how a version is added", () => {
    const [p] = imageProblems("lmsysorg/sglang:v0.5.0-cu126").map(formatProblem);
    expect(p).toMatch(
      /^qwen-serving:image: got "lmsysorg\/sglang:v0\.5\.0-cu126"; SGLang 0\.5\.0 has no argument and memory tables here \(supported: 0\.4\.9\.post2 \(e\.g\. lmsysorg\/sglang:v0\.4\.9\.post2-cu126, optionally with @sha256:<digest>\); to add a version, extract its flag table from python\/sglang\/srt\/server_args\.py into components\/sglang\/server-args\.<version>\.json/,
    );
    expect(imageProblems(`lmsysorg/sglang${DIGEST}`)[0].rule).toBe("the image tag names no SGLang version, so the plan cannot know which argument and memory tables apply");
  });
});
