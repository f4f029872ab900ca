import { StackConfig, StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { PROJECT } from "../../components/contract";

export { stackConfig } from "../support/stacks";
export { SEED_ARGV } from "../support/seed-argv";

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
