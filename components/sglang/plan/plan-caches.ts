import { CacheConfig } from "../../config/schema";
import { CachePlan, NodePlan } from "./types";

/** Room for a second revision during a switch, tokenizer and config files, and filesystem overhead. */
export const CACHE_HEADROOM = 1.3;
/** Caches come in steps of this many GiB, and are never smaller. */
export const CACHE_STEP_GIB = 50;

/**
 * The one cache-size formula: what a cache holding `weightBytes` of checkpoints must be, GiB.
 * `cache.sizeGiB` (`override`) wins; else the bytes x CACHE_HEADROOM, rounded up to CACHE_STEP_GIB.
 */
export function cacheSizeGiB(weightBytes: number, override?: number): number {
  return override ?? Math.max(CACHE_STEP_GIB, Math.ceil((weightBytes * CACHE_HEADROOM) / 2 ** 30 / CACHE_STEP_GIB) * CACHE_STEP_GIB);
}

/** Whether weight caches outlive their node, service and stack: `cache.retain`, else only in prod. */
export function retainCaches(cache: Pick<CacheConfig, "retain">, environment: string): boolean {
  return cache.retain ?? environment === "prod";
}

/** What the cache phase needs of a planned service. */
export interface CachedService {
  readonly weightsRepo: string;
  readonly checkpointBytes: number;
  /** The nodes its replicas run on. */
  readonly nodes: readonly string[];
}

/**
 * Phase 7: one weight cache per node, holding the distinct repositories of the services placed on
 * it (a repository two services share is stored once), sized by `cacheSizeGiB`.
 */
export function planCaches(nodes: readonly NodePlan[], services: readonly CachedService[], cache: Pick<CacheConfig, "sizeGiB">): CachePlan[] {
  return nodes.map((n) => {
    const onNode = new Map(services.filter((s) => s.nodes.includes(n.name)).map((s) => [s.weightsRepo, s.checkpointBytes]));
    const weightBytes = [...onNode.values()].reduce((a, b) => a + b, 0);
    return { node: n.name, repos: [...onNode.keys()], weightBytes, sizeGiB: cacheSizeGiB(weightBytes, cache.sizeGiB) };
  });
}
