/**
 * The Ingress of a service, with its controller's defaults for LLM traffic: long generations, large
 * multimodal bodies and token streams. The longest generation is the one config value
 * (`proxy.maxGenerationSeconds`, config/proxy.ts) the proxy, the ALB and the termination grace use too.
 */
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress" with { "resolution-mode": "import" };
import { maxGenerationSeconds } from "../../config/proxy";
import { StackConfig } from "../../config/schema";
import { KubernetesSettings } from "../../config/kubernetes";
import { Problem, keyPath } from "../../problems";
import { HEALTH_PATHS, PUBLIC_EXACT_PATHS, PUBLIC_PREFIX } from "../../render/proxy/nginx";
import { ServicePlan } from "../../sglang/planner";
import { meta, names } from "./labels";

type IngressSettings = NonNullable<KubernetesSettings["ingress"]>;
export type IngressController = "nginx" | "alb" | "other";

const NGINX = "nginx.ingress.kubernetes.io/";
const ALB = "alb.ingress.kubernetes.io/";
/** ALB limits (elasticloadbalancing docs): idle timeout 1-4000 s, deregistration delay 0-3600 s. */
export const ALB_LIMITS = { idleTimeoutSeconds: 4000, deregistrationDelaySeconds: 3600 } as const;

/** The controller whose defaults apply: `ingress.controller`, else by the class name. */
export function ingressController(i: IngressSettings): IngressController {
  return i.controller ?? (i.className === "nginx" ? "nginx" : i.className === "alb" ? "alb" : "other");
}

/**
 * ingress-nginx: the body limit of the front proxy (the Ingress must not refuse what the proxy takes),
 * read and send timeouts of the longest generation (a non-streamed answer is silent until its end),
 * no response buffering (tokens reach the client as they come) and no request buffering (large
 * bodies stream through). AWS Load Balancer Controller: the idle timeout of the longest generation,
 * connection draining as long as the ALB allows, and ip targets (the Services are ClusterIP).
 */
export function ingressDefaults(controller: IngressController, config: StackConfig): Record<string, string> {
  const longest = maxGenerationSeconds(config);
  if (controller === "nginx")
    return {
      [`${NGINX}proxy-body-size`]: `${config.proxy.maxBodyMiB}m`,
      [`${NGINX}proxy-read-timeout`]: String(longest),
      [`${NGINX}proxy-send-timeout`]: String(longest),
      [`${NGINX}proxy-buffering`]: "off",
      [`${NGINX}proxy-request-buffering`]: "off",
    };
  if (controller === "alb")
    return {
      [`${ALB}target-type`]: "ip",
      [`${ALB}load-balancer-attributes`]: `idle_timeout.timeout_seconds=${Math.min(longest, ALB_LIMITS.idleTimeoutSeconds)}`,
      [`${ALB}target-group-attributes`]: `deregistration_delay.timeout_seconds=${Math.min(longest, ALB_LIMITS.deregistrationDelaySeconds)}`,
      [`${ALB}healthcheck-path`]: "/health",
    };
  return {};
}

/**
 * The paths an Ingress forwards: the public API and health, exactly what the pods' front proxy
 * forwards (render/proxy/nginx.ts). /metrics and SGLang's admin routes never leave the cluster.
 */
export function ingressPaths(): { readonly path: string; readonly pathType: "Prefix" | "Exact" }[] {
  return [{ path: PUBLIC_PREFIX.replace(/\/$/, ""), pathType: "Prefix" }, ...[...PUBLIC_EXACT_PATHS, ...HEALTH_PATHS].map((path) => ({ path, pathType: "Exact" as const }))];
}

/** The idle timeout of the load balancer an ALB Ingress creates (its attribute; ours by default); undefined for other controllers. */
export function ingressIdleSeconds(config: StackConfig, settings: KubernetesSettings): number | undefined {
  const ingress = settings.ingress;
  if (!ingress || ingressController(ingress) !== "alb") return undefined;
  const attrs = { ...ingressDefaults("alb", config), ...ingress.annotations }[`${ALB}load-balancer-attributes`] ?? "";
  const idle = Number(albAttributes(attrs)["idle_timeout.timeout_seconds"]);
  return Number.isInteger(idle) && idle > 0 ? idle : undefined;
}

