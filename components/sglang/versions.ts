import { SERVER_ARGS_VERSION } from "./argparse";

/**
 * The SGLang versions this project has tables for: the flag table `server-args.<version>.json`
 * (argparse.ts checks every argv against it) and the memory formulas in memory.ts (checked against
 * that version's server_args.py and model_runner.py). An image of any other version would be
 * planned with numbers and flags that are not its own.
 */
export const SUPPORTED_SGLANG_VERSIONS: readonly string[] = [SERVER_ARGS_VERSION];

/** What a new version needs before it can be listed above. */
export const ADDING_A_VERSION =
  "to add a version, extract its flag table from python/sglang/srt/server_args.py into components/sglang/server-args.<version>.json (as shared/reference/sglang-<version>/ was made), re-check components/sglang/memory.ts against its model_runner.py, and list it in components/sglang/versions.ts";

/**
 * The SGLang version an image's tag names, the way lmsysorg/sglang tags are written:
 * `lmsysorg/sglang:v0.4.9.post2-cu126` -> `0.4.9.post2`, `...:0.5.0rc1` -> `0.5.0rc1`.
 * Undefined when the tag names no version (or the image has only a digest).
 */
export function sglangVersionOf(image: string): string | undefined {
  const lastSegment = image.split("@")[0].split("/").pop() ?? "";
  const colon = lastSegment.indexOf(":");
  if (colon < 0) return undefined;
  const m = /^v?(\d+\.\d+\.\d+(?:\.post\d+|rc\d+|\.dev\d+)?)(?:[-_.]|$)/.exec(lastSegment.slice(colon + 1));
  return m?.[1];
}
