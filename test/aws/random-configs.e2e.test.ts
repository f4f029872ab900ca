// Random valid aws configs (fast-check, fixed seed, bounded runs) under random stack names and
// regions: whatever the pre-flight accepts must register nothing the provider or AWS refuses.
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, test } from "vitest";
import { checkLimits } from "../../components/aws/limits";
import { StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { PORTS, PROJECT } from "../../components/contract";
import { formatProblem } from "../../components/problems";
import { preflight, QwenServing } from "../../components/qwen-serving";
import { installMocks, settle, valueOf } from "../../infra/mocks";
import { qwen3, vl } from "../support/seed-services";
import { chooseZone } from "../../components/aws/zones";
import { mockOfferings, mockZones } from "../../infra/instance-offerings";
import { asRegistered } from "./stack-graph";

const small = [
  { name: "qwen3-8b", model: "Qwen/Qwen3-8B", weights: { source: "huggingface" as const, revision: "b968826d9c46dd6066d109eabc6255188de91218" }, tp: 2, contextLength: 32768 },
  { name: "qwen25-vl-7b", model: "Qwen/Qwen2.5-VL-7B-Instruct", weights: { source: "huggingface" as const, revision: "cc594898137f460bfe9f0759e9844b3ce807cfb5" }, tp: 2, chatTemplate: "qwen2-vl" },
];
const big = [qwen3, vl].map(({ port: _p, ...s }) => s);
// Instance types whose zone offerings are sourced (infra/instance-offerings.ts).
const FAMILIES = [
  { services: small, types: ["g6.12xlarge"] },
  { services: big, types: ["p5.48xlarge", "p4de.24xlarge", "p5en.48xlarge"] },
];
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-west-2", "ap-northeast-1"] as const;
const cidr = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom(8, 16, 24, 32))
  .map(([a, b, p]) => (p === 8 ? `${a}.0.0.0/8` : p === 16 ? `${a}.${b}.0.0/16` : `${a}.${b}.7.${p === 32 ? 9 : 0}/${p}`));
const serviceName = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/);

/** A config the schema accepts; the planner and the adapter's checks may still refuse it. */
const configs = fc
  .record({
    stack: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,59}$/),
    region: fc.constantFrom(...REGIONS),
    family: fc.constantFrom(...FAMILIES),
    typeIndex: fc.nat(),
    count: fc.integer({ min: 1, max: 2 }),
    services: fc.uniqueArray(fc.record({ name: serviceName, replicas: fc.integer({ min: 1, max: 2 }), port: fc.integer({ min: 8000, max: 8999 }), which: fc.nat() }), {
      minLength: 1,
      maxLength: 2,
      selector: (s) => s.name,
    }),
    allowedCidrs: fc.array(cidr, { maxLength: 3 }),
    tls: fc.boolean(),
    idleTimeoutSeconds: fc.integer({ min: 1, max: 4000 }),
    maxGenerationSeconds: fc.integer({ min: 0, max: 3600 }),
    monitoring: fc.boolean(),
    grafanaAllowedCidrs: fc.array(cidr, { maxLength: 2 }),
    grafanaPort: fc.constantFrom(3000, 3001, 8443),
    tsdbVolumeGiB: fc.integer({ min: 20, max: 16384 }),
    rootVolumeGiB: fc.integer({ min: 100, max: 16384 }),
    cache: fc.record({
      throughputMiBps: fc.integer({ min: 125, max: 2000 }),
      iops: fc.integer({ min: 3000, max: 80000 }),
      sizeGiB: fc.option(fc.integer({ min: 50, max: 65536 }), { nil: undefined }),
    }),
    apiKeys: fc.boolean(),
  })
  .filter((c) => new Set(c.services.map((s) => s.port)).size === c.services.length);

type Drawn = typeof configs extends fc.Arbitrary<infer T> ? T : never;