/** nginx sizes: `64m`, `1g`, `512k`, bytes; `0` is unlimited. */
function nginxBytes(v: string): number | undefined {
  const m = /^(\d+)([kmg]?)$/i.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
}

/** An ALB attribute list `a=1,b=2` as a map. */
const albAttributes = (v: string) => Object.fromEntries(v.split(",").map((kv) => kv.trim().split("=") as [string, string]));

/** Annotations of the user's that undercut the proxy's body limit or the longest generation, and a generation the ALB cannot wait for. */
export function ingressProblems(config: StackConfig, ingress: IngressSettings | undefined): Problem[] {
  if (!ingress) return [];
  const controller = ingressController(ingress);
  const longest = maxGenerationSeconds(config);
  const bodyBytes = config.proxy.maxBodyMiB * 1024 ** 2;
  const problems: Problem[] = [];
  const at = (key: string) => keyPath(["kubernetes", "ingress", "annotations", key]);
  const a = ingress.annotations;
  if (controller === "nginx") {
    const body = a[`${NGINX}proxy-body-size`];
    const bytes = body === undefined ? undefined : nginxBytes(body);
    if (body !== undefined && (bytes === undefined || (bytes !== 0 && bytes < bodyBytes)))
      problems.push({
        path: at(`${NGINX}proxy-body-size`),
        value: body,
        rule: `must be at least the proxy's body limit (${config.proxy.maxBodyMiB}m): ingress-nginx would answer 413 to requests the proxy accepts`,
        advice: "drop it (the default is the proxy's limit) or raise proxy.maxBodyMiB",
      });
    for (const k of ["proxy-read-timeout", "proxy-send-timeout"]) {
      const v = a[`${NGINX}${k}`];
      if (v !== undefined && !(Number(v) >= longest))
        problems.push({
          path: at(`${NGINX}${k}`),
          value: v,
          rule: `must be at least the longest generation (${longest} s): ingress-nginx would cut a long answer off with 504`,
          advice: "drop it (the default is the longest generation) or lower proxy.maxGenerationSeconds",
        });
    }
  }
  if (controller === "alb") {
    if (longest > ALB_LIMITS.idleTimeoutSeconds)
      problems.push({
        path: keyPath("proxy.maxGenerationSeconds"),
        value: longest,
        rule: `an ALB's idle timeout is at most ${ALB_LIMITS.idleTimeoutSeconds} s, shorter than the longest generation`,
        advice: `at most ${ALB_LIMITS.idleTimeoutSeconds} behind an ALB Ingress`,
      });
    const attrs = a[`${ALB}load-balancer-attributes`];
    const idle = attrs === undefined ? undefined : albAttributes(attrs)["idle_timeout.timeout_seconds"];
    if (idle !== undefined && !(Number(idle) >= Math.min(longest, ALB_LIMITS.idleTimeoutSeconds)))
      problems.push({
        path: at(`${ALB}load-balancer-attributes`),
        value: attrs,
        rule: `idle_timeout.timeout_seconds must be at least the longest generation (${longest} s): the ALB would close a silent connection mid-generation`,
        advice: "drop it (the default is the longest generation)",
      });
  }
  return problems;
}

/** The service's Ingress at `<service>.<domain>`: the controller's defaults, then the user's annotations. */
export function serviceIngress(config: StackConfig, settings: KubernetesSettings, svc: ServicePlan, labels: Record<string, string>): IIngress | undefined {
  const ingress = settings.ingress;
  if (!ingress) return undefined;
  const n = names(svc.name);
  const host = `${svc.name}.${ingress.domain}`;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { ...meta(n.front, settings.namespace, labels), annotations: { ...ingressDefaults(ingressController(ingress), config), ...ingress.annotations } },
    spec: {
      ingressClassName: ingress.className,
      ...(ingress.tlsSecretName ? { tls: [{ hosts: [host], secretName: ingress.tlsSecretName }] } : {}),
      rules: [{ host, http: { paths: ingressPaths().map((p) => ({ ...p, backend: { service: { name: n.front, port: { name: "http" } } } })) } }],
    },
  };
}
