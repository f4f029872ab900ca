/**
 * Model catalog: the architecture fields SGLang's memory math needs, from each model's
 * Hugging Face `config.json` (shared/reference/models.json, which also records sources).
 */
export interface ModelArch {
  /** Hugging Face / ModelScope repository id, e.g. `Qwen/Qwen3-32B`. */
  readonly id: string;
  /** `architectures[0]` of config.json. */
  readonly architecture: string;
  readonly numLayers: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly hiddenSize: number;
  readonly vocabSize: number;
  /** config.json `max_position_embeddings`: SGLang's derived context length. */
  readonly maxPositionEmbeddings: number;
  /** Bytes per weight element of the checkpoint (2 for bf16). */
  readonly dtypeBytes: number;
  /** Total parameters (text + vision). */
  readonly params: number;
  /** Vision-tower parameters (multimodal models); SGLang shards the tower across TP ranks too. */
  readonly visionParams: number;
  /** Attention heads of the vision tower, which TP must also divide. */
  readonly visionHeads?: number;
  /** Bytes on disk of the safetensors checkpoint (index `metadata.total_size`), when known. */
  readonly checkpointBytes: number;
  /** True when SGLang's ModelConfig.is_multimodal holds (scales the default mem_fraction_static by 0.9). */
  readonly multimodal: boolean;
  /** The chat template SGLang needs for this model, if it must be given explicitly. */
  readonly chatTemplate?: string;
  /** Native context before rope scaling (YaRN's `original_max_position_embeddings`). */
  readonly nativeContext: number;
  /**
   * Largest YaRN factor the model's publisher documents over `nativeContext` (Qwen3: 4, to 131,072
   * tokens). Undefined: no YaRN extension is documented, so a `ropeScaling` would be a guess (and
   * on Qwen2.5-VL it would replace the config's mrope `rope_scaling`).
   */
  readonly yarnMaxFactor?: number;
}

/**
 * YaRN as the Qwen model cards document it, by architecture: "Processing Long Texts" in the
 * Qwen3 cards (huggingface.co/Qwen/Qwen3-32B: native 32,768, validated to 131,072 with factor 4.0)
 * and the Qwen2.5 cards (huggingface.co/Qwen/Qwen2.5-7B-Instruct: factor 4.0 over 32,768).
 */
const YARN_MAX_FACTOR: Readonly<Record<string, number>> = { Qwen3ForCausalLM: 4, Qwen3MoeForCausalLM: 4, Qwen2ForCausalLM: 4 };

/** The documented YaRN factor of an architecture; undefined when none is documented. */
export function yarnMaxFactorOf(architecture: string): number | undefined {
  return YARN_MAX_FACTOR[architecture];
}

const ARCH_MULTIMODAL = new Set(["Qwen2_5_VLForConditionalGeneration", "Qwen2VLForConditionalGeneration"]);

/** SGLang's `is_multimodal` test, by architecture name. */
export function isMultimodalArchitecture(architecture: string): boolean {
  return ARCH_MULTIMODAL.has(architecture);
}

function model(m: Omit<ModelArch, "multimodal" | "checkpointBytes"> & { checkpointBytes?: number }): ModelArch {
  return {
    ...m,
    multimodal: isMultimodalArchitecture(m.architecture),
    yarnMaxFactor: yarnMaxFactorOf(m.architecture),
    // Unknown index size: every tensor of these checkpoints is bf16, so params * 2 is the size.
    checkpointBytes: m.checkpointBytes ?? m.params * m.dtypeBytes,
  };
}

