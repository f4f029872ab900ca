/** Pod-level settings the SGLang, router and seed pods share: zone, spreading, priority, pulls, graceful stop. */
import type { IAffinity } from "kubernetes-models/v1/Affinity" with { "resolution-mode": "import" };
import type { ILifecycle } from "kubernetes-models/v1/Lifecycle" with { "resolution-mode": "import" };
import type { ITopologySpreadConstraint } from "kubernetes-models/v1/TopologySpreadConstraint" with { "resolution-mode": "import" };
import { KubernetesSettings } from "../../config/kubernetes";
import { maxGenerationSeconds } from "../../config/proxy";
import { StackConfig } from "../../config/schema";
import { DeploymentPlan, ServicePlan } from "../../sglang/planner";

/** The well-known node labels (kubernetes.io/docs/reference/labels-annotations-taints). */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";
/** StatefulSet annotation naming the top-level node pool its pods run on (the plan's warnings name it). */
export const POOL_ANNOTATION = "qwen-serving.io/node-pool";

/**
 * The StorageClass `allowedTopologies` key per CSI driver: the EBS driver's own (Kubernetes'
 * storageclass-aws-ebs.yaml example); others take the well-known zone label.
 */
export const VOLUME_ZONE_KEY: Readonly<Record<string, string>> = { "ebs.csi.aws.com": "topology.ebs.csi.aws.com/zone" };
export const volumeZoneKey = (provisioner: string): string => VOLUME_ZONE_KEY[provisioner] ?? ZONE_LABEL;

/** Drivers whose volumes attach only in the zone they were created in. */
export const ZONAL_PROVISIONERS: readonly string[] = ["ebs.csi.aws.com", "pd.csi.storage.gke.io", "disk.csi.azure.com"];

/** A required node affinity to one zone. */
export function zoneAffinity(zone: string | undefined): IAffinity | undefined {
  return zone ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: "In", values: [zone] }] }] } } } : undefined;
}

/** Whether the service's pool has a node per replica (each node fits one: the planner checked its GPUs). */
export function poolHasNodePerReplica(plan: DeploymentPlan, svc: ServicePlan): boolean {
  const pools = new Set(svc.placement.map((p) => plan.nodes.find((n) => n.name === p.node)?.pool));
  return plan.nodes.filter((n) => pools.has(n.pool)).length >= svc.replicas;
}

/**
 * One replica per node where the pool has a node per replica (DoNotSchedule: a node failure takes
 * one replica, and the PDB then protects the rest); where it has fewer, spread as far as the nodes
 * allow (ScheduleAnyway), and the plan warns.
 */
export function spreadConstraints(plan: DeploymentPlan, svc: ServicePlan, selector: Record<string, string>): ITopologySpreadConstraint[] {
  if (svc.replicas < 2) return [];
  return [{ maxSkew: 1, topologyKey: HOSTNAME_LABEL, whenUnsatisfiable: poolHasNodePerReplica(plan, svc) ? "DoNotSchedule" : "ScheduleAnyway", labelSelector: { matchLabels: { ...selector } } }];
}

/** The router's replicas: never two on one node, as far as nodes allow. */
export function routerSpread(selector: Record<string, string>): ITopologySpreadConstraint[] {
  return [{ maxSkew: 1, topologyKey: HOSTNAME_LABEL, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...selector } } }];
}

/** imagePullSecrets and priorityClassName, when configured. */
export function podCommon(settings: KubernetesSettings): { imagePullSecrets?: { name: string }[]; priorityClassName?: string } {
  return {
    ...(settings.imagePullSecrets.length ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) } : {}),
    ...(settings.priorityClass ? { priorityClassName: settings.priorityClass.name } : {}),
  };
}

/**
 * A stopping pod keeps serving `preStopSeconds` before its process gets SIGTERM: endpoint removal
 * reaches kube-proxy, the Ingress controller and the router asynchronously, and a request routed in
 * that window would otherwise hit a closed port.
 */
export function preStop(settings: KubernetesSettings): ILifecycle | undefined {
  return settings.preStopSeconds > 0 ? { preStop: { exec: { command: ["sleep", String(settings.preStopSeconds)] } } } : undefined;
}

/** The longest generation (the one config value, config/proxy.ts) plus the preStop delay: what a stopping server may take. */
export function terminationGraceSeconds(config: StackConfig, settings: KubernetesSettings): number {
  return maxGenerationSeconds(config) + settings.preStopSeconds;
}

/** The zones of the pools a plan uses, from `kubernetes.nodePools.<pool>.zone`, sorted. */
export function planZones(plan: DeploymentPlan, settings: KubernetesSettings): string[] {
  const pools = new Set(plan.nodes.map((n) => n.pool));
  return [...new Set([...pools].map((p) => settings.nodePools[p]?.zone).filter((z): z is string => z !== undefined))].sort();
}
