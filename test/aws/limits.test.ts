// The provider-faithful limits table, rule by rule: a resource that keeps every limit passes, and
// each row has a bad fixture proving it fires (and fires only that row).
import { gzipSync } from "zlib";
import { describe, expect, test } from "vitest";
import { AWS_LIMITS, checkLimits, LIMITS, RegisteredResource, T } from "../../components/aws/limits";
import { TAGS } from "../../components/contract";

const r = (type: string, inputs: Record<string, unknown>, extra: Partial<RegisteredResource> = {}): RegisteredResource => ({ type, name: `${type.split(":").pop()}-x`, inputs, ...extra });
const okHealth = { interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3, matcher: "200" };
const listenerArn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/a/b/c";
const rule = (priority: number, conditions: unknown[]) => r(T.rule, { listenerArn, priority, conditions, actions: [] });
const random = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919 + 13) % 251));

/** One resource that keeps every limit, per row; fixtures below change one thing. */
const GOOD: RegisteredResource[] = [
  r(T.lb, { loadBalancerType: "application", idleTimeout: 900 }, { outputs: { name: "qwen-serving-prod" } }),
  r(T.tg, { healthCheck: okHealth, deregistrationDelay: 900, slowStart: 0, namePrefix: "q1a2b-" }, { outputs: { name: "q1a2b-01234567890123456789abcdef" } }),
  rule(10, [{ pathPattern: { values: ["/v1/*", "/generate", "/health"] } }, { httpHeader: { httpHeaderName: "X-Model", values: ["a"] } }]),
  rule(11, [{ pathPattern: { values: ["/get_model_info"] } }]),
  r(T.sg, { description: "qwen-serving GPU nodes: SGLang (from the LB), exporters [monitoring]" }, { outputs: { name: "qwen-prod-aws-network-node-1a2b3c4" } }),
  r(T.ingress, { description: "traffic and /health on 9001 from lb" }),
  r(T.role, { namePrefix: "qwen-serving-prod-node-" }, { outputs: { name: "qwen-serving-prod-node-01234567890123456789abcdef" } }),
  r(T.profile, {}, { outputs: { name: "qwen-prod-aws-node-profile-1a2b3c4" } }),
  r(T.rolePolicy, { role: "role-a", policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }, { outputs: { name: "boot-1a2b3c4" } }),
  r(T.parameter, { name: "/qwen-serving/prod/api-keys/qwen3-32b" }),
  r(
    T.instance,
    {
      userDataBase64: gzipSync(random(30_000)).toString("base64"),
      tags: { Name: "prod-gpu-0", [TAGS.stack]: "prod" },
      rootBlockDevice: { volumeType: "gp3", volumeSize: 200, tags: { Name: "prod-gpu-0" } },
    },
    { id: "i-1" },
  ),
  r(T.volume, { type: "gp3", size: 300, iops: 6000, throughput: 1000, tags: { Name: "prod-gpu-0-weights" } }, { id: "vol-1" }),
  r(T.attachment, { instanceId: "i-1", volumeId: "vol-1" }),
  r(T.volume, { type: "gp3", size: 1, iops: 3000, throughput: 125 }),
  r(T.topic, {}, { outputs: { name: "qwen-prod-alarms-1a2b3c4" } }),
  r(T.alarm, { period: 60 }, { outputs: { name: "qwen-prod unhealthy qwen3-32b" } }),
];