export const MODELS: readonly ModelArch[] = [
  model({
    id: "Qwen/Qwen3-32B",
    architecture: "Qwen3ForCausalLM",
    numLayers: 64,
    numAttentionHeads: 64,
    numKeyValueHeads: 8,
    headDim: 128,
    hiddenSize: 5120,
    vocabSize: 151936,
    maxPositionEmbeddings: 40960,
    nativeContext: 32768,
    dtypeBytes: 2,
    params: 32762123264,
    visionParams: 0,
    checkpointBytes: 65524246528,
  }),
  model({
    id: "Qwen/Qwen3-14B",
    architecture: "Qwen3ForCausalLM",
    numLayers: 40,
    numAttentionHeads: 40,
    numKeyValueHeads: 8,
    headDim: 128,
    hiddenSize: 5120,
    vocabSize: 151936,
    maxPositionEmbeddings: 40960,
    nativeContext: 32768,
    dtypeBytes: 2,
    params: 14768307200,
    visionParams: 0,
  }),
  model({
    id: "Qwen/Qwen3-8B",
    architecture: "Qwen3ForCausalLM",
    numLayers: 36,
    numAttentionHeads: 32,
    numKeyValueHeads: 8,
    headDim: 128,
    hiddenSize: 4096,
    vocabSize: 151936,
    maxPositionEmbeddings: 40960,
    nativeContext: 32768,
    dtypeBytes: 2,
    params: 8190735360,
    visionParams: 0,
  }),
  model({
    id: "Qwen/Qwen3-30B-A3B",
    architecture: "Qwen3MoeForCausalLM",
    numLayers: 48,
    numAttentionHeads: 32,
    numKeyValueHeads: 4,
    headDim: 128,
    hiddenSize: 2048,
    vocabSize: 151936,
    maxPositionEmbeddings: 40960,
    nativeContext: 32768,
    dtypeBytes: 2,
    params: 30532122624,
    visionParams: 0,
  }),
  model({
    id: "Qwen/Qwen3-235B-A22B",
    architecture: "Qwen3MoeForCausalLM",
    numLayers: 94,
    numAttentionHeads: 64,
    numKeyValueHeads: 4,
    headDim: 128,
    hiddenSize: 4096,
    vocabSize: 151936,
    maxPositionEmbeddings: 40960,
    nativeContext: 32768,
    dtypeBytes: 2,
    params: 235093634560,
    visionParams: 0,
  }),
  model({
    id: "Qwen/Qwen2.5-VL-32B-Instruct",
    architecture: "Qwen2_5_VLForConditionalGeneration",
    numLayers: 64,
    numAttentionHeads: 40,
    numKeyValueHeads: 8,
    headDim: 128,
    hiddenSize: 5120,
    vocabSize: 152064,
    maxPositionEmbeddings: 128000,
    nativeContext: 128000,
    dtypeBytes: 2,
    params: 33452718336,
    visionParams: 688841984,
    visionHeads: 16,
    chatTemplate: "qwen2-vl",
  }),
  model({
    id: "Qwen/Qwen2.5-VL-7B-Instruct",
    architecture: "Qwen2_5_VLForConditionalGeneration",
    numLayers: 28,
    numAttentionHeads: 28,
    numKeyValueHeads: 4,
    headDim: 128,
    hiddenSize: 3584,
    vocabSize: 152064,
    maxPositionEmbeddings: 128000,
    nativeContext: 128000,
    dtypeBytes: 2,
    params: 8292166656,
    visionParams: 676550144,
    visionHeads: 16,
    chatTemplate: "qwen2-vl",
  }),
  model({
    id: "Qwen/Qwen2.5-VL-72B-Instruct",
    architecture: "Qwen2_5_VLForConditionalGeneration",
    numLayers: 80,
    numAttentionHeads: 64,
    numKeyValueHeads: 8,
    headDim: 128,
    hiddenSize: 8192,
    vocabSize: 152064,
    maxPositionEmbeddings: 128000,
    nativeContext: 128000,
    dtypeBytes: 2,
    params: 73410777344,
    visionParams: 704573696,
    visionHeads: 16,
    chatTemplate: "qwen2-vl",
  }),
];

export const MODEL_IDS = MODELS.map((m) => m.id);

export function findModel(id: string): ModelArch | undefined {
  return MODELS.find((m) => m.id.toLowerCase() === id.toLowerCase());
}
