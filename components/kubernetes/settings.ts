import { DEFAULT_GPU_TOLERATIONS, KubernetesSettings, KubernetesSettingsSchema, NODE_POOL_LABEL, Toleration } from "../config/kubernetes";
import { StackConfig } from "../config/schema";
import { Problems } from "../problems";
import { ROUTER_REQUIREMENT } from "../sglang/router-args";

/**
 * The `kubernetes` block with defaults applied, after the checks that need the rest of the stack
 * config (node pool names, routed services). Throws a QwenServingError naming every problem.
 */
export function resolveKubernetesSettings(config: StackConfig): KubernetesSettings {
  const settings = config.kubernetes ?? KubernetesSettingsSchema.parse({});
  const problems = new Problems();
  const pools = config.nodePools.map((p) => p.name);
  for (const name of Object.keys(settings.nodePools))
    if (!pools.includes(name)) problems.add({ path: ["kubernetes", "nodePools", name], rule: `no node pool is named '${name}'`, advice: `valid: ${pools.join(", ")}` });
  const routed = config.services.filter((s) => s.replicas > 1).map((s) => s.name);
  if (routed.length > 0 && !settings.routerImage)
    problems.add({ path: ["kubernetes", "routerImage"], rule: `services ${routed.join(", ")} have replicas > 1 and need SGLang's router`, advice: `give a pinned image with ${ROUTER_REQUIREMENT}; the SGLang image has none: e.g. FROM ${config.image} plus pip install ${ROUTER_REQUIREMENT}` });
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