/** Per limit id: resources that break exactly that limit. */
const BAD: Record<string, RegisteredResource[]> = {
  "lb-name": [r(T.lb, {}, { outputs: { name: "qwen-prod-aws-frontdoor-alb-1a2b3c4" } }), r(T.lb, { name: "internal-api" }), r(T.lb, { name: "qwen-" }), r(T.lb, { name: "qwen_prod" })],
  "tg-name": [r(T.tg, { healthCheck: okHealth }, { outputs: { name: "qwen-prod-aws-frontdoor-qwen25-vl-32b-1a2b3c4" } }), r(T.tg, { name: "-tg", healthCheck: okHealth })],
  "elb-name-prefix": [r(T.tg, { namePrefix: "qwen-p-", healthCheck: okHealth }), r(T.lb, { namePrefix: "-q" })],
  "listener-rule-condition-values": [rule(10, [{ pathPattern: { values: ["/v1/*", "/generate", "/health", "/get_model_info"] } }])],
  "listener-rule-values-per-rule": [rule(10, [{ pathPattern: { values: ["/a", "/b", "/c"] } }, { httpHeader: { httpHeaderName: "X-Model", values: ["a", "b", "c"] } }])],
  "listener-rule-condition-kinds": [rule(10, []), rule(11, [{ pathPattern: { values: ["/a"] } }, { pathPattern: { values: ["/b"] } }])],
  "listener-rule-priority": [rule(0, [{ pathPattern: { values: ["/a"] } }]), rule(50_001, [{ pathPattern: { values: ["/a"] } }])],
  "sg-name": [r(T.sg, { name: "sg-qwen" }), r(T.sg, {}, { outputs: { name: "x".repeat(256) } })],
  "sg-description": [r(T.sg, { description: "nodes' group" }), r(T.sg, { description: "d".repeat(256) }), r(T.sg, { description: "clients → lb" })],
  "sg-rule-description": [r(T.egress, { description: "to 'lb'" }), r(T.ingress, { description: "x".repeat(256) })],
  "iam-role-name": [
    r(T.role, {}, { outputs: { name: "qwen-production-eu-west-1-blue-green-canary-aws-monitoring-role-1a2b3c4" } }),
    r(T.role, { namePrefix: "p".repeat(39) }),
    r(T.role, { name: "has space" }),
  ],
  "iam-instance-profile-name": [r(T.profile, { name: "p".repeat(129) }), r(T.profile, { name: "a/b" })],
  "iam-policy-name": [r(T.rolePolicy, { name: "x".repeat(129), role: "r" }), r(T.policy, { name: "no*stars" })],
  "iam-role-policy-size": [r(T.rolePolicy, { role: "big", policy: JSON.stringify({ Statement: [{ Resource: "x".repeat(10_300) }] }) })],
  "ssm-parameter-name": [
    r(T.parameter, { name: "qwen-serving/prod/x" }),
    r(T.parameter, { name: "/aws/qwen" }),
    r(T.parameter, { name: "/SSM-params" }),
    r(T.parameter, { name: `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join("/")}` }),
    r(T.parameter, { name: "/qwen serving/prod" }),
    r(T.parameter, { name: `/${"n".repeat(1000)}` }),
  ],
  tags: [
    r(T.volume, { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) }),
    r(T.volume, { tags: { "aws:owner": "me" } }),
    r(T.volume, { tags: { ["k".repeat(129)]: "v" } }),
    r(T.volume, { tags: { Name: "v".repeat(257) } }),
    r(T.instance, { volumeTags: { "a,b": "v" } }),
    r(T.instance, { rootBlockDevice: { tags: { Name: "semi;colon" } } }),
  ],
  "user-data-size": [r(T.instance, { userDataBase64: random(16_385).toString("base64") }), r(T.instance, { userData: "x".repeat(16_385) })],
  "volume-tags-vs-attached-volumes": [
    r(T.instance, { volumeTags: { Name: "root" } }, { id: "i-2" }),
    r(T.attachment, { instanceId: "i-2", volumeId: "vol-2" }),
    r(T.volume, { type: "gp3", size: 100, tags: { Name: "tsdb" } }, { id: "vol-2" }),
  ],
  gp3: [
    r(T.volume, { type: "gp3", size: 65_537 }),
    r(T.volume, { type: "gp3", size: 100, iops: 80_001 }),
    r(T.volume, { type: "gp3", size: 10, iops: 6000 }),
    r(T.volume, { type: "gp3", size: 100, iops: 3000, throughput: 1000 }),
    r(T.volume, { type: "gp3", size: 500, iops: 16_000, throughput: 2001 }),
    r(T.instance, { rootBlockDevice: { volumeType: "gp3", volumeSize: 100, throughput: 124 } }),
  ],
  "alb-idle-timeout": [r(T.lb, { name: "a", idleTimeout: 4001 }), r(T.lb, { name: "b", loadBalancerType: "application", idleTimeout: 0 })],
  "tg-health-check": [
    r(T.tg, { name: "a", healthCheck: { ...okHealth, timeout: 10, interval: 10 } }),
    r(T.tg, { name: "b", healthCheck: { interval: 5 } }),
    r(T.tg, { name: "c", healthCheck: { ...okHealth, interval: 301 } }),
    r(T.tg, { name: "d", healthCheck: { ...okHealth, healthyThreshold: 1 } }),
    r(T.tg, { name: "e", healthCheck: { ...okHealth, matcher: "200-599" } }),
  ],
  "tg-deregistration-delay": [r(T.tg, { name: "a", healthCheck: okHealth, deregistrationDelay: 3601 }), r(T.tg, { name: "b", healthCheck: okHealth, slowStart: 10 })],
  "sns-topic-name": [r(T.topic, { name: "qwen.prod" }), r(T.topic, { name: "t".repeat(257) })],
  "alarm-name": [r(T.alarm, { name: "a".repeat(256) }), r(T.alarm, { name: "b", period: 90 })],
};

