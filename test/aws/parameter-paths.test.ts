// Two Pulumi projects using this library with the same stack name in one account: every SSM
// parameter lives under /<project>/<stack>/, every account-wide name differs, and each node role
// reads exactly its own stack's parameters. (Under the old literal /qwen-serving/<stack>/ the two
// prods wrote the same parameters and each role could read the other's keys.)
import { beforeAll, describe, expect, test } from "vitest";
import { awsLimitProblems } from "../../components/aws/config-limits";
import { checkLimits, physicalName, T } from "../../components/aws/limits";
import { stackParameterName } from "../../components/aws/naming";
import { StackConfigSchema } from "../../components/config/schema";
import { formatProblem } from "../../components/problems";
import { preflight } from "../../components/qwen-serving";
import { planDeployment } from "../../components/sglang/planner";
import { readStackFile } from "../../infra/stack-file";
import { stackInput } from "../support/stacks";
import { DIR, runStack, StackRun } from "./stack-graph";

const PROJECTS = ["qwen-serving", "acme-llm"] as const;
const runs = new Map<string, StackRun>();

/** prod's config (API keys, Grafana password) plus a Hugging Face token, run as a stack of `project`. */
async function prodOf(project: string): Promise<StackRun> {
  const file = readStackFile(DIR, "prod");
  return runStack("prod", { file: { ...file, project, secretKeys: [...file.secretKeys, "qwen-serving:hfToken"] }, edit: (c) => ({ ...c, "qwen-serving:hfToken": "hf-placeholder" }) });
}

beforeAll(async () => {
  for (const p of PROJECTS) runs.set(p, await prodOf(p));
}, 60_000);

const of = (project: string) => runs.get(project)!;
const parameters = (run: StackRun) => run.resources.filter((r) => r.type === T.parameter);
const policyOf = (run: StackRun, parent: string) => {
  const policies = run.recorded.filter((r) => r.type === T.rolePolicy && r.parent === parent);
  expect(policies).toHaveLength(1);
  return JSON.parse(policies[0].inputs.policy as string) as { Statement: { Sid?: string; Action: string | string[]; Resource: string | string[] }[] };
};
/** What the account holds by name: SSM parameters, roles and profiles (by prefix), the load balancer, target groups, the topic, the alarms. */
const accountNames = (run: StackRun) =>
  run.resources
    .filter((r) => ([T.parameter, T.role, T.profile, T.lb, T.tg, T.topic, T.alarm] as string[]).includes(r.type))
    .map((r) => `${r.type} ${String(r.inputs.name ?? r.inputs.namePrefix ?? physicalName(r))}`);

describe("SSM parameter paths carry project and stack", () => {
  test.each(PROJECTS)("project %s: every parameter is /<project>/prod/..., and the limits table passes", (project) => {
    const names = parameters(of(project))
      .map((r) => r.inputs.name)
      .sort();
    expect(names).toEqual([`/${project}/prod/api-keys/qwen25-vl-32b`, `/${project}/prod/api-keys/qwen3-32b`, `/${project}/prod/grafana/admin-password`, `/${project}/prod/hf-token`]);
    expect(checkLimits(of(project).resources)).toEqual([]);
  });

  test("two projects' prod stacks share no parameter and no account-wide name", () => {
    const [a, b] = PROJECTS.map((p) => new Set(accountNames(of(p))));
    expect(a.size).toBeGreaterThan(8);
    expect([...a].filter((n) => b.has(n))).toEqual([]);
  });

  test.each(PROJECTS)("project %s: the node role reads exactly its stack's boot parameters, the monitoring role only its Grafana password", (project) => {
    const run = of(project);
    const arn = (name: string) => String(parameters(run).find((r) => r.inputs.name === name)!.outputs!.arn);
    const boot = policyOf(run, "qwen-prod-aws-node").Statement.filter((s) => [s.Action].flat().includes("ssm:GetParameter"));
    expect(boot).toEqual([{ Sid: "BootParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: expect.any(Array) }]);
    expect([...boot[0].Resource].sort()).toEqual(["hf-token", "api-keys/qwen3-32b", "api-keys/qwen25-vl-32b"].map((w) => arn(`/${project}/prod/${w}`)).sort());
    const grafana = policyOf(run, "qwen-prod-aws-monitoring").Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith("ssm:Get")));
    expect(grafana.map((s) => s.Resource)).toEqual([arn(`/${project}/prod/grafana/admin-password`)]);
  });

  test.each(PROJECTS)("project %s: what the machines fetch at boot is its own parameters", (project) => {
    const other = PROJECTS.find((p) => p !== project)!;
    const text = of(project)
      .artifacts.map((a) => a.content)
      .join("\n");
    expect(text).toContain(`/${project}/prod/api-keys/qwen3-32b`);
    expect(text).toContain(`/${project}/prod/hf-token`);
    expect(text).toContain(`/${project}/prod/grafana/admin-password`);
    expect(text).not.toContain(`/${other}/prod/`);
  });
});

describe("a project SSM refuses", () => {
  const config = StackConfigSchema.parse(stackInput("prod"));
  const secrets = { grafanaAdminPassword: "x", apiKeys: { "qwen3-32b": "a", "qwen25-vl-32b": "b" } };

  test("a project named aws-... or ssm-... is a pre-flight problem with advice, before any resource", () => {
    expect(preflight({ config, secrets, stack: "prod", project: "qwen-serving" }).problems).toEqual([]);
    for (const project of ["aws-llm", "SSM.serving"]) {
      const problems = preflight({ config, secrets, stack: "prod", project }).problems.map(formatProblem);
      expect(problems).toEqual([
        expect.stringMatching(
          new RegExp(
            `^project: got "${project.replace(".", "\\.")}"; with the stack, makes the SSM parameter folder /${project.replace(".", "\\.")}/prod, which SSM refuses: .*not starting with "aws" or "ssm".* \\(rename the Pulumi project \\(name in Pulumi\\.yaml\\) or pass QwenServing's project argument\\)$`,
          ),
        ),
      ]);
    }
    expect(awsLimitProblems(planDeployment("prod", config, { project: "awsllm" }), config).map((p) => p.path)).toEqual(["project"]);
  });

  test("the helper itself refuses to make such a name", () => {
    expect(stackParameterName("acme-llm", "prod", "api-keys/qwen3-32b")).toBe("/acme-llm/prod/api-keys/qwen3-32b");
    expect(() => stackParameterName("aws-llm", "prod", "hf-token")).toThrow(RangeError);
  });
});
