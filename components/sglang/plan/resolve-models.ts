import { ModelArch } from "../../catalog/models";
import { ServiceConfig } from "../../config/schema";
import { keyPath, Problem } from "../../problems";
import { PhaseResult } from "./types";

/** A service's model and the repository folder its weights live in. */
export interface ResolvedService {
  readonly model: ModelArch;
  /** `weights.repo`, else the model's id: the one place this is decided. */
  readonly weightsRepo: string;
}

export interface ResolvedModels extends PhaseResult {
  /** Per service, in config order; undefined where the model could not be resolved. */
  readonly resolved: readonly (ResolvedService | undefined)[];
}

/** A `model` that names a Hugging Face config.json rather than a catalog id (the catalog's rule). */
export const isConfigPath = (ref: string): boolean => ref.endsWith(".json");

/** SGLang's TP constraints: attention heads divide evenly; KV heads divide or are replicated evenly. */
export function tpProblems(model: ModelArch, tp: number): string[] {
  const out: string[] = [];
  if (model.numAttentionHeads % tp !== 0) out.push(`tp ${tp} does not divide ${model.id}'s ${model.numAttentionHeads} attention heads`);
  const kv = model.numKeyValueHeads;
  if (kv % tp !== 0 && tp % kv !== 0) out.push(`tp ${tp} neither divides nor is a multiple of ${model.id}'s ${kv} KV heads`);
  if (model.visionHeads && model.visionHeads % tp !== 0) out.push(`tp ${tp} does not divide ${model.id}'s ${model.visionHeads} vision-tower heads`);
  return out;
}

/** Every tp up to `maxTp` that SGLang accepts for `model`. */
export function validTps(model: ModelArch, maxTp = 8): number[] {
  return Array.from({ length: maxTp }, (_, i) => i + 1).filter((t) => tpProblems(model, t).length === 0);
}

/**
 * Phase 1: each service's `model` (a catalog id or a config.json path) becomes an architecture,
 * checked against the service's tp; a config.json model needs `weights.repo`, whose id it takes.
 * A model whose tp is wrong is still resolved, so later phases
 * can report their own problems for it too.
 */
export function resolveModels(services: readonly ServiceConfig[], resolve: (ref: string) => ModelArch): ResolvedModels {
  const problems: Problem[] = [];
  const resolved = services.map((svc, i): ResolvedService | undefined => {
    let model: ModelArch;
    try {
      model = resolve(svc.model);
    } catch (e) {
      problems.push({ path: keyPath(["services", i, "model"]), rule: (e as Error).message });
      return undefined;
    }
    for (const rule of tpProblems(model, svc.tp)) problems.push({ path: keyPath(["services", i, "tp"]), rule, advice: `valid tp for this model: ${validTps(model).join(", ")}` });
    if (!isConfigPath(svc.model)) return { model, weightsRepo: svc.weights.repo ?? model.id };
    // A config.json describes the architecture, not where the weights are: the repository id
    // names the weights folder, the served model name and the examples' `model`.
    if (!svc.weights.repo) {
      problems.push({
        path: keyPath(["services", i, "weights", "repo"]),
        rule: `model '${svc.model}' is a config.json path, so the repository its weights come from must be named`,
        advice: "set weights.repo to the repository id, e.g. Org/Name",
      });
      return { model, weightsRepo: model.id };
    }
    return { model: { ...model, id: svc.weights.repo }, weightsRepo: svc.weights.repo };
  });
  return { resolved, problems };
}
