import { CacheConfig } from "../../config/schema";
import { keyPath, Problem } from "../../problems";
import { CachePlan, NodePlan } from "./types";

/** XFS metadata and log (mount-cache.sh formats with mkfs.xfs), as a share of what the cache holds. */
export const CACHE_FS_OVERHEAD = 0.03;
/** Caches come in steps of this many GiB, and are never smaller. */
export const CACHE_STEP_GIB = 50;

const GiB = 2 ** 30;

/**
 * What a cache holding `checkpoints` (bytes each) needs, GiB: every checkpoint, plus a second copy
 * of the largest, plus filesystem overhead. The copy is the room a revision switch takes: weights.sh
 * fetches the new revision's changed files (its partial files under `.partial`) beside the old ones
 * and prunes only after the new revision verifies, one model at a time.
 */
export function cacheNeedGiB(checkpoints: number | readonly number[]): number {
  const all = typeof checkpoints === "number" ? [checkpoints] : checkpoints;
  const bytes = all.reduce((a, b) => a + b, 0) + Math.max(0, ...all);
  return (bytes * (1 + CACHE_FS_OVERHEAD)) / GiB;
}

/**
 * The one cache-size formula, GiB: `cache.sizeGiB` (`override`) when set, else `cacheNeedGiB`
 * rounded up to CACHE_STEP_GIB. An override below the need is refused by `cacheProblems`.
 */
export function cacheSizeGiB(checkpoints: number | readonly number[], override?: number): number {
  return override ?? Math.max(CACHE_STEP_GIB, Math.ceil(cacheNeedGiB(checkpoints) / CACHE_STEP_GIB) * CACHE_STEP_GIB);
}

/** Whether weight caches outlive their node, service and stack: `cache.retain`, else only in prod. */
export function retainCaches(cache: Pick<CacheConfig, "retain">, environment: string): boolean {
  return cache.retain ?? environment === "prod";
}

/** What the cache phase needs of a planned service. */
export interface CachedService {
  readonly name: string;
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
    return { node: n.name, repos: [...onNode.keys()], weightBytes, needGiB: cacheNeedGiB([...onNode.values()]), sizeGiB: cacheSizeGiB([...onNode.values()], cache.sizeGiB) };
  });
}

/** Where a platform keeps weights: one volume per node, one per replica, or a host folder it does not size. */
export type WeightCacheKind = "node-volume" | "replica-volume" | "host-folder";

const gib = (n: number) => `${n.toFixed(1)} GiB`;

/**
 * A fixed `cache.sizeGiB` below what a cache must hold is refused, naming what it holds: the
 * deployment would fill the volume on the first download or the first revision switch. Node
 * volumes hold every model on the node; replica volumes (kubernetes) one model each; a host folder
 * is not sized by the plan.
 */
export function cacheProblems(kind: WeightCacheKind, caches: readonly CachePlan[], services: readonly CachedService[], cache: Pick<CacheConfig, "sizeGiB">): Problem[] {
  const fixed = cache.sizeGiB;
  if (fixed === undefined || kind === "host-folder") return [];
  const bytesOf = new Map(services.map((s) => [s.weightsRepo, s.checkpointBytes]));
  const holdings =
    kind === "node-volume" ? caches.map((c) => ({ what: `node ${c.node}'s cache`, repos: c.repos })) : services.map((s) => ({ what: `each replica volume of ${s.name}`, repos: [s.weightsRepo] }));
  const problems: Problem[] = [];
  for (const h of holdings) {
    const sizes = h.repos.map((r) => bytesOf.get(r)!);
    const need = cacheNeedGiB(sizes);
    if (fixed >= need) continue;
    const parts = h.repos.map((r) => `${r} ${gib(bytesOf.get(r)! / GiB)}`).join(" + ");
    problems.push({
      path: keyPath(["cache", "sizeGiB"]),
      value: fixed,
      rule: `${h.what} must hold ${parts}, room to switch the largest to a new revision (${gib(Math.max(...sizes) / GiB)}) and ${CACHE_FS_OVERHEAD * 100}% filesystem overhead: ${gib(need)}`,
      advice: `set cache.sizeGiB >= ${cacheSizeGiB(sizes)} (volumes can grow, never shrink), or remove it to let the plan size each cache`,
    });
  }
  return problems;
}
