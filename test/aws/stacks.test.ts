// The limits table over everything `pulumi up` would register: every aws stack file, and prod's
// config deployed again under a realistic long stack name in another region. Resources are named
// the way the engine names them (infra/autoname.ts), so a name that AWS would refuse shows here.
import { beforeAll, describe, expect, test } from "vitest";
import { checkLimits, LIMITS, physicalName, T } from "../../components/aws/limits";
import { awsStacks, movedStack, runStack, StackRun } from "./stack-graph";

const LONG = "production-eu-west-1-blue";
const runs = new Map<string, StackRun>();

beforeAll(async () => {
  for (const stack of awsStacks()) runs.set(stack, await runStack(stack));
  runs.set(LONG, await runStack(LONG, { file: movedStack("prod", "eu-west-1") }));
}, 60_000);

/** Physical names of the length-limited resources, as the report prints them. */
export function namesOf(run: StackRun): Record<string, string> {
  const limited: string[] = [T.lb, T.tg, T.role, T.profile, T.rolePolicy, T.topic, T.alarm];
  return Object.fromEntries(run.resources.filter((r) => limited.includes(r.type)).map((r) => [`${r.type.split(":").pop()} ${r.name}`, String(physicalName(r))]));
}

describe("provider-faithful limits over every stack", () => {
  test("the aws stacks are dev and prod (and any added later)", () => {
    expect(awsStacks()).toEqual(expect.arrayContaining(["dev", "prod"]));
  });

  test.each([...awsStacks(), LONG])("stack %s: zero violations", (stack) => {
    const run = runs.get(stack)!;
    expect(run.resources.length).toBeGreaterThan(40);
    expect(checkLimits(run.resources)).toEqual([]);
  });

  test.each([...awsStacks(), LONG])("stack %s: load balancer and target group names fit 32 characters, IAM roles 64", (stack) => {
    const names = namesOf(runs.get(stack)!);
    const of = (kind: string) => Object.entries(names).filter(([k]) => k.startsWith(`${kind} `)).map(([, v]) => v);
    expect(of("LoadBalancer")).toHaveLength(1);
    for (const n of [...of("LoadBalancer"), ...of("TargetGroup")]) expect(n.length, n).toBeLessThanOrEqual(LIMITS.elbNameMax);
    for (const n of of("Role")) expect(n.length, n).toBeLessThanOrEqual(LIMITS.iamRoleNameMax);
    // One account, two stacks: nothing account-unique is shared.
    if (stack === LONG) for (const [k, v] of Object.entries(namesOf(runs.get("prod")!))) if (!k.startsWith("RolePolicy")) expect(Object.values(names), k).not.toContain(v);
  });

  test("the names generated for prod and for production-eu-west-1-blue", () => {
    const table = (s: string) => Object.entries(namesOf(runs.get(s)!)).map(([k, v]) => `${k} -> ${v} (${v.length})`);
    console.log([`prod:`, ...table("prod"), `${LONG}:`, ...table(LONG)].join("\n  "));
    expect(namesOf(runs.get("prod")!)["LoadBalancer qwen-prod-aws-frontdoor-alb"]).toBe("qwen-serving-prod");
    // Too long for 32 characters whole: its head and 7 hex of a hash of the whole.
    expect(namesOf(runs.get(LONG)!)[`LoadBalancer qwen-${LONG}-aws-frontdoor-alb`]).toMatch(/^qwen-serving-production-[0-9a-f]{7}$/);
  });
});
