// Config keys each in range on their own that together break a gp3 rule are refused before any
// resource exists, at the key to change (found by the random-config run: iops 79997 on a 51 GiB cache).
import { describe, expect, test } from "vitest";
import { awsLimitProblems } from "../../components/aws/config-limits";
import { StackConfigSchema } from "../../components/config/schema";
import { formatProblem } from "../../components/problems";
import { preflight } from "../../components/qwen-serving";
import { planDeployment } from "../../components/sglang/planner";
import { prodConfig } from "./front-door/fixtures";

const withCache = (cache: Record<string, number>) => StackConfigSchema.parse({ ...prodConfig(), cache });
/** Prod's shape with one Qwen3-8B (15 GiB), which a 51 GiB cache holds (the planner refuses prod's 123 GiB of models in it). */
const smallWithCache = (cache: Record<string, number>) => {
  const [svc] = prodConfig().services as Record<string, unknown>[];
  return StackConfigSchema.parse({ ...prodConfig(), services: [{ ...svc, model: "Qwen/Qwen3-8B" }], cache });
};
const problems = (cache: Record<string, number>, make = withCache) => {
  const config = make(cache);
  return awsLimitProblems(planDeployment("prod", config), config).map(formatProblem);
};

describe("gp3 rules across cache keys", () => {
  test("the stacks' caches pass", () => {
    expect(problems({ sizeGiB: 300, throughputMiBps: 1000, iops: 6000 })).toEqual([]);
    expect(problems({ throughputMiBps: 125, iops: 3000 })).toEqual([]);
  });

  test("more IOPS than 500 per GiB of the cache is refused at cache.iops, with the sizes that would work", () => {
    expect(problems({ sizeGiB: 51, throughputMiBps: 1000, iops: 79997 }, smallWithCache)).toEqual([
      "qwen-serving:cache.iops: got 79997; is more than gp3's 500 IOPS per GiB of a 51 GiB cache volume (use at most 25500, or set cache.sizeGiB to at least 160)",
    ]);
  });

  test("QwenServing's pre-flight reports them with the platform's problems", () => {
    const pre = preflight({ config: smallWithCache({ sizeGiB: 51, throughputMiBps: 1000, iops: 79997 }), secrets: { grafanaAdminPassword: "x" }, stack: "prod" });
    // Reported with whatever else the stage finds (other checks are not this test's subject).
    expect(pre.problems.map((p) => p.path)).toContain("qwen-serving:cache.iops");
  });
});
