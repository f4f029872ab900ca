import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ACCELERATOR_IDS, INSTANCE_TYPE_NAMES, MODEL_IDS } from "../../components/catalog";
import { StackConfigSchema } from "../../components/config/schema";
import { planDeployment } from "../../components/sglang/planner";
import { PROJECT } from "../../components/contract";
import { QwenServingError, formatProblem } from "../../components/problems";
import { installMocks, settle } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { qwen3 } from "../support/seed-services";

/**
 * A config every check accepts: the shape the mutations below start from. Numbers written as
 * decimal strings ("2") are valid (Pulumi stores `config set --path` values as strings), so the
 * mutations use strings that are not numbers.
 */
const valid = () => ({
  platform: "aws",
  nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 1 }],
  services: [
    // A deep copy: every mutation starts from the seed's own service.
    structuredClone(qwen3),
    { name: "qwen25-vl-32b", model: "Qwen/Qwen2.5-VL-32B-Instruct", weights: { source: "modelscope", revision: "v1.0.0" }, tp: 2, port: 9002, chatTemplate: "qwen2-vl" },
  ],
  cache: { throughputMiBps: 1000, iops: 6000 },
  monitoring: { retentionDays: 15 },
});

type Path = (string | number)[];
/** One way to break a config, and the key its error must name. */
interface Mutation {
  readonly path: Path;
  readonly value: unknown;
}

const junk = fc.oneof(fc.constant(null), fc.string({ maxLength: 8 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant([]), fc.constant({}), fc.double({ noNaN: true, min: -1e9, max: 1e9 }));

// Each entry: a key and values guaranteed invalid for it.
const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: fc.constant<Path>(["platform"]), value: fc.oneof(fc.constantFrom("gcp", "AWS", "", "k8s"), fc.integer()) }),
  fc.record({ path: fc.constant<Path>(["image"]), value: fc.constantFrom("lmsysorg/sglang:latest", "lmsysorg/sglang", "", "bad image!") }),
  fc.record({ path: fc.constant<Path>(["environment"]), value: fc.constantFrom("Prod", "p", "-x", 42) }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("tp")).map((p) => p as Path),
    value: fc.oneof(fc.integer({ min: 9, max: 99 }), fc.integer({ min: -9, max: 0 }), fc.constantFrom(1.5, "two", "2.5", null)),
  }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("port")).map((p) => p as Path),
    value: fc.oneof(fc.integer({ min: -100, max: 1023 }), fc.integer({ min: 65536, max: 10 ** 6 }), fc.constant("9001/tcp")),
  }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("name")).map((p) => p as Path),
    value: fc.oneof(fc.constantFrom("Qwen", "a", "x_y", "1abc", "-a", "a-", ""), fc.string({ minLength: 41, maxLength: 50 })),
  }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("replicas")).map((p) => p as Path),
    value: fc.oneof(fc.integer({ min: 17, max: 1000 }), fc.integer({ max: 0 }), fc.constant(2.5)),
  }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("memFractionStatic")).map((p) => p as Path),
    value: fc.oneof(fc.double({ min: 0.99, max: 10, noNaN: true }), fc.double({ min: -1, max: 0.1, noNaN: true }), fc.constant("0.8x")),
  }),
  fc.record({ path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("kvCacheDtype")).map((p) => p as Path), value: fc.constantFrom("fp16", "FP8", "int8", 8) }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("contextLength")).map((p) => p as Path),
    value: fc.oneof(fc.integer({ max: 255 }), fc.integer({ min: 1_048_577 }), fc.constant("128k")),
  }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("extraArgs")).map((p) => p as Path),
    value: fc.oneof(fc.constant("--enable-metrics"), fc.constant([true, null]), fc.constant({})),
  }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("weights"), fc.constant("source")).map((p) => p as Path),
    value: fc.constantFrom("hf", "HuggingFace", "gcs", "", 1),
  }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("weights"), fc.constant("revision")).map((p) => p as Path),
    value: fc.constantFrom("main", "master", "latest", "HEAD", "", true),
  }),
  fc.record({
    path: fc.tuple(fc.constant("services"), fc.constantFrom(0, 1), fc.constant("weights"), fc.constant("repo")).map((p) => p as Path),
    value: fc.constantFrom("Qwen3", "a/b/c", "", "Qwen /x"),
  }),
  fc.record({
    path: fc
      .tuple(
        fc.constant("services"),
        fc.constantFrom(0, 1),
        fc.string({ minLength: 3, maxLength: 10 }).filter((k) => /^[a-z]+$/.test(k) && !["name", "model", "weights", "tp", "replicas", "port", "placement"].includes(k)),
      )
      .map((p) => p as Path),
    value: junk,
  }),
  fc.record({ path: fc.tuple(fc.constant("nodePools"), fc.constant(0), fc.constant("instanceType")).map((p) => p as Path), value: fc.constantFrom("p5.96xlarge", "m5.large", "", "P5.48XLARGE") }),
  fc.record({
    path: fc.tuple(fc.constant("nodePools"), fc.constant(0), fc.constant("count")).map((p) => p as Path),
    value: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 33, max: 1000 }), fc.constant("one")),
  }),
  fc.record({ path: fc.constant<Path>(["cache", "throughputMiBps"]), value: fc.oneof(fc.integer({ max: 124 }), fc.integer({ min: 2001, max: 10 ** 5 })) }),
  fc.record({ path: fc.constant<Path>(["cache", "iops"]), value: fc.oneof(fc.integer({ max: 2999 }), fc.integer({ min: 80001, max: 10 ** 7 })) }),
  fc.record({ path: fc.constant<Path>(["monitoring", "retentionDays"]), value: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 3651, max: 10 ** 6 }), fc.constant("15d")) }),
  fc.record({ path: fc.constant<Path>(["monitoring", "kvUsageThreshold"]), value: fc.oneof(fc.double({ min: 1, max: 5, noNaN: true }), fc.double({ min: -5, max: 0, noNaN: true })) }),
  fc.record({
    path: fc
      .string({ minLength: 2, maxLength: 12 })
      .filter((k) => /^[a-zA-Z]+$/.test(k) && !Object.keys(StackConfigSchema.shape).includes(k))
      .map((k) => [k] as Path),
    value: junk,
  }),
  fc.record({ path: fc.constantFrom<Path>(["services"], ["platform"], ["services", 0, "model"], ["services", 0, "weights"], ["services", 0, "port"]), value: fc.constant(undefined) }),
);

