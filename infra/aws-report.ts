import { AMI_SOURCES } from "../components/aws/gpu-node";
import { TAGS } from "../components/contract";
import { DeploymentPlan } from "../components/sglang/planner";
import { RecordedResource } from "./mocks";

const INSTANCE = "aws:ec2/instance:Instance";

/**
 * The aws section of `npm run plan`: per instance its zone, the AMI it gets (the id to pin), what a
 * newer image does to it, and what its replacement means for the services on it.
 */
export function awsInstancesReport(plan: DeploymentPlan, resources: readonly RecordedResource[]): string {
  const instances = resources.filter((r) => r.type === INSTANCE);
  const rows = instances.map((r) => {
    const node = (r.inputs.tags as Record<string, string> | undefined)?.[TAGS.node];
    const services = node ? plan.services.filter((s) => s.placement.some((p) => p.node === node) || s.router?.node === node).map((s) => s.name) : [];
    const keepsAmi = r.ignoreChanges.includes("ami");
    const replace = r.deleteBeforeReplace
      ? `delete first: ${services.length ? `${services.join(", ")} down` : "down"} until the new instance has booted and loaded the weights from its cache`
      : node
        ? "create first: the old instance serves until the new one exists"
        : "create first (the TSDB volume moves over)";
    return [
      node ?? r.name.replace(/-instance$/, ""),
      String(r.inputs.instanceType),
      String(r.inputs.availabilityZone ?? "its subnet's"),
      String(r.inputs.ami),
      keepsAmi ? "kept" : "replaces it",
      replace,
    ];
  });
  const widths = ["node", "type", "zone", "ami", "newer image", "on replacement"].map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ")}`.trimEnd();
  const dlami = AMI_SOURCES.dlami.parameterPath;
  return [
    line(["node", "type", "zone", "ami", "newer image", "on replacement"]),
    ...rows.map(line),
    ...(instances.some((r) => r.ignoreChanges.includes("ami"))
      ? [
          "  prod keeps each instance's first AMI. To move a GPU node to a newer image:",
          `    aws ssm get-parameters-by-path --path ${dlami} --query 'Parameters[0].Value' --output text`,
          "    pulumi config set --path aws.nodes.amiId <that id>    (aws.monitoring.amiId for the monitoring instance)",
          "  then `pulumi up` replaces the instance as shown above; the weight cache and the TSDB volume stay.",
        ]
      : []),
  ].join("\n");
}
