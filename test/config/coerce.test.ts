import { describe, expect, test } from "vitest";
import { coerceScalars, withoutRefused } from "../../components/config/coerce";
import { StackConfigSchema } from "../../components/config/schema";
import { formatProblem, QwenServingError } from "../../components/problems";
import { parseStackConfig } from "../../infra/config";
import { problemsOfTheRest } from "../../infra/partial-check";

const service = { name: "qwen3-32b", model: "Qwen/Qwen3-32B", weights: { source: "huggingface", revision: "9216db5781bf21249d130ec9da846c4624c16137" }, tp: 2, port: 9001 };
const base = { platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge" }], services: [service] };

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
    return [];
  } catch (e) {
    if (!(e instanceof QwenServingError)) throw e;
    return e.problems.map(formatProblem);
  }
}

describe("values as Pulumi users set them (pulumi config set --path stores strings)", () => {
  test.each([
    ["a decimal for a number", { monitoring: { ttftP95Seconds: "2.5" } }, (c: ReturnType<typeof parseStackConfig>) => c.monitoring.ttftP95Seconds, 2.5],
    ["a leading dot", { monitoring: { kvUsageThreshold: ".9" } }, (c: ReturnType<typeof parseStackConfig>) => c.monitoring.kvUsageThreshold, 0.9],
    ["an integer in a list entry", { services: [{ ...service, tp: "4" }] }, (c: ReturnType<typeof parseStackConfig>) => c.services[0].tp, 4],
    [
      "integers in a nested list",
      { services: [{ ...service, placement: [{ node: "gpu-0", gpus: ["6", "7"] }] }] },
      (c: ReturnType<typeof parseStackConfig>) => c.services[0].placement![0].gpus,
      [6, 7],
    ],
    ["an exponent", { cache: { throughputMiBps: "1e3", iops: "6000" } }, (c: ReturnType<typeof parseStackConfig>) => c.cache.throughputMiBps, 1000],
    ["true for a boolean", { monitoring: { enabled: "true" } }, (c: ReturnType<typeof parseStackConfig>) => c.monitoring.enabled, true],
    ["false for a boolean", { cache: { retain: "false" } }, (c: ReturnType<typeof parseStackConfig>) => c.cache.retain, false],
    ["a platform setting", { aws: { frontDoor: { idleTimeoutSeconds: "600" } } }, (c: ReturnType<typeof parseStackConfig>) => c.aws!.frontDoor.idleTimeoutSeconds, 600],
    [
      "a YAML number where a string is wanted",
      { services: [{ ...service, weights: { source: "modelscope", revision: 20250101 } }] },
      (c: ReturnType<typeof parseStackConfig>) => c.services[0].weights.revision,
      "20250101",
    ],
  ])("%s", (_, over, get, want) => {
    expect(get(parseStackConfig({ ...base, ...over }))).toEqual(want);
  });

  test.each([
    ["a word for a number", { monitoring: { ttftP95Seconds: "abc" } }, 'qwen-serving:monitoring.ttftP95Seconds: got "abc"; Invalid input: expected number, received string'],
    ["an empty string", { monitoring: { ttftP95Seconds: "" } }, 'qwen-serving:monitoring.ttftP95Seconds: got ""; Invalid input: expected number, received string'],
    ["hex", { services: [{ ...service, port: "0x2329" }] }, 'qwen-serving:services[0].port: got "0x2329"; Invalid input: expected number, received string'],
    ["a fraction for an int", { services: [{ ...service, tp: "2.5" }] }, "qwen-serving:services[0].tp: got 2.5; Invalid input: expected int, received number"],
    ["yes for a boolean", { monitoring: { enabled: "yes" } }, 'qwen-serving:monitoring.enabled: got "yes"; Invalid input: expected boolean, received string'],
    ["True for a boolean", { monitoring: { enabled: "True" } }, 'qwen-serving:monitoring.enabled: got "True"; Invalid input: expected boolean, received string'],
    ["1 for a boolean", { monitoring: { enabled: "1" } }, 'qwen-serving:monitoring.enabled: got "1"; Invalid input: expected boolean, received string'],
  ])("%s still fails, naming the key", (_, over, line) => {
    expect(problems({ ...base, ...over })).toEqual([line]);
  });

  test("keys named like Object's own (constructor, toString) are unknown keys, not schema fields", () => {
    expect(problems({ ...base, constructor: 0, toString: "x" })).toEqual([
      "qwen-serving:constructor: unknown key; remove or fix the spelling",
      "qwen-serving:toString: unknown key; remove or fix the spelling",
    ]);
  });

  test("the input is not changed", () => {
    const raw = { ...base, monitoring: { ttftP95Seconds: "2.5" } };
    coerceScalars(StackConfigSchema, raw);
    expect(raw.monitoring.ttftP95Seconds).toBe("2.5");
  });
});

describe("problems of every stage in one run", () => {
  test("the plan's problems come with the config's when the refused values can be left out", () => {
    const raw = {
      ...base,
      monitoring: { ttftP95Seconds: "abc" },
      services: [
        { ...service, tp: 3 },
        { ...service, name: "other", port: 9002, chunkedPrefillSize: "x" },
      ],
    };
    const parsed = StackConfigSchema.safeParse(raw);
    expect(parsed.success).toBe(false);
    const rest = problemsOfTheRest(raw, parsed.error!.issues, { stack: "t", secrets: {} }).map(formatProblem);
    expect(rest).toEqual(expect.arrayContaining([expect.stringMatching(/^qwen-serving:services\[0\]\.tp: tp 3 does not divide/)]));
    // Nothing about the service whose tp was left out, nor about monitoring.
    expect(rest.filter((l) => l.startsWith("qwen-serving:services[1]") || l.startsWith("qwen-serving:monitoring"))).toEqual([]);
  });

  test.each([
    ["an instance type", { nodePools: [{ name: "gpu", instanceType: "p9.huge" }] }],
    ["a tp", { services: [{ ...service, tp: "two" }] }],
    ["a node pool", { services: [{ ...service, nodePool: 7 }] }],
  ])("with %s refused the rest is not planned: where replicas go would be made up", (_, over) => {
    const raw = { ...base, ...over };
    expect(problemsOfTheRest(raw, StackConfigSchema.safeParse(raw).error!.issues, { stack: "t", secrets: {} })).toEqual([]);
  });

  test("a refused required key or list entry cannot be left out: only the config's problems", () => {
    const raw = { ...base, services: [{ ...service, port: "nine" }] };
    const parsed = StackConfigSchema.safeParse(raw);
    expect(problemsOfTheRest(raw, parsed.error!.issues, { stack: "t", secrets: {} })).toEqual([]);
    expect(withoutRefused({ services: ["x"] }, StackConfigSchema.safeParse({ ...base, services: ["x"] }).error!.issues)).toBeUndefined();
  });
});
