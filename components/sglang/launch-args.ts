import { canonicalFlag } from "./argparse";
import { NODE_PATHS } from "../contract";

/** Where every platform mounts the weight cache inside the SGLang container: the node's own path, so `/models/<repo>` reads the same inside and out. */
export const MODELS_MOUNT = NODE_PATHS.models;

/** What the launch-args builder needs: the planned, resolved values of one replica. */
export interface LaunchSpec {
  /** Repository id; weights live at `${MODELS_MOUNT}/<repo>/`. */
  readonly modelRepo: string;
  /** Name clients send as `model` and `/v1/models` returns. */
  readonly servedModelName: string;
  readonly tp: number;
  readonly port: number;
  readonly contextLength?: number;
  readonly ropeScaling?: { readonly factor: number; readonly originalMaxPositionEmbeddings: number };
  readonly chatTemplate?: string;
  readonly maxRunningRequests?: number;
  readonly chunkedPrefillSize?: number;
  readonly memFractionStatic?: number;
  readonly kvCacheDtype?: "auto" | "fp8_e5m2" | "fp8_e4m3";
  readonly extraArgs?: readonly string[];
}

/** Python writes floats with a decimal point; keep `4.0` as `4.0` so the JSON matches the seed. */
const pyFloat = (n: number) => (Number.isInteger(n) ? `${n}.0` : String(n));

/** The `--json-model-override-args` value for YaRN, in the seed's exact form. */
export function yarnOverride(factor: number, originalMaxPositionEmbeddings: number): string {
  return `{"rope_scaling":{"rope_type":"yarn","factor":${pyFloat(factor)},"original_max_position_embeddings":${originalMaxPositionEmbeddings}}}`;
}

/**
 * The argv after `python3 -m sglang.launch_server`, canonical flag names of 0.4.9.post2, in the
 * seed's order. An option that is not set is omitted (never written as its default), and
 * `extraArgs` come last so they read as the user's deliberate additions.
 */
export function launchArgs(s: LaunchSpec): string[] {
  const argv: string[] = [];
  const flag = (dest: string, value?: string | number) => {
    argv.push(canonicalFlag(dest));
    if (value !== undefined) argv.push(String(value));
  };
  flag("model_path", `${MODELS_MOUNT}/${s.modelRepo}/`);
  flag("trust_remote_code");
  flag("tensor_parallel_size", s.tp);
  flag("host", "0.0.0.0");
  flag("port", s.port);
  if (s.ropeScaling) flag("json_model_override_args", yarnOverride(s.ropeScaling.factor, s.ropeScaling.originalMaxPositionEmbeddings));
  if (s.chatTemplate) flag("chat_template", s.chatTemplate);
  if (s.maxRunningRequests !== undefined) flag("max_running_requests", s.maxRunningRequests);
  if (s.contextLength !== undefined) flag("context_length", s.contextLength);
  if (s.chunkedPrefillSize !== undefined) flag("chunked_prefill_size", s.chunkedPrefillSize);
  if (s.memFractionStatic !== undefined) flag("mem_fraction_static", s.memFractionStatic);
  if (s.kvCacheDtype && s.kvCacheDtype !== "auto") flag("kv_cache_dtype", s.kvCacheDtype);
  flag("served_model_name", s.servedModelName);
  flag("enable_metrics");
  argv.push(...(s.extraArgs ?? []));
  return argv;
}
