import { StackConfig, StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { NODE_PATHS, PROJECT } from "../../components/contract";

export { stackConfig } from "../support/stacks";

/** A small docker stack: one Qwen3-8B replica at tp 1 per listed host, on H20s. */
export function dockerConfig(overrides: Partial<StackConfigInput> = {}): StackConfig {
  return StackConfigSchema.parse({
    platform: "docker",
    hosts: [{ name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2 }],
    services: [{ name: "qwen3-8b", model: "Qwen/Qwen3-8B", weights: { source: "huggingface", revision: "b968826d9c46dd6066d109eabc6255188de91218" }, port: 9001 }],
    ...overrides,
  });
}

/** The Pulumi engine's view of a config object: `qwen-serving:<key>` -> JSON text. */
export function engineConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** What every test expects the seed's two launch commands to be (SGLang 0.4.9.post2 canonical flags). */
export const SEED_ARGV = {
  "qwen3-32b": [
    "--model-path",
    `${NODE_PATHS.models}/Qwen/Qwen3-32B/`,
    "--trust-remote-code",
    "--tensor-parallel-size",
    "2",
    "--host",
    "0.0.0.0",
    "--port",
    "9001",
    "--json-model-override-args",
    '{"rope_scaling":{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":32768}}',
    "--context-length",
    "131072",
    "--chunked-prefill-size",
    "8192",
    "--served-model-name",
    "Qwen/Qwen3-32B",
    "--enable-metrics",
  ],
  "qwen25-vl-32b": [
    "--model-path",
    `${NODE_PATHS.models}/Qwen/Qwen2.5-VL-32B-Instruct/`,
    "--trust-remote-code",
    "--tensor-parallel-size",
    "2",
    "--host",
    "0.0.0.0",
    "--port",
    "9002",
    "--chat-template",
    "qwen2-vl",
    "--max-running-requests",
    "2048",
    "--context-length",
    "128000",
    "--served-model-name",
    "Qwen/Qwen2.5-VL-32B-Instruct",
    "--enable-metrics",
  ],
} as const;