function toConfig(c: Drawn): StackConfigInput {
  const certificateArn = `arn:aws:acm:${c.region}:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012`;
  return {
    platform: "aws",
    nodePools: [{ name: "gpu", instanceType: c.family.types[c.typeIndex % c.family.types.length], count: c.count }],
    services: c.services.map((s) => ({ ...c.family.services[s.which % c.family.services.length], name: s.name, replicas: s.replicas, port: s.port })),
    cache: c.cache,
    monitoring: { enabled: c.monitoring },
    aws: {
      frontDoor: {
        allowedCidrs: c.allowedCidrs,
        // Shorter than the longest generation is refused (front-door-timing.test.ts); here the generator explores what is accepted.
        idleTimeoutSeconds: Math.max(c.idleTimeoutSeconds, c.maxGenerationSeconds),
        maxGenerationSeconds: c.maxGenerationSeconds,
        ...(c.tls ? { domain: "llm.example.com", certificateArn } : {}),
      },
      monitoring: { grafanaAllowedCidrs: c.grafanaAllowedCidrs, grafanaPort: c.grafanaPort, tsdbVolumeGiB: c.tsdbVolumeGiB },
      nodes: { rootVolumeGiB: c.rootVolumeGiB },
    },
  };
}

describe("random valid aws configs", () => {
  test("whatever the pre-flight accepts registers zero violations of the limits table", async () => {
    let accepted = 0;
    const refusals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(configs, async (c) => {
        const parsed = StackConfigSchema.safeParse(toConfig(c));
        if (!parsed.success) return;
        const secrets = {
          ...(c.monitoring ? { grafanaAdminPassword: pulumi.secret("random-config-password") } : {}),
          ...(c.apiKeys ? { apiKeys: Object.fromEntries(c.services.map((s) => [s.name, pulumi.secret(`sk-${s.name}`)])) } : {}),
        };
        const args = { config: parsed.data, secrets, stack: c.stack };
        const pre = preflight(args);
        if (pre.problems.length) {
          for (const p of pre.problems) refusals.set(p.path, (refusals.get(p.path) ?? 0) + 1);
          return;
        }
        // The zone check runs on EC2's answer at deploy time; the same answer here says which configs it refuses.
        const types = [parsed.data.nodePools[0].instanceType!, ...(c.monitoring ? [parsed.data.aws!.monitoring.instanceType] : [])];
        const zone = chooseZone({ region: c.region, zones: mockZones(c.region), offerings: mockOfferings(c.region, types), instanceTypes: types });
        if (!zone.zone) {
          refusals.set(`zone in ${c.region}`, (refusals.get(`zone in ${c.region}`) ?? 0) + 1);
          return;
        }
        accepted++;
        const recorded = installMocks({ project: PROJECT, stack: c.stack, config: { "aws:region": c.region }, secretKeys: [] });
        const serving = new QwenServing(`qwen-${c.stack}`, args);
        await valueOf(serving.endpoints);
        await settle();
        const violations = checkLimits(recorded.map(asRegistered));
        expect(
          violations.map((v) => `${v.limit} ${v.name} ${v.field}=${JSON.stringify(v.value)}`),
          JSON.stringify(toConfig(c)),
        ).toEqual([]);
      }),
      { seed: 4242, numRuns: 60, endOnFailure: true },
    );
    console.log(`accepted ${accepted} of 60; refused at: ${[...refusals].map(([k, n]) => `${k} x${n}`).join(", ")}`);
    // The generator must exercise the program, not only the refusals.
    expect(accepted).toBeGreaterThanOrEqual(15);
  }, 240_000);

  test("a refused config names its problems (sanity of the filter above)", () => {
    const bad = StackConfigSchema.parse({
      ...toConfig(fc.sample(configs, { seed: 1, numRuns: 1 })[0]),
      services: [{ ...small[0], name: "a1", port: PORTS.grafana }],
      monitoring: { enabled: true },
      aws: { monitoring: { grafanaAllowedCidrs: ["10.0.0.0/8"], grafanaPort: PORTS.grafana } },
    });
    expect(preflight({ config: bad, secrets: {}, stack: "x" }).problems.map(formatProblem).join("\n")).toMatch(/grafanaPort|grafanaAdminPassword/);
  });
});
