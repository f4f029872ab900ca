import * as fs from "fs";
import { ModelArch, findModel, MODEL_IDS } from "./models";
import { modelFromHfConfig } from "./hf-config";

export * from "./accelerators";
export * from "./instances";
export * from "./models";
export { modelFromHfConfig } from "./hf-config";

/**
 * Resolves a service's `model`: a catalog id, or a path to a Hugging Face `config.json`
 * (for models the catalog lacks). Throws one clear line when neither works.
 */
export function resolveModel(ref: string, readFile: (p: string) => string = (p) => fs.readFileSync(p, "utf8")): ModelArch {
  const known = findModel(ref);
  if (known) return known;
  if (!ref.endsWith(".json")) throw new Error(`unknown model '${ref}'; use a catalog id (${MODEL_IDS.join(", ")}) or a path to a Hugging Face config.json`);
  let text: string;
  try {
    text = readFile(ref);
  } catch (e) {
    throw new Error(`cannot read model config '${ref}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`model config '${ref}' is not valid JSON: ${(e as Error).message}`);
  }
  const id = typeof (json as Record<string, unknown>)?._name_or_path === "string" ? String((json as Record<string, unknown>)._name_or_path) : ref;
  return modelFromHfConfig(id, json);
}
