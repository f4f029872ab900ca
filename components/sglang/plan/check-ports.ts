import { PORTS } from "../../contract";
import { ServiceConfig, StackConfig } from "../../config/schema";
import { FixedPort, PlatformTraits } from "../../platforms/traits";
import { keyPath, Problem } from "../../problems";
import { ServicePorts } from "./assign-ports";
import { NodePlan, Slot } from "./types";

/** One process listening on a port in one network namespace. */
export interface Listener {
  /** The namespace: a node or host name, `load balancer`, or one pod. */
  readonly scope: string;
  readonly port: number;
  /** What listens, for messages. */
  readonly what: string;
  /** The config key that sets the port; a collision is reported there. @default - planner-assigned */
  readonly key?: readonly PropertyKey[];
  /** The loopback twin, behind the front proxy, of the listener `key` names. @default false */
  readonly twin?: boolean;
}

/** The value at a dotted config key (`docker.nodeExporterPort`), undefined when a block is absent. */
function at(config: StackConfig, key: string): unknown {
  return key.split(".").reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), config);
}

const opened = (config: StackConfig, f: FixedPort) => {
  if (!f.when) return true;
  const v = at(config, f.when);
  return Array.isArray(v) ? v.length > 0 : v === true;
};

/** The port a fixed listener binds: its config key's value, else contract PORTS. */
export const fixedPortOf = (config: StackConfig, f: FixedPort): number => (f.key ? (at(config, f.key) as number | undefined) : undefined) ?? PORTS[f.role];

/** Every fixed port the platform opens for this config, whatever the scope: workers and router metrics step over these. */
export function reservedPorts(config: StackConfig, traits: PlatformTraits): Set<number> {
  return new Set(traits.fixedPorts.filter((f) => opened(config, f)).map((f) => fixedPortOf(config, f)));
}

const LB = "the load balancer";

/** What a fixed port's process is called in messages. */
const NAMES: Record<FixedPort["role"], string> = { nodeExporter: "node_exporter", dcgmExporter: "dcgm-exporter", prometheus: "Prometheus", grafana: "Grafana", alertmanager: "Alertmanager" };

/**
 * The listeners of a stack, by network namespace: every replica, router and router-metrics port
 * the plan assigned (per node, or per pod with `podNetwork`) and, on a node, its loopback twin behind
 * the front proxy, the service listeners of a load balancer, and the platform's fixed ports (exporters on every node, monitoring on its host,
 * Grafana's load-balancer listener), from contract PORTS or the config key that moves them.
 */
export function stackListeners(
  config: StackConfig,
  traits: PlatformTraits,
  nodes: readonly NodePlan[],
  slots: readonly (readonly Slot[] | undefined)[],
  ports: readonly (ServicePorts | undefined)[],
): Listener[] {
  const out: Listener[] = [];
  config.services.forEach((svc: ServiceConfig, i) => {
    const s = slots[i];
    const p = ports[i];
    const servicePort = ["services", i, "port"];
    if (traits.serviceListenerOnLb) out.push({ scope: LB, port: svc.port, what: `${svc.name}'s listener`, key: servicePort });
    if (!s || !p) return;
    s.forEach((slot, r) => {
      const scope = traits.podNetwork ? `pod ${svc.name}-${r}` : slot.node;
      out.push({ scope, port: p.replicas[r], what: svc.replicas === 1 ? `${svc.name}'s server` : `${svc.name} replica ${r}`, key: svc.replicas === 1 ? servicePort : undefined });
    });
    if (p.routerMetrics !== undefined) {
      const scope = traits.podNetwork ? `${svc.name}'s router pod` : s[0].node;
      out.push({ scope, port: svc.port, what: `${svc.name}'s router`, key: servicePort });
      out.push({ scope, port: p.routerMetrics, what: `${svc.name}'s router metrics` });
    }
  });
  // The front proxy holds every planned port and moves what it fronts to loopback, PORTS.loopbackOffset
  // higher (render/proxy/sites.ts), in the same network as the rest of the node (a pod's twin is alone there).
  if (!traits.podNetwork)
    for (const l of [...out])
      if (l.scope !== LB && l.port + PORTS.loopbackOffset <= 65535)
        out.push({ scope: l.scope, port: l.port + PORTS.loopbackOffset, what: `${l.what} on loopback behind the front proxy (port + PORTS.loopbackOffset)`, key: l.key, twin: true });
  const monitoringHost = (traits.monitoringHostKey ? (at(config, traits.monitoringHostKey) as string | undefined) : undefined) ?? nodes[0]?.name;
  for (const f of traits.fixedPorts.filter((x) => opened(config, x))) {
    const port = fixedPortOf(config, f);
    const what = `${NAMES[f.role]}${f.on === "lb" ? "'s listener" : ""} (${f.key ?? `PORTS.${f.role}`})`;
    const key = f.key?.split(".");
    const scopes = f.on === "node" ? nodes.map((n) => n.name) : f.on === "lb" ? [LB] : monitoringHost ? [monitoringHost] : [];
    for (const scope of scopes) out.push({ scope, port, what, key });
  }
  return out;
}

/**
 * Two listeners on one port in one namespace: one problem per collision, at the config key of a
 * listener the user sets (a service port first), naming both and the ports taken there.
 */
export function portCollisions(listeners: readonly Listener[]): Problem[] {
  const byScope = new Map<string, Listener[]>();
  for (const l of listeners) byScope.set(l.scope, [...(byScope.get(l.scope) ?? []), l]);
  const problems: Problem[] = [];
  for (const [scope, ls] of byScope) {
    const byPort = new Map<number, Listener[]>();
    for (const l of ls) byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);
    for (const [port, same] of byPort) {
      // Two services on one port is the config checks' problem already (services[].port are unique).
      // Their loopback twins collide with each other then too, and are the same problem.
      const servicePort = (l: Listener) => l.key?.[0] === "services" && l.key[2] === "port";
      if (same.length < 2 || (same.every(servicePort) && (same.every((l) => l.twin) || same.every((l) => !l.twin)))) continue;
      const blame = same.find((l) => l.key?.[0] === "services" && !l.twin) ?? same.find((l) => l.key?.[0] === "services") ?? same.find((l) => l.key) ?? same[0];
      const others = same.filter((l) => l !== blame).map((l) => l.what);
      const taken = [...byPort.keys()].sort((a, b) => a - b).join(", ");
      problems.push({
        path: keyPath(blame.key ?? ["services"]),
        value: port,
        rule: `port ${port} on ${scope} is taken twice: ${blame.what} and ${others.join(", ")}`,
        advice: `pick a port not in use there (taken on ${scope}: ${taken})`,
      });
    }
  }
  return problems;
}
