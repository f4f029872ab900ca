import { ModelArch, isMultimodalArchitecture, yarnMaxFactorOf } from "./models";

/**
 * Reads a Hugging Face `config.json` (already parsed) into the fields the planner needs, for models
 * not in the catalog. Parameter counts follow the Qwen2/Qwen3 (+MoE, +Qwen2.5-VL vision) layouts;
 * other decoder-only architectures are counted with the same dense formula.
 */
export function modelFromHfConfig(id: string, raw: unknown): ModelArch {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${id}: config.json must hold a JSON object`);
  const c = raw as Record<string, unknown>;
  const text = (typeof c.text_config === "object" && c.text_config !== null ? { ...c, ...(c.text_config as object) } : c) as Record<string, unknown>;
  const int = (key: string, from: Record<string, unknown> = text): number => {
    const v = from[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new Error(`${id}: config.json field '${key}' must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const optInt = (key: string, from: Record<string, unknown> = text): number | undefined => (from[key] === undefined || from[key] === null ? undefined : int(key, from));
  const archs = c.architectures;
  if (!Array.isArray(archs) || typeof archs[0] !== "string") throw new Error(`${id}: config.json field 'architectures' must be a list of names`);
  const architecture = archs[0];
  const hidden = int("hidden_size");
  const layers = int("num_hidden_layers");
  const heads = int("num_attention_heads");
  const kvHeads = optInt("num_key_value_heads") ?? heads;
  const headDim = optInt("head_dim") ?? hidden / heads;
  if (!Number.isInteger(headDim)) throw new Error(`${id}: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}; give head_dim`);
  const vocab = int("vocab_size");
  const maxPos = int("max_position_embeddings");
  const rope = (typeof text.rope_scaling === "object" && text.rope_scaling !== null ? text.rope_scaling : {}) as Record<string, unknown>;
  const dtype = String(text.torch_dtype ?? c.torch_dtype ?? "bfloat16");
  const dtypeBytes = dtype === "float32" ? 4 : dtype.includes("8") ? 1 : 2;
  const tied = text.tie_word_embeddings === true;
  const qwen2Bias = /^Qwen2/.test(architecture) || text.attention_bias === true;
  const qwen3Norm = /^Qwen3/.test(architecture);

  const attn = hidden * heads * headDim + 2 * hidden * kvHeads * headDim + heads * headDim * hidden + (qwen2Bias ? heads * headDim + 2 * kvHeads * headDim : 0) + (qwen3Norm ? 2 * headDim : 0);
  const experts = optInt("num_experts");
  const mlp = experts ? experts * 3 * hidden * int("moe_intermediate_size") + hidden * experts : 3 * hidden * int("intermediate_size");
  const perLayer = attn + mlp + 2 * hidden;
  const textParams = layers * perLayer + vocab * hidden * (tied ? 1 : 2) + hidden;

  let visionParams = 0;
  let visionHeads: number | undefined;
  const vc = c.vision_config as Record<string, unknown> | undefined;
  if (vc && typeof vc === "object") {
    const vh = int("hidden_size", vc);
    const depth = optInt("depth", vc) ?? int("num_hidden_layers", vc);
    const inter = int("intermediate_size", vc);
    const patch = optInt("patch_size", vc) ?? 14;
    const temporal = optInt("temporal_patch_size", vc) ?? 2;
    const inCh = optInt("in_chans", vc) ?? optInt("in_channels", vc) ?? 3;
    const out = optInt("out_hidden_size", vc) ?? hidden;
    const merge = optInt("spatial_merge_size", vc) ?? 2;
    visionHeads = optInt("num_heads", vc);
    const block = 2 * vh + (3 * vh * vh + 3 * vh) + (vh * vh + vh) + (3 * vh * inter + 2 * inter + vh);
    const mergeDim = vh * merge * merge;
    const merger = vh + (mergeDim * mergeDim + mergeDim) + (mergeDim * out + out);
    visionParams = inCh * temporal * patch * patch * vh + depth * block + merger;
  }
  const params = textParams + visionParams;
  return {
    id,
    architecture,
    numLayers: layers,
    numAttentionHeads: heads,
    numKeyValueHeads: kvHeads,
    headDim,
    hiddenSize: hidden,
    vocabSize: vocab,
    maxPositionEmbeddings: maxPos,
    nativeContext: optInt("original_max_position_embeddings", rope) ?? maxPos,
    // A config that ships YaRN states its factor; otherwise the architecture's documented one.
    yarnMaxFactor: (rope.type ?? rope.rope_type) === "yarn" && typeof rope.factor === "number" ? rope.factor : yarnMaxFactorOf(architecture),
    dtypeBytes,
    params,
    visionParams,
    visionHeads,
    checkpointBytes: params * dtypeBytes,
    multimodal: isMultimodalArchitecture(architecture) || visionParams > 0,
    chatTemplate: isMultimodalArchitecture(architecture) ? "qwen2-vl" : undefined,
  };
}
