import { AwsFrontDoorSettings } from "../config/aws";
import { DeploymentPlan, ServicePlan } from "../sglang/planner";
import { FrontDoorTiming } from "./front-door-timing";
import { LIMITS } from "./limits";

/**
 * Pure layout of the load balancer in front of the services: which port each listener opens, what
 * each target group targets, the routing rules of the HTTPS listener, and the timing numbers.
 * The FrontDoor component only turns this into resources; the tests read it directly.
 */

/** HTTPS listener that routes to every model by path prefix or header (only with a certificate). */
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

/**
 * Paths the load balancer forwards; everything else gets its 404. The OpenAI API, SGLang's native
 * `/generate` and the read-only `/health` and `/get_model_info`. Not forwarded: the router's
 * unauthenticated `/add_worker` and `/remove_worker`, and SGLang's admin routes (`/flush_cache`,
 * `/update_weights_from_disk`, profiling...).
 */
export const PUBLIC_PATHS = ["/v1/*", "/generate", "/health", "/get_model_info"] as const;

/**
 * PUBLIC_PATHS in groups one rule can match: an ALB condition holds at most 3 values and a rule 5
 * (limits.ts), and a rule has one path-pattern condition, so 4 paths take two rules; with the header
 * condition's 1 value a rule holds at most 4.
 */
export const PATH_GROUPS: readonly (readonly string[])[] = chunk(PUBLIC_PATHS, Math.min(LIMITS.listenerRuleValuesPerCondition, LIMITS.listenerRuleValuesPerRule - 1));

function chunk<T>(xs: readonly T[], n: number): T[][] {
  return Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
}

/** One forwarding rule of a listener: header (if set) AND one of the paths (one group of PATH_GROUPS). */
export interface RoutingRulePlan {
  readonly key: string;
  /** Key of the listener the rule belongs to. */
  readonly listener: string;
  readonly service: string;
  readonly priority: number;
  readonly header?: { readonly name: string; readonly value: string };
  readonly paths: readonly string[];
  /** URL rewrite that strips a path prefix, so `/<service>/v1/...` reaches the server as `/v1/...`. */
  readonly rewrite?: { readonly regex: string; readonly replace: string };
}

export interface FrontDoorPlan extends FrontDoorTiming {
  readonly tls: boolean;
  readonly targets: readonly FrontDoorTarget[];
  readonly listeners: readonly ListenerPlan[];
  readonly rules: readonly RoutingRulePlan[];
}

/** Priority of the first public-path rule on a service's own listener (the others follow). */
export const SERVICE_RULE_PRIORITY = 10;
/**
 * First priority of the HTTPS rules: every service's path-prefix rules, then every service's header
 * rules, in service order (path prefixes are checked before headers).
 */
export const PATH_RULE_PRIORITY_BASE = 100;

/** A rule key per path group: the first keeps the plain key, so existing rules keep their URNs. */
const groupKey = (key: string, group: number) => (group === 0 ? key : `${key}-${group}`);

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
 * to `/...`) or by the `X-Model: <service>` header. Only PUBLIC_PATHS are forwarded; anything else
 * gets a 404 that says how to call a model.
 */
export function planFrontDoor(plan: DeploymentPlan, settings: AwsFrontDoorSettings, timing: FrontDoorTiming): FrontDoorPlan {
  const tls = settings.certificateArn !== undefined;
  const protocol = tls ? "HTTPS" : "HTTP";
  const listeners: ListenerPlan[] = [];
  const rules: RoutingRulePlan[] = [];
  const groups = PATH_GROUPS.length;
  for (const s of plan.services) {
    listeners.push({ key: s.name, port: s.port, protocol, service: s.name });
    PATH_GROUPS.forEach((paths, g) => rules.push({ key: groupKey(`${s.name}-api`, g), listener: s.name, service: s.name, priority: SERVICE_RULE_PRIORITY + g, paths: [...paths] }));
  }
  if (tls) {
    listeners.push({ key: "https", port: HTTPS_PORT, protocol: "HTTPS" });
    const headerBase = PATH_RULE_PRIORITY_BASE + plan.services.length * groups;
    plan.services.forEach((s, i) => {
      const prefix = servicePathPrefix(s.name);
      PATH_GROUPS.forEach((paths, g) => {
        rules.push({
          key: groupKey(`${s.name}-path`, g),
          listener: "https",
          service: s.name,
          priority: PATH_RULE_PRIORITY_BASE + i * groups + g,
          paths: paths.map((p) => `${prefix}${p}`),
          rewrite: { regex: `^${prefix}(/.*)$`, replace: "$1" },
        });
        rules.push({
          key: groupKey(`${s.name}-header`, g),
          listener: "https",
          service: s.name,
          priority: headerBase + i * groups + g,
          header: { name: MODEL_HEADER, value: s.name },
          paths: [...paths],
        });
      });
    });
  }
  return {
    tls,
    ...timing,
    targets: plan.services.map(loadBalancerTarget),
    listeners,
    rules,
  };
}

/** Body of every listener's default 404: tells a client how to call a model. */
export function unroutedMessage(plan: DeploymentPlan, listener: ListenerPlan): string {
  const names = plan.services.map((s) => s.name);
  const how = listener.service ? `this port serves '${listener.service}' on ${PUBLIC_PATHS.join(", ")}` : `call /<service>/v1/... or send '${MODEL_HEADER}: <service>' with /v1/...`;
  return JSON.stringify({ error: `not found: ${how}`, services: names });
}

/**
 * Base URL per service, to which a client appends `/v1/chat/completions`. With TLS it is the
 * path-prefix form on 443 of the domain; without, the service's own port on the load balancer.
 */
export function endpointUrls(plan: DeploymentPlan, settings: AwsFrontDoorSettings, loadBalancerDns: string): Record<string, string> {
  return Object.fromEntries(plan.services.map((s) => [s.name, settings.domain ? `https://${settings.domain}${servicePathPrefix(s.name)}` : `http://${loadBalancerDns}:${s.port}`]));
}
