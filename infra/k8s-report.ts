import { AppliedObject, prerequisitesText } from "../components/kubernetes/prerequisites";
import { DeploymentPlan } from "../components/sglang/planner";
import { RecordedResource } from "./mocks";

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/**
 * kubernetes stacks: the cluster prerequisites and warnings, read off the objects as registered
 * (what `pulumi up` would apply), each prerequisite with a command that checks it.
 */
export function kubernetesPrerequisitesReport(_plan: DeploymentPlan, resources: readonly RecordedResource[]): string {
  const objects = resources.filter((r) => r.custom && r.type.startsWith("kubernetes:")).map((r) => (r.type === RELEASE_TYPE ? { kind: "Release", spec: r.inputs } : r.inputs) as AppliedObject);
  return prerequisitesText(objects);
}
