import { z } from "zod";
import { IMAGES } from "../contract";
import { pinnedImage } from "./common";

/** The longest generation a stack allows when its config says nothing (aws's maxGenerationSeconds default). */
export const DEFAULT_MAX_GENERATION_SECONDS = 900;

const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.0.0.0/16");

/**
 * `qwen-serving:proxy`: the front proxy (nginx) before every SGLang server and router, on every
 * platform (components/render/proxy/). It checks the API key, forwards only the public API and
 * keeps idle connections longer than whatever is in front of it. Every field is optional.
 */
export const ProxySettingsSchema = z
  .object({
    /** nginx image with the njs module (the official image ships it). @default IMAGES.proxy */
    image: pinnedImage.default(IMAGES.proxy),
    /** Largest request body accepted, MiB: base64 images make requests large. @default 64 */
    maxBodyMiB: z.number().int().min(1).max(4096).default(64),
    /**
     * Longest a request may take (the longest allowed generation): the proxy's read and send
     * timeouts, the router's request timeout and, on aws, the load balancer's idle timeout (this + 60 s
     * unless aws.frontDoor.idleTimeoutSeconds is set; at most 4000 s) and draining.
     * @default - aws: aws.frontDoor.maxGenerationSeconds; otherwise 900
     */
    maxGenerationSeconds: z.number().int().min(60).max(86_400).optional(),
    /**
     * Idle timeout of what connects to the proxy (load balancer, Ingress controller): the proxy keeps
     * idle client connections 60 s longer, so the other side always closes first.
     * @default - aws: the load balancer's idle timeout; kubernetes and docker: 60 (ingress-nginx's upstream keep-alive)
     */
    clientIdleSeconds: z.number().int().min(1).max(4000).optional(),
    /** Sources allowed to read /metrics besides the platform's own Prometheus. @default [] */
    metricsCidrs: z.array(cidr).default([]),
  })
  .strict();

export type ProxySettings = z.output<typeof ProxySettingsSchema>;

/** The settings a stack without a `proxy` block gets. */
export const DEFAULT_PROXY_SETTINGS: ProxySettings = ProxySettingsSchema.parse({});

/** The one "longest allowed generation" of a stack: proxy.maxGenerationSeconds, else the platform's own, else 900 s. */
export function maxGenerationSeconds(config: {
  readonly proxy?: ProxySettings;
  readonly aws?: { readonly frontDoor?: { readonly maxGenerationSeconds?: number } };
  readonly kubernetes?: { readonly maxGenerationSeconds?: number };
}): number {
  return config.proxy?.maxGenerationSeconds ?? config.aws?.frontDoor?.maxGenerationSeconds ?? config.kubernetes?.maxGenerationSeconds ?? DEFAULT_MAX_GENERATION_SECONDS;
}
