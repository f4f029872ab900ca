/** The rendered monitoring files of every checked-in stack (Pulumi.<stack>.yaml), from its offline plan. */
import { Artifact } from "../../../components/render/artifact";
import { runPlan } from "../../../infra/plan";
import { stackNames } from "../../support/stacks";

export async function stackMonitoringFiles(): Promise<Record<string, Artifact[]>> {
  const out: Record<string, Artifact[]> = {};
  for (const stack of stackNames()) {
    const run = await runPlan({ dir: process.cwd(), stack, write: false });
    out[stack] = run.artifacts.filter((a) => a.path.startsWith("monitoring/"));
  }
  return out;
}
