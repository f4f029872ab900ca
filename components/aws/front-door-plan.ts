import { AwsFrontDoorSettings } from "../config/aws";
import { DeploymentPlan, ServicePlan } from "../sglang/planner";

/**
 * Pure layout of the load balancer in front of the services: which port each listener opens, what
 * each target group targets, the routing rules of the HTTPS listener, and the timing numbers.
 * The FrontDoor component only turns this into resources; the tests read it directly.
 */

/** HTTPS listener that routes to every model by header or path prefix (only with a certificate). */
export const HTTPS_PORT = 443;

/** Header a client sets on the HTTPS listener to pick a model: its value is the service name. */
export const MODEL_HEADER = "X-Model";

/**
 * Target-group health check. SGLang opens its port only once weights, KV cache and CUDA graphs are
 * ready, and `/health` answers 200 from then on (reference endpoints.json), so a target is admitted
 * after 2 passing checks (~20 s) with no grace period, and removed after 3 failures (~30 s). The
 * router's `/health` forwards to a live worker, so the same check fits it.
 */
export const HEALTH_CHECK = {
  path: "/health",
  matcher: "200",
  intervalSeconds: 10,
  timeoutSeconds: 5,
  healthyThreshold: 2,
  unhealthyThreshold: 3,
} as const;

/** What a service's target group points at: the router when replicas > 1, else the one replica. */
export interface FrontDoorTarget {
  readonly service: string;
  readonly node: string;
  readonly port: number;
  readonly viaRouter: boolean;
}

export interface ListenerPlan {
  /** Stable suffix of the listener's logical name. */
  readonly key: string;
  readonly port: number;
  readonly protocol: "HTTP" | "HTTPS";
  /** The service whose target group the listener forwards to; absent on the routing HTTPS listener. */
  readonly service?: string;
}

/** One rule of the HTTPS listener; exactly one of header or pathPrefix is set. */
export interface RoutingRulePlan {
  readonly key: string;
  readonly service: string;
  readonly priority: number;
  readonly header?: { readonly name: string; readonly value: string };
  readonly pathPrefix?: string;
  /** URL rewrite that strips pathPrefix, so `/<service>/v1/...` reaches the server as `/v1/...`. */
  readonly rewrite?: { readonly regex: string; readonly replace: string };
}

export interface FrontDoorPlan {
  readonly tls: boolean;
  readonly idleTimeoutSeconds: number;
  /** Connection draining: at least the longest generation allowed to finish. */
  readonly deregistrationDelaySeconds: number;
  readonly targets: readonly FrontDoorTarget[];
  readonly listeners: readonly ListenerPlan[];
  readonly rules: readonly RoutingRulePlan[];
}

/** Priorities of the HTTPS rules: path prefixes are checked before headers, in service order. */
export const PATH_RULE_PRIORITY_BASE = 100;
export const HEADER_RULE_PRIORITY_BASE = 200;

export function loadBalancerTarget(svc: ServicePlan): FrontDoorTarget {
  if (svc.router) return { service: svc.name, node: svc.router.node, port: svc.router.port, viaRouter: true };
  const only = svc.placement[0];
  return { service: svc.name, node: only.node, port: only.port, viaRouter: false };
}

/** Path prefix of a service on the HTTPS listener. */
export const servicePathPrefix = (service: string): string => `/${service}`;

/**
 * Lays out the front door. Every service keeps its own port (the seed's 9001, 9002), HTTP without
 * a certificate and HTTPS with one. With a certificate, 443 also routes by `/<service>/...` (rewritten
 * to `/...`) or by the `X-Model: <service>` header; anything else gets a 404 naming both rules.
 */
export function planFrontDoor(plan: DeploymentPlan, settings: AwsFrontDoorSettings): FrontDoorPlan {
  const tls = settings.certificateArn !== undefined;
  const protocol = tls ? "HTTPS" : "HTTP";
  const listeners: ListenerPlan[] = plan.services.map((s) => ({ key: `${s.name}`, port: s.port, protocol, service: s.name }));
  const rules: RoutingRulePlan[] = [];
  if (tls) {
    listeners.push({ key: "https", port: HTTPS_PORT, protocol: "HTTPS" });
    plan.services.forEach((s, i) => {
      const prefix = servicePathPrefix(s.name);
      rules.push({
        key: `${s.name}-path`,
        service: s.name,
        priority: PATH_RULE_PRIORITY_BASE + i,
        pathPrefix: prefix,
        rewrite: { regex: `^${prefix}(/.*)$`, replace: "$1" },
      });
      rules.push({ key: `${s.name}-header`, service: s.name, priority: HEADER_RULE_PRIORITY_BASE + i, header: { name: MODEL_HEADER, value: s.name } });
    });
  }
  return {
    tls,
    idleTimeoutSeconds: settings.idleTimeoutSeconds,
    deregistrationDelaySeconds: settings.maxGenerationSeconds,
    targets: plan.services.map(loadBalancerTarget),
    listeners,
    rules,
  };
}

/** Body of the HTTPS listener's default 404: tells a client how to pick a model. */
export function unroutedMessage(plan: DeploymentPlan): string {
  const names = plan.services.map((s) => s.name);
  return JSON.stringify({
    error: `no model selected: call /<service>/v1/... or send '${MODEL_HEADER}: <service>'`,
    services: names,
  });
}

/**
 * Base URL per service, to which a client appends `/v1/chat/completions`. With TLS it is the
 * path-prefix form on 443 of the domain; without, the service's own port on the load balancer.
 */
export function endpointUrls(plan: DeploymentPlan, settings: AwsFrontDoorSettings, loadBalancerDns: string): Record<string, string> {
  return Object.fromEntries(
    plan.services.map((s) => [s.name, settings.domain ? `https://${settings.domain}${servicePathPrefix(s.name)}` : `http://${loadBalancerDns}:${s.port}`]),
  );
}
