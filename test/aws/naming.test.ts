// The naming helper: every name it makes fits its limit and charset, is stable, and distinct
// inputs never share a name (fast-check, fixed seed, bounded runs).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { checkLimits, LIMITS, T } from "../../components/aws/limits";
import { awsNames, boundedName, boundedPrefix, slug, stackParameterName, stackParameterProblem } from "../../components/aws/naming";

const FC = { seed: 20261112, numRuns: 300 } as const;
/** Pulumi stack names: letters, digits, '-', '_' and '.', up to 100 characters. */
const stackName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/);
const NAME_CHARS = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

describe("boundedName", () => {
  test("fits max, uses [a-z0-9-], never starts or ends with a hyphen", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 9, max: 255 }), (s, max) => {
        const n = boundedName(s, max);
        expect(n.length).toBeLessThanOrEqual(max);
        expect(n).toMatch(NAME_CHARS);
      }),
      FC,
    );
  });

  test("keeps a clean name that fits; is stable", () => {
    expect(boundedName("qwen-serving-prod", 32)).toBe("qwen-serving-prod");
    fc.assert(
      fc.property(stackName, (s) => boundedName(s, 32) === boundedName(s, 32)),
      FC,
    );
  });

  test("distinct inputs get distinct names, also when cut", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 80 }), { minLength: 2, maxLength: 40 }), (xs) => {
        const names = xs.map((x) => boundedName(x, 24));
        expect(new Set(names).size).toBe(xs.length);
      }),
      FC,
    );
    // Same 17-character head, different tails.
    expect(boundedName("qwen-serving-production-eu-west-1-blue", 32)).not.toBe(boundedName("qwen-serving-production-eu-west-1-green", 32));
  });

  test("refuses a limit with no room for the hash; prefixes end in a hyphen", () => {
    expect(() => boundedName("x", 8)).toThrow(RangeError);
    expect(boundedPrefix("qwen-serving-prod-node", LIMITS.iamRoleNamePrefixMax)).toBe("qwen-serving-prod-node-");
    expect(slug("My_Stack.v2")).toBe("my-stack-v2");
  });
});

describe("awsNames of any stack name", () => {
  test("every name and prefix passes the provider's rules, with Terraform's unique id appended where it is a prefix", () => {
    fc.assert(
      fc.property(stackName, fc.constantFrom("qwen-serving", "acme-llm-platform-with-a-long-project-name"), fc.stringMatching(/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/), (stack, project, service) => {
        const n = awsNames(stack, project);
        const uid = "0".repeat(18) + "abcdef01";
        const resources = [
          { type: T.lb, name: "lb", inputs: { name: n.loadBalancer } },
          { type: T.tg, name: "tg", inputs: { namePrefix: n.targetGroupPrefix(service) }, outputs: { name: `${n.targetGroupPrefix(service)}${uid}` } },
          { type: T.role, name: "role", inputs: { namePrefix: n.rolePrefix("monitoring") }, outputs: { name: `${n.rolePrefix("monitoring")}${uid}` } },
          { type: T.profile, name: "profile", inputs: { namePrefix: n.instanceProfilePrefix("node") }, outputs: { name: `${n.instanceProfilePrefix("node")}${uid}` } },
          { type: T.rolePolicy, name: "policy", inputs: { name: n.rolePolicy("monitoring", "discovery") } },
          { type: T.topic, name: "topic", inputs: { name: n.alarmTopic } },
          { type: T.alarm, name: "alarm", inputs: { name: n.alarm(`${service}-unhealthy`) } },
        ];
        expect(checkLimits(resources)).toEqual([]);
      }),
      FC,
    );
  });

  test("two stacks, or two projects with one stack name, never share a load balancer name", () => {
    fc.assert(
      fc.property(fc.uniqueArray(stackName, { minLength: 2, maxLength: 20 }), (stacks) => {
        expect(new Set(stacks.map((s) => awsNames(s).loadBalancer)).size).toBe(stacks.length);
      }),
      FC,
    );
    expect(awsNames("prod", "qwen-serving").loadBalancer).not.toBe(awsNames("prod", "acme").loadBalancer);
  });
});

describe("SSM parameter paths of any project and stack", () => {
  /** Pulumi project names: letters, digits, '-', '_' and '.', up to 100 characters. */
  const projectName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/);
  const service = fc.stringMatching(/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/);

  test("SSM accepts every name the helper makes, unless the pre-flight reports the project (aws/ssm prefix)", () => {
    fc.assert(
      fc.property(projectName, stackName, service, (project, stack, svc) => {
        const refused = stackParameterProblem(project, stack);
        expect(refused !== undefined).toBe(/^(aws|ssm)/i.test(project));
        if (refused) return;
        const names = [stackParameterName(project, stack, `api-keys/${svc}`), stackParameterName(project, stack, "hf-token"), stackParameterName(project, stack, "grafana/admin-password")];
        expect(checkLimits(names.map((name) => ({ type: T.parameter, name: "p", inputs: { name } })))).toEqual([]);
        for (const n of names) expect(n.startsWith(`/${project}/${stack}/`)).toBe(true);
      }),
      FC,
    );
  });

  test("two (project, stack) pairs never share a parameter", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(
            projectName.filter((p) => !/^(aws|ssm)/i.test(p)),
            stackName,
          ),
          { minLength: 2, maxLength: 20, selector: ([p, s]) => `${p} ${s}` },
        ),
        (pairs) => {
          expect(new Set(pairs.map(([p, s]) => stackParameterName(p, s, "hf-token"))).size).toBe(pairs.length);
        },
      ),
      FC,
    );
  });
});
