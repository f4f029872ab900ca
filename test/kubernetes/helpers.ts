import { StackConfig, StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { stackConfig, stackInput } from "../support/stacks";

/** The plain (non-secret) `qwen-serving:` keys of Pulumi.k8s.yaml, as the program reads them. */
export const k8sStackInput = (): StackConfigInput => stackInput("k8s");

/** Pulumi.k8s.yaml's config, parsed. */
export const k8sStackConfig = (): StackConfig => stackConfig("k8s");

/** True when every label of a selector is on `labels` (how Kubernetes matches them). */
export const subset = (selector: Record<string, string>, labels: Record<string, string> = {}): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

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