describe("provider-faithful limits", () => {
  test("every row names its types, rule and a source", () => {
    for (const l of AWS_LIMITS) {
      expect(l.types.length, l.id).toBeGreaterThan(0);
      expect(l.rule.length, l.id).toBeGreaterThan(20);
      expect(l.source, l.id).toMatch(/https:\/\/|hashicorp\/|pulumi\/|@pulumi\/aws/);
    }
    expect(new Set(AWS_LIMITS.map((l) => l.id)).size).toBe(AWS_LIMITS.length);
  });

  test("resources that keep every limit pass", () => {
    expect(checkLimits(GOOD)).toEqual([]);
  });

  test("every row has a bad fixture", () => {
    expect(Object.keys(BAD).sort()).toEqual(AWS_LIMITS.map((l) => l.id).sort());
  });

  test.each(AWS_LIMITS.map((l) => l.id))("%s fires on its bad fixtures, and no other row does", (id) => {
    const hits = checkLimits(BAD[id]);
    expect(hits.length, JSON.stringify(BAD[id])).toBeGreaterThan(0);
    expect([...new Set(hits.map((h) => h.limit))]).toEqual([id]);
  });

  test.each(
    Object.entries(BAD)
      .flatMap(([id, rs]) => rs.map((x, i) => [id, i, x] as const))
      .filter(([id]) => id !== "volume-tags-vs-attached-volumes"),
  )("%s bad fixture #%d fires on its own", (id, _i, x) => {
    expect(checkLimits([x]).map((h) => h.limit)).toContain(id);
  });

  test("listener rule priorities must be unique per listener, not across listeners", () => {
    const p = (arn: string) => r(T.rule, { listenerArn: arn, priority: 10, conditions: [{ pathPattern: { values: ["/a"] } }] });
    expect(checkLimits([p("l1"), p("l2")])).toEqual([]);
    expect(checkLimits([p("l1"), p("l1")]).map((h) => h.limit)).toEqual(["listener-rule-priority", "listener-rule-priority"]);
  });

  test("gp3 ratios apply above the baseline only: 1 GiB at 3000 IOPS and 125 MiB/s is valid, 6 GiB at 3001 IOPS is not", () => {
    expect(checkLimits([r(T.volume, { type: "gp3", size: 1 })])).toEqual([]);
    expect(checkLimits([r(T.volume, { type: "gp3", size: 6, iops: 3001 })]).map((h) => h.field)).toEqual(["iops"]);
    expect(checkLimits([r(T.volume, { type: "gp3", size: 16, iops: 8000, throughput: LIMITS.gp3.throughputMiBps.max })])).toEqual([]);
  });
});
