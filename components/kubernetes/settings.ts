import { DEFAULT_GPU_TOLERATIONS, KubernetesSettings, KubernetesSettingsSchema, NODE_POOL_LABEL, Toleration } from "../config/kubernetes";
import { StackConfig } from "../config/schema";
import { Problems } from "../problems";

/**
 * The `kubernetes` block with defaults applied, after the checks that need the rest of the stack
 * config (node pool names). Throws a QwenServingError naming every problem.
 */
export function resolveKubernetesSettings(config: StackConfig): KubernetesSettings {
  const settings = config.kubernetes ?? KubernetesSettingsSchema.parse({});
  const problems = new Problems();
  const pools = config.nodePools.map((p) => p.name);
  for (const name of Object.keys(settings.nodePools))
    if (!pools.includes(name)) problems.add({ path: ["kubernetes", "nodePools", name], rule: `no node pool is named '${name}'`, advice: `valid: ${pools.join(", ")}` });
  problems.throwIfAny("platform");
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
