import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { StackConfig, StackConfigInput, StackConfigSchema } from "../../components/config/schema";

/** The plain (non-secret) `qwen-serving:` keys of Pulumi.k8s.yaml, parsed like the program does. */
export function k8sStackInput(): StackConfigInput {
  const doc = parse(fs.readFileSync(path.resolve(process.cwd(), "Pulumi.k8s.yaml"), "utf8")) as { config: Record<string, unknown> };
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config)) {
    const isSecure = typeof value === "object" && value !== null && "secure" in value;
    if (key.startsWith("qwen-serving:") && !isSecure) raw[key.slice("qwen-serving:".length)] = value;
  }
  return raw as unknown as StackConfigInput;
}

/** Pulumi.k8s.yaml's config, parsed. */
export function k8sStackConfig(): StackConfig {
  return StackConfigSchema.parse(k8sStackInput());
}

export const ROUTER_IMAGE = "registry.example.com/sglang-router:0.1.5";

/**
 * The k8s stack with every optional part switched on: two replicas per service (routers), an
 * Ingress with TLS, and the given extra kubernetes settings.
 */
export function routedConfig(kubernetes: Record<string, unknown> = {}): StackConfig {
  const input = k8sStackInput() as Record<string, any>;
  return StackConfigSchema.parse({
    ...input,
    services: input.services.map((s: Record<string, unknown>) => ({ ...s, replicas: 2 })),
    kubernetes: {
      ...input.kubernetes,
      routerImage: ROUTER_IMAGE,
      ingress: { className: "nginx", domain: "llm.example.com", tlsSecretName: "llm-tls", annotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": "900" } },
      ...kubernetes,
    },
  } as StackConfigInput);
}
