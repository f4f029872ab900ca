import { ServicePorts } from "./assign-ports";
import { RouterPlan, Slot } from "./types";

/**
 * Phase 6: a service with more than one replica gets a router (smg, sglang/router-args.ts) on the node of
 * replica 0. It binds the service port (the load balancer or clients target it) and fronts every
 * replica's worker port.
 */
export function planRouter(servicePort: number, slots: readonly Slot[], ports: ServicePorts): RouterPlan | undefined {
  if (ports.routerMetrics === undefined) return undefined;
  return {
    node: slots[0].node,
    port: servicePort,
    metricsPort: ports.routerMetrics,
    policy: "power_of_two",
    workers: slots.map((s, r) => ({ node: s.node, port: ports.replicas[r] })),
  };
}
