import { ServiceConfig } from "../../config/schema";
import { keyPath, Problem } from "../../problems";
import { NodePlan, PhaseResult, Slot } from "./types";

export interface Placements extends PhaseResult {
  /** Per service, one slot per replica; undefined where some replica found no GPUs. */
  readonly slots: readonly (readonly Slot[] | undefined)[];
}

/** Picks tp free GPUs, preferring an aligned block (0-1, 2-3, ...) so TP pairs share a switch. */
export function pickGpus(free: ReadonlySet<number>, count: number, tp: number): number[] | undefined {
  for (let start = 0; start + tp <= count; start += tp) {
    const block = Array.from({ length: tp }, (_, k) => start + k);
    if (block.every((g) => free.has(g))) return block;
  }
  const any = [...free].sort((a, b) => a - b).slice(0, tp);
  return any.length === tp ? any : undefined;
}

/**
 * Phase 2: every replica gets `tp` GPUs of one node. Explicit `placement`s are taken first, so
 * first-fit never takes GPUs a user pinned; the rest go first-fit over the service's pool (or all
 * nodes), in config order.
 */
export function placeReplicas(services: readonly ServiceConfig[], nodes: readonly NodePlan[]): Placements {
  const problems: Problem[] = [];
  const free = new Map(nodes.map((n) => [n.name, new Set(Array.from({ length: n.gpuCount }, (_, i) => i))]));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const placed: (Slot | undefined)[][] = services.map((s) => Array<Slot | undefined>(s.replicas).fill(undefined));

  services.forEach((svc, si) =>
    svc.placement?.forEach((p, r) => {
      const node = byName.get(p.node);
      if (!node) {
        problems.push({ path: keyPath(["services", si, "placement", r, "node"]), rule: `unknown node '${p.node}'`, advice: `valid: ${nodes.map((n) => n.name).join(", ")}` });
        return;
      }
      const left = free.get(p.node)!;
      const outOfRange = p.gpus.filter((g) => g >= node.gpuCount);
      const taken = p.gpus.filter((g) => g < node.gpuCount && !left.has(g));
      const path = keyPath(["services", si, "placement", r, "gpus"]);
      if (outOfRange.length) problems.push({ path, rule: `node '${p.node}' has ${node.gpuCount} GPUs (0-${node.gpuCount - 1}); [${outOfRange.join(", ")}] do not exist` });
      else if (taken.length) problems.push({ path, rule: `GPUs [${taken.join(", ")}] of node '${p.node}' are already placed` });
      else {
        p.gpus.forEach((g) => left.delete(g));
        placed[si][r] = { node: p.node, gpus: [...p.gpus] };
      }
    }),
  );

  services.forEach((svc, si) => {
    if (svc.placement) return;
    const candidates = nodes.filter((n) => !svc.nodePool || n.pool === svc.nodePool);
    for (let r = 0; r < svc.replicas; r++) {
      const node = candidates.find((n) => pickGpus(free.get(n.name)!, n.gpuCount, svc.tp));
      if (!node) {
        const freeList = candidates.map((n) => `${n.name}: ${free.get(n.name)!.size} free of ${n.gpuCount}`).join(", ") || "no nodes";
        problems.push({
          path: keyPath(["services", si, "replicas"]),
          rule: `replica ${r} of '${svc.name}' needs ${svc.tp} GPUs but none are left (${freeList})`,
          advice: "add nodes, raise a pool's count, or lower replicas/tp",
        });
        break;
      }
      const gpus = pickGpus(free.get(node.name)!, node.gpuCount, svc.tp)!;
      gpus.forEach((g) => free.get(node.name)!.delete(g));
      placed[si][r] = { node: node.name, gpus };
    }
  });

  return { slots: placed.map((s) => (s.every((x) => x !== undefined) ? (s as Slot[]) : undefined)), problems };
}
