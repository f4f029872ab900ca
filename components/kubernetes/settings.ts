import { DEFAULT_GPU_TOLERATIONS, KubernetesSettings, KubernetesSettingsSchema, NODE_POOL_LABEL, Toleration } from "../config/kubernetes";
import { StackConfig } from "../config/schema";
import { ROUTER_REQUIREMENT } from "../sglang/router-args";

/** A kubernetes stack config that parses but cannot be deployed; lists every problem. */
export class KubernetesSettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid kubernetes settings (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "KubernetesSettingsError";
  }
}

/**
 * The `kubernetes` block with defaults applied, after the checks that need the rest of the stack
 * config (node pool names, routed services). Throws KubernetesSettingsError naming every problem.
 */
export function resolveKubernetesSettings(config: StackConfig): KubernetesSettings {
  const settings = config.kubernetes ?? KubernetesSettingsSchema.parse({});
  const problems: string[] = [];
  const pools = config.nodePools.map((p) => p.name);
  for (const name of Object.keys(settings.nodePools))
    if (!pools.includes(name)) problems.push(`qwen-serving:kubernetes.nodePools.${name}: no node pool is named '${name}'; valid: ${pools.join(", ")}`);
  const routed = config.services.filter((s) => s.replicas > 1).map((s) => s.name);
  if (routed.length > 0 && !settings.routerImage)
    problems.push(`qwen-serving:kubernetes.routerImage: services ${routed.join(", ")} have replicas > 1 and need SGLang's router; give a pinned image with ${ROUTER_REQUIREMENT} (the SGLang image has none; e.g. FROM ${config.image} plus pip install ${ROUTER_REQUIREMENT})`);
  if (problems.length) throw new KubernetesSettingsError(problems);
  return settings;
}

/** Node selector and tolerations for the pods placed on `pool`. */
export function poolScheduling(settings: KubernetesSettings, pool: string): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
  const own = settings.nodePools[pool];
  return {
    nodeSelector: own?.nodeSelector ?? { [NODE_POOL_LABEL]: pool },
    tolerations: [...(own?.tolerations ?? DEFAULT_GPU_TOLERATIONS)],
  };
}

/** Labels the Prometheus Operator selects our monitors and rules by. */
export function monitorLabels(settings: KubernetesSettings): Record<string, string> {
  return settings.monitoring.monitorLabels ?? { release: settings.monitoring.releaseName };
}
