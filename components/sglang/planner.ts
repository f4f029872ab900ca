import { resolveModel } from "../catalog";
import { ModelArch } from "../catalog/models";
import { StackConfig } from "../config/schema";
import { PROJECT } from "../contract";
import { traitsOf } from "../platforms/traits";
import { Problem, QwenServingError } from "../problems";
import { assignPorts } from "./plan/assign-ports";
import { buildArgv } from "./plan/build-argv";
import { extraArgsProblems } from "./plan/check-args";
import { contextProblems } from "./plan/check-context";
import { imageProblems } from "./plan/check-image";
import { portCollisions, reservedPorts, stackListeners } from "./plan/check-ports";
import { weightsProblems } from "./plan/check-weights";
import { expandNodes } from "./plan/expand-nodes";
import { placeReplicas } from "./plan/place-replicas";
import { CachedService, cacheProblems, cacheSizeGiB, planCaches, retainCaches } from "./plan/plan-caches";
import { planRouter } from "./plan/plan-routers";
import { resolveModels } from "./plan/resolve-models";
import { sizeServices } from "./plan/size-services";
import { DeploymentPlan, ServicePlan } from "./plan/types";

export * from "./plan/types";
export { expandNodes } from "./plan/expand-nodes";
export { tpProblems, validTps } from "./plan/resolve-models";
export { COLD_START, concurrency, Concurrency, TYPICAL_REQUEST_TOKENS } from "./plan/size-services";
export { CACHE_FS_OVERHEAD, CACHE_STEP_GIB, cacheNeedGiB, cacheSizeGiB } from "./plan/plan-caches";

export interface PlanOptions {
  /** Resolves a service's `model` string. @default - catalog, then a config.json path */
  readonly resolveModel?: (ref: string) => ModelArch;
  /** Pulumi project of the stack (names its SSM parameters, IAM roles and load balancer with the stack). @default "qwen-serving" */
  readonly project?: string;
  /** AWS region the nodes run in (`aws:region`): node pools' instance types get its On-Demand prices. @default - unknown: no catalog price */
  readonly region?: string;
}

/**
 * Plans a stack in named phases (each a pure function in `plan/`, tested on its own): expand
 * nodes, check what each service asks for on its own (image, weights, extraArgs), resolve models
 * and check their context, place replicas, assign ports and check every node's ports, size
 * services, build argv, plan routers, plan and check caches. Every phase runs even when an earlier one found problems (for the services it still
 * can), and all problems come back in one QwenServingError, so nothing is registered for a config
 * that cannot work and the user sees every mistake at once.
 */
export function planDeployment(stack: string, config: StackConfig, options: PlanOptions = {}): DeploymentPlan {
  const traits = traitsOf(config.platform);
  const nodes = expandNodes(config, options.region);
  // What each service asks for on its own, so it comes back even when the service is not placed.
  const argsProblems = config.services.map((s, i) => extraArgsProblems(i, s));
  const own: Problem[] = [...imageProblems(config.image), ...config.services.flatMap((s, i) => [...weightsProblems(i, s), ...argsProblems[i]])];
  const models = resolveModels(config.services, options.resolveModel ?? ((ref) => resolveModel(ref)));
  const context = config.services.flatMap((s, i) => (models.resolved[i] ? contextProblems(i, s, models.resolved[i]!.model) : []));
  const placed = placeReplicas(config.services, nodes);
  const ports = assignPorts(config.services, placed.slots, { podNetwork: traits.podNetwork, reserved: reservedPorts(config, traits) });
  const collisions = portCollisions(stackListeners(config, traits, nodes, placed.slots, ports));
  const sized = sizeServices({
    services: config.services,
    models: models.resolved.map((r) => r?.model),
    slots: placed.slots,
    nodes,
    cacheThroughputMiBps: config.cache.throughputMiBps,
    ...(config.cache.hubRateMBps !== undefined ? { hubRate: { value: config.cache.hubRateMBps, unit: "MB/s", source: "config cache.hubRateMBps", assumption: false } } : {}),
  });
  const problems: Problem[] = [...own, ...models.problems, ...context, ...placed.problems, ...collisions, ...sized.problems];

  const services: ServicePlan[] = [];
  config.services.forEach((svc, si) => {
    const resolved = models.resolved[si];
    const slots = placed.slots[si];
    const size = sized.sizes[si];
    const svcPorts = ports[si];
    if (!resolved || !slots || !size || !svcPorts) return;
    const argv = buildArgv(si, svc, resolved.model, resolved.weightsRepo, svcPorts.replicas);
    // extraArgs already refused on their own would be reported again for every replica.
    if (argsProblems[si].length === 0) problems.push(...argv.problems);
    const placement = slots.map((slot, r) => ({ replica: r, node: slot.node, gpus: slot.gpus, port: svcPorts.replicas[r], launchArgs: argv.argv[r] }));
    services.push({
      name: svc.name,
      spec: svc,
      model: resolved.model,
      weightsRepo: resolved.weightsRepo,
      tp: svc.tp,
      replicas: svc.replicas,
      port: svc.port,
      capacity: size.capacity,
      placement,
      router: planRouter(svc.port, slots, svcPorts),
      launchArgs: placement[0].launchArgs,
      costPerHourUsd: size.costPerHourUsd,
      coldStart: size.coldStart,
      weightCacheGiB: cacheSizeGiB(resolved.model.checkpointBytes, config.cache.sizeGiB),
    });
  });
  // Caches hold every placed service's weights, sized or not.
  const cached: CachedService[] = config.services.flatMap((svc, si) => {
    const resolved = models.resolved[si];
    const slots = placed.slots[si];
    return resolved && slots ? [{ name: svc.name, weightsRepo: resolved.weightsRepo, checkpointBytes: resolved.model.checkpointBytes, nodes: slots.map((s) => s.node) }] : [];
  });
  const caches = planCaches(nodes, cached, config.cache);
  problems.push(...cacheProblems(traits.weightCache, caches, cached, config.cache));
  if (problems.length) throw new QwenServingError("plan", problems);

  const environment = config.environment ?? stack;
  return { project: options.project ?? PROJECT, stack, environment, platform: config.platform, nodes, services, caches, retainCaches: retainCaches(config.cache, environment) };
}
