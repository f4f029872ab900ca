import { StackConfig } from "../config/schema";
import { Problem, keyPath } from "../problems";
import { DeploymentPlan } from "../sglang/planner";
import { LIMITS } from "./limits";
import { stackParameterFolder, stackParameterProblem } from "./naming";

/**
 * The limits of components/aws/limits.ts that a config can break although each key is in range on
 * its own, checked before any resource exists, each a Problem at the key to change with what would
 * be valid. (The same table judges the registered resources in the tests.)
 */
export function awsLimitProblems(plan: DeploymentPlan | undefined, config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  const g = LIMITS.gp3;
  // (Throughput against IOPS is a config check already: components/config/checks.ts.)
  const { iops } = config.cache;
  // Provisioned IOPS above the 3000 baseline are capped at 500 per GiB: the smallest cache decides.
  const smallest = plan?.caches.length ? Math.min(...plan.caches.map((c) => c.sizeGiB)) : undefined;
  if (smallest !== undefined && iops > g.iops.min && iops > smallest * g.iopsPerGiB)
    problems.push({
      path: keyPath(["cache", "iops"]),
      value: iops,
      rule: `is more than gp3's ${g.iopsPerGiB} IOPS per GiB of a ${smallest} GiB cache volume`,
      advice: `use at most ${Math.max(g.iops.min, smallest * g.iopsPerGiB)}, or set cache.sizeGiB to at least ${Math.ceil(iops / g.iopsPerGiB)}`,
    });
  // The stack's SSM parameters live under /<project>/<stack>/ (components/aws/naming.ts).
  const ssm = plan && stackParameterProblem(plan.project, plan.stack);
  if (ssm)
    problems.push({
      path: "project",
      value: plan.project,
      rule: `with the stack, makes the SSM parameter folder ${stackParameterFolder(plan.project, plan.stack)}, which SSM refuses: ${ssm}`,
      advice: "rename the Pulumi project (name in Pulumi.yaml) or pass QwenServing's project argument",
    });
  return problems;
}
