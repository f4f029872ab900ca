import { IMAGES } from "../../contract";
import { keyPath, Problem } from "../../problems";
import { ADDING_A_VERSION, sglangVersionOf, SUPPORTED_SGLANG_VERSIONS } from "../versions";

/**
 * Phase 0, the image: its tag must name an SGLang version this project has argument and memory
 * tables for, since every argv and KV figure of the plan comes from those tables.
 */
export function imageProblems(image: string): Problem[] {
  const version = sglangVersionOf(image);
  if (version !== undefined && SUPPORTED_SGLANG_VERSIONS.includes(version)) return [];
  const supported = `supported: ${SUPPORTED_SGLANG_VERSIONS.join(", ")} (e.g. ${IMAGES.sglang}, optionally with @sha256:<digest>)`;
  const rule =
    version === undefined ? "the image tag names no SGLang version, so the plan cannot know which argument and memory tables apply" : `SGLang ${version} has no argument and memory tables here`;
  return [{ path: keyPath(["image"]), value: image, rule, advice: `${supported}; ${ADDING_A_VERSION}` }];
}
