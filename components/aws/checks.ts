import { AwsMonitoringSettings, AwsSettingsSchema } from "../config/aws";
import { PlatformCheckInput } from "../platform";
import { Problem, keyPath } from "../problems";
import { loopbackPortProblems } from "../render/proxy/sites";
import { DeploymentPlan } from "../sglang/planner";
import { maxGenerationSeconds } from "../config/proxy";
import { awsLimitProblems } from "./config-limits";
import { awsExposureProblems } from "./exposure";
import { adoptedVolumeProblems, reservationConfigProblems } from "./reservations";
import { HTTPS_PORT } from "./front-door-plan";
import { frontDoorTimingProblems } from "./front-door-timing";

/**
 * The aws adapter's pre-flight checks: pure, run by `AwsPlatform.validate` before its `super()` and
 * by `QwenServing` together with the config's and the planner's problems.
 */
export function awsProblems({ plan, config, secrets }: PlatformCheckInput): Problem[] {
  const settings = config.aws ?? AwsSettingsSchema.parse({});
  const monitoring = config.monitoring.enabled
    ? awsMonitoringProblems(config.services, settings.monitoring, { tls: settings.frontDoor.certificateArn !== undefined, hasGrafanaPassword: secrets.grafanaAdminPassword })
    : [];
  return [
    ...monitoring,
    ...(plan ? routingProblems(plan) : []),
    ...(plan ? loopbackPortProblems(plan).map((p) => ({ ...p, path: keyPath(p.path) })) : []),
    ...awsLimitProblems(plan, config),
    ...awsExposureProblems({ plan, config, secrets }),
    ...reservationConfigProblems(config),
    ...adoptedVolumeProblems(plan, config),
    ...requestTimeoutProblems(config),
    ...frontDoorTimingProblems(config),
  ];
}

/** The proxies' read timeout and the routers' request timeout follow the longest allowed generation; 0 s would cut every request. */
function requestTimeoutProblems(config: PlatformCheckInput["config"]): Problem[] {
  if (maxGenerationSeconds(config) > 0) return [];
  return [
    {
      path: keyPath(["aws", "frontDoor", "maxGenerationSeconds"]),
      value: 0,
      rule: "is also how long the front proxy and the router let a request take",
      advice: "set proxy.maxGenerationSeconds to the longest generation you allow",
    },
  ];
}

/**
 * What stops the monitoring instance from being built: Grafana's listener on a port the load
 * balancer already uses, or no admin password.
 */
export function awsMonitoringProblems(
  services: readonly { readonly name: string; readonly port: number }[],
  settings: AwsMonitoringSettings,
  opts: { readonly tls: boolean; readonly hasGrafanaPassword: boolean },
): Problem[] {
  const problems: Problem[] = [];
  if (settings.grafanaAllowedCidrs.length) {
    const clash = services.find((s) => s.port === settings.grafanaPort)?.name ?? (opts.tls && settings.grafanaPort === HTTPS_PORT ? "the HTTPS routing listener" : undefined);
    if (clash)
      problems.push({ path: keyPath(["aws", "monitoring", "grafanaPort"]), value: settings.grafanaPort, rule: `is already a load-balancer port (${clash})`, advice: "pick another port for Grafana" });
  }
  if (!opts.hasGrafanaPassword)
    problems.push({
      path: keyPath("grafanaAdminPassword"),
      rule: "monitoring is enabled and Grafana must not keep its default admin password",
      advice: "set it with 'pulumi config set --secret grafanaAdminPassword ...', or set monitoring.enabled false",
    });
  return problems;
}

/** node -> the other nodes its routers send traffic to. */
export function remoteWorkerNodes(plan: DeploymentPlan): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const s of plan.services) {
    if (!s.router) continue;
    for (const w of s.router.workers) {
      if (w.node === s.router.node) continue;
      if (!edges.has(s.router.node)) edges.set(s.router.node, new Set());
      edges.get(s.router.node)!.add(w.node);
    }
  }
  return edges;
}

/**
 * A router reaches a worker on another node at that node's private IP, which exists only once the
 * node does: two nodes that each need the other's IP could never be created.
 */
export function routingProblems(plan: DeploymentPlan): Problem[] {
  const cycle = findCycle(remoteWorkerNodes(plan));
  if (!cycle) return [];
  const index = plan.services.findIndex((s) => s.router && cycle.includes(s.router.node) && s.router.workers.some((w) => w.node !== s.router!.node));
  return [
    {
      path: keyPath(["services", Math.max(index, 0), "placement"]),
      rule: `routers on ${cycle.join(" -> ")} each need another node's address before it exists`,
      advice: "place each routed service's replicas so that no two nodes route to each other",
    },
  ];
}

function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const walk = (n: string, path: string[]): string[] | undefined => {
    if (state.get(n) === "open") return [...path.slice(path.indexOf(n)), n];
    if (state.get(n) === "done") return undefined;
    state.set(n, "open");
    for (const m of edges.get(n) ?? []) {
      const c = walk(m, [...path, n]);
      if (c) return c;
    }
    state.set(n, "done");
    return undefined;
  };
  for (const n of edges.keys()) {
    const c = walk(n, []);
    if (c) return c;
  }
  return undefined;
}
