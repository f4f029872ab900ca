import { PORTS } from "../../contract";
import { ServiceConfig } from "../../config/schema";
import { Slot } from "./types";

/** The ports one service's processes bind. */
export interface ServicePorts {
  /** Per replica: the service port when it runs alone, else a worker port behind the router. */
  readonly replicas: readonly number[];
  /** The router's Prometheus port, on the node of replica 0; only for routed services. */
  readonly routerMetrics?: number;
}

/** The first port at or above `from` that is not in `taken`. */
export function firstFreePort(from: number, taken: ReadonlySet<number>): number {
  let port = from;
  while (taken.has(port)) port++;
  return port;
}

/**
 * Phase 3: ports. A service with one replica binds its own port; replicas behind a router get
 * worker ports counting up from PORTS.workerBase per node, routers' metrics ports count up from
 * PORTS.routerMetricsBase on the router's node, and neither takes a service port, a port the
 * platform opens beside them (`reserved`: exporters, monitoring) or a port already handed out on
 * that node. With `podNetwork` (each replica in its own network namespace) every
 * worker binds the one first free worker port, so one pod template fits all replicas.
 * Services without slots (placement failed) get no ports and take none.
 */
export function assignPorts(
  services: readonly ServiceConfig[],
  slots: readonly (readonly Slot[] | undefined)[],
  opts: { readonly podNetwork: boolean; readonly reserved?: ReadonlySet<number> },
): (ServicePorts | undefined)[] {
  const servicePorts = new Set([...services.map((s) => s.port), ...(opts.reserved ?? [])]);
  const taken = new Map<string, Set<number>>();
  const next = new Map<string, { worker: number; metrics: number }>();
  const claim = (node: string, kind: "worker" | "metrics"): number => {
    const used = taken.get(node) ?? taken.set(node, new Set(servicePorts)).get(node)!;
    const counter = next.get(node) ?? next.set(node, { worker: PORTS.workerBase, metrics: PORTS.routerMetricsBase }).get(node)!;
    const port = firstFreePort(counter[kind], used);
    used.add(port);
    counter[kind] = port + 1;
    return port;
  };
  const podWorkerPort = firstFreePort(PORTS.workerBase, servicePorts);
  return services.map((svc, si) => {
    const s = slots[si];
    if (!s) return undefined;
    if (svc.replicas === 1) return { replicas: s.map(() => svc.port) };
    const replicas = s.map((slot) => (opts.podNetwork ? podWorkerPort : claim(slot.node, "worker")));
    return { replicas, routerMetrics: claim(s[0].node, "metrics") };
  });
}
