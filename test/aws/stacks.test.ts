// The limits table over everything `pulumi up` would register: every aws stack file, and prod's
// config deployed again under a realistic long stack name in another region. Resources are named
// the way the engine names them (infra/autoname.ts), so a name that AWS would refuse shows here.
import { beforeAll, describe, expect, test } from "vitest";
import { checkLimits, LIMITS, physicalName, T } from "../../components/aws/limits";
import { chooseZone } from "../../components/aws/zones";
import { formatProblem } from "../../components/problems";
import { mockOfferings, mockZones, OFFERINGS } from "../../infra/instance-offerings";
import { awsStacks, movedStack, runStack, StackRun } from "./stack-graph";

/**
 * A realistic long stack name. Its region is eu-west-2: EC2 offers no p5.48xlarge in eu-west-1
 * (infra/instance-offerings.ts), so prod's config there is refused (tested below).
 */
const LONG = "production-eu-west-1-blue";
const LONG_REGION = "eu-west-2";
const runs = new Map<string, StackRun>();

beforeAll(async () => {
  for (const stack of awsStacks()) runs.set(stack, await runStack(stack));
  runs.set(LONG, await runStack(LONG, { file: movedStack("prod", LONG_REGION) }));
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
    const of = (kind: string) =>
      Object.entries(names)
        .filter(([k]) => k.startsWith(`${kind} `))
        .map(([, v]) => v);
    expect(of("LoadBalancer")).toHaveLength(1);
    for (const n of [...of("LoadBalancer"), ...of("TargetGroup")]) expect(n.length, n).toBeLessThanOrEqual(LIMITS.elbNameMax);
    for (const n of of("Role")) expect(n.length, n).toBeLessThanOrEqual(LIMITS.iamRoleNameMax);
    // One account, two stacks: nothing account-unique is shared.
    if (stack === LONG) for (const [k, v] of Object.entries(namesOf(runs.get("prod")!))) if (!k.startsWith("RolePolicy")) expect(Object.values(names), k).not.toContain(v);
  });

  test.each([...awsStacks(), LONG])("stack %s: the private subnet's zone sells every planned instance type (GPU nodes and monitoring)", (stack) => {
    const run = runs.get(stack)!;
    const region = stack === LONG ? LONG_REGION : "us-east-1";
    const subnet = run.resources.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.endsWith("-network-private"))!;
    const zones = mockZones(region);
    const id = zones.zoneIds[zones.names.indexOf(subnet.inputs.availabilityZone as string)];
    const types = [...new Set(run.resources.filter((r) => r.type === T.instance).map((r) => r.inputs.instanceType as string))];
    expect(types.length).toBe(2);
    for (const t of types)
      expect(
        OFFERINGS[t][region].map((n) => `${id.split("-")[0]}-az${n}`),
        `${t} in ${id}`,
      ).toContain(id);
    // Names map to different zones per account: this account's us-east-1a (use1-az3) sells neither g6.12xlarge nor m7i.
    if (region === "us-east-1") expect(id).not.toBe(zones.zoneIds[0]);
  });

  test(`stack ${LONG}: the region is ${LONG_REGION} everywhere — zones, ARNs, DNS names, unit arguments and scripts`, () => {
    const run = runs.get(LONG)!;
    const everything = JSON.stringify([run.resources.map((r) => [r.inputs, r.outputs]), run.artifacts.map((a) => a.content), run.endpoints]);
    expect(everything).not.toContain("us-east-1");
    expect(everything).not.toContain("use1-");
    // The nodes' boot scripts call AWS in the stack's region (SSM parameters, EC2 discovery).
    const regional = run.artifacts.filter((a) => a.content.includes(LONG_REGION)).map((a) => a.path);
    expect(regional.length).toBeGreaterThan(0);
  });

  test("prod's instance types in eu-west-1: refused, with the zones that sell each type", () => {
    const types = ["p5.48xlarge", "m7i.large"];
    const c = chooseZone({ region: "eu-west-1", zones: mockZones("eu-west-1"), offerings: mockOfferings("eu-west-1", types), instanceTypes: types });
    expect(c.problems.map(formatProblem)).toEqual([
      'qwen-serving:nodePools: got ["p5.48xlarge","m7i.large"]; no availability zone of eu-west-1 offers every planned instance type (GPU nodes, their caches and the monitoring instance share one zone) (offered in eu-west-1: p5.48xlarge: no zone; m7i.large: eu-west-1a (euw1-az2), eu-west-1b (euw1-az3), eu-west-1c (euw1-az1); pick another region (aws:region) or instance types one zone offers together)',
    ]);
  });

  test("the names generated for prod and for production-eu-west-1-blue", () => {
    const table = (s: string) => Object.entries(namesOf(runs.get(s)!)).map(([k, v]) => `${k} -> ${v} (${v.length})`);
    console.log([`prod:`, ...table("prod"), `${LONG}:`, ...table(LONG)].join("\n  "));
    expect(namesOf(runs.get("prod")!)["LoadBalancer qwen-prod-aws-frontdoor-alb"]).toBe("qwen-serving-prod");
    // Too long for 32 characters whole: its head and 7 hex of a hash of the whole.
    expect(namesOf(runs.get(LONG)!)[`LoadBalancer qwen-${LONG}-aws-frontdoor-alb`]).toMatch(/^qwen-serving-production-[0-9a-f]{7}$/);
  });
});