function apply(config: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  const copy = structuredClone(config);
  let target: Record<string | number, unknown> = copy;
  for (const key of m.path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = m.path[m.path.length - 1];
  if (m.value === undefined) delete target[last];
  else target[last] = m.value;
  return copy;
}

const keyOf = (path: Path) =>
  `${PROJECT}:${path[0]}${path
    .slice(1)
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`))
    .join("")}`;

describe("config fuzzing", () => {
  test("1000+ random invalid configs: each rejected naming the key, nothing registered, no crash", async () => {
    let tried = 0;
    let clean = 0;
    await fc.assert(
      fc.asyncProperty(mutations, async (m) => {
        tried++;
        const broken = apply(valid(), m);
        const recorded = installMocks({
          project: PROJECT,
          stack: "fuzz",
          config: Object.fromEntries(Object.entries(broken).map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
          secretKeys: [],
        });
        let error: unknown;
        try {
          runProgram();
        } catch (e) {
          error = e;
        }
        await settle();
        expect(error, `accepted: ${JSON.stringify(m)}`).toBeInstanceOf(QwenServingError);
        const key = keyOf(m.path);
        expect((error as QwenServingError).stage).toBe("config");
        const problems = (error as QwenServingError).problems.map(formatProblem);
        expect(
          problems.some((p) => p.startsWith(key) || (m.path.length === 1 && p.includes(`${PROJECT}:${String(m.path[0])}`))),
          `${key} not named in ${JSON.stringify(problems)}`,
        ).toBe(true);
        expect(recorded).toEqual([]);
        clean++;
      }),
      { numRuns: 1200, seed: 20261126 },
    );
    expect(tried).toBe(1200);
    expect(clean).toBe(tried);
  });

  test("random valid configs either plan or are refused with an actionable plan problem, never a crash", () => {
    let planned = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.record({
          instanceType: fc.constantFrom(...INSTANCE_TYPE_NAMES),
          count: fc.integer({ min: 1, max: 2 }),
          services: fc.array(
            fc.record({
              model: fc.constantFrom(...MODEL_IDS),
              tp: fc.constantFrom(1, 2, 4, 8),
              replicas: fc.integer({ min: 1, max: 3 }),
              contextLength: fc.option(fc.integer({ min: 1024, max: 262_144 }), { nil: undefined }),
              kvCacheDtype: fc.constantFrom("auto", "fp8_e4m3"),
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        (g) => {
          const config = StackConfigSchema.parse({
            platform: "aws",
            nodePools: [{ name: "gpu", instanceType: g.instanceType, count: g.count }],
            services: g.services.map((s, i) => ({ ...s, name: `svc-${i}`, port: 9001 + i, weights: { source: "huggingface", revision: "0123456789abcdef0123456789abcdef01234567" } })),
          });
          try {
            const plan = planDeployment("fuzz", config);
            for (const s of plan.services) expect(s.capacity.kvTokens).toBeGreaterThanOrEqual(s.capacity.contextLength);
            planned++;
          } catch (e) {
            expect(e).toBeInstanceOf(QwenServingError);
            expect((e as QwenServingError).stage).toBe("plan");
            for (const p of (e as QwenServingError).problems) {
              expect(p.path).toMatch(/^qwen-serving:services\[\d+\]/);
              expect(p.rule.length).toBeGreaterThan(10);
            }
            refused++;
          }
        },
      ),
      { numRuns: 500, seed: 20261126 },
    );
    expect(planned).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

test("the accelerator list the fuzzers draw from is the catalog's", () => {
  expect(ACCELERATOR_IDS).toContain("h20");
});
