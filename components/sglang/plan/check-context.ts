import { ModelArch } from "../../catalog/models";
import { ServiceConfig } from "../../config/schema";
import { keyPath, Problem } from "../../problems";

/** The longest context a service may ask of its model, and why. */
export interface ContextWindow {
  readonly tokens: number;
  /** How the window is made, for messages: `32768 native x YaRN 4`. */
  readonly how: string;
}

/**
 * The model's window for a service: with YaRN, the native window times the factor; without, the
 * config's `max_position_embeddings` (SGLang's own default context length).
 */
export function contextWindow(model: ModelArch, rope: ServiceConfig["ropeScaling"]): ContextWindow {
  if (rope) return { tokens: Math.round(model.nativeContext * rope.factor), how: `${model.nativeContext} native x YaRN ${rope.factor}` };
  return { tokens: model.maxPositionEmbeddings, how: `max_position_embeddings ${model.maxPositionEmbeddings}, no rope scaling` };
}

const OPT_IN = "allowLongerContext: true runs it anyway (SGLang 0.4.9.post2 then only logs a warning; output quality past the window is not validated)";

/**
 * Phase 1b, the context a service asks for against what its model supports: no YaRN on a model
 * with none documented (on Qwen2.5-VL it would replace the config's mrope rope_scaling), a YaRN
 * factor above the documented one, YaRN over a window that is not the model's native one, and a
 * context beyond the window, unless `allowLongerContext` opts in.
 */
export function contextProblems(index: number, svc: Pick<ServiceConfig, "contextLength" | "ropeScaling" | "allowLongerContext">, model: ModelArch): Problem[] {
  const problems: Problem[] = [];
  const at = (...k: string[]) => keyPath(["services", index, ...k]);
  const rope = svc.ropeScaling;
  const optedIn = svc.allowLongerContext === true;
  if (rope && model.yarnMaxFactor === undefined) {
    problems.push({
      path: at("ropeScaling"),
      value: rope,
      rule: `${model.id} documents no YaRN extension (its window is ${model.maxPositionEmbeddings} tokens${model.multimodal ? "; the override would replace its mrope rope_scaling" : ""})`,
      advice: `remove ropeScaling${svc.contextLength !== undefined && svc.contextLength > model.maxPositionEmbeddings ? ` and keep contextLength <= ${model.maxPositionEmbeddings}` : ""}`,
    });
    return problems;
  }
  if (rope && rope.originalMaxPositionEmbeddings !== model.nativeContext)
    problems.push({
      path: at("ropeScaling", "originalMaxPositionEmbeddings"),
      value: rope.originalMaxPositionEmbeddings,
      rule: `YaRN stretches ${model.id}'s native window, which is ${model.nativeContext} tokens`,
      advice: `set it to ${model.nativeContext}`,
    });
  if (rope && model.yarnMaxFactor !== undefined && rope.factor > model.yarnMaxFactor && !optedIn)
    problems.push({
      path: at("ropeScaling", "factor"),
      value: rope.factor,
      rule: `${model.id} is documented with YaRN up to factor ${model.yarnMaxFactor} (${model.nativeContext * model.yarnMaxFactor} tokens)`,
      advice: `use factor <= ${model.yarnMaxFactor}, or ${OPT_IN}`,
    });
  const window = contextWindow(model, rope);
  const asked = svc.contextLength;
  if (asked !== undefined && asked > window.tokens && !optedIn) {
    const yarn =
      !rope && model.yarnMaxFactor !== undefined
        ? `ropeScaling {type: yarn, factor: ${Math.min(model.yarnMaxFactor, Math.ceil(asked / model.nativeContext))}, originalMaxPositionEmbeddings: ${model.nativeContext}} reaches ${model.nativeContext * Math.min(model.yarnMaxFactor, Math.ceil(asked / model.nativeContext))}; `
        : "";
    problems.push({
      path: at("contextLength"),
      value: asked,
      rule: `is beyond ${model.id}'s window of ${window.tokens} tokens (${window.how})`,
      advice: `${yarn}contextLength <= ${window.tokens} fits; or ${OPT_IN}`,
    });
  }
  return problems;
}
