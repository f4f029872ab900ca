import * as pulumi from "@pulumi/pulumi";
import { RouterNodeFiles, routerNodeFiles } from "../render/router-unit";
import { DeploymentPlan } from "../sglang/planner";

/**
 * The router units each GPU node carries (render/router-unit.ts), for the GpuNode `extraUnits` /
 * `extraFiles` inputs. A router whose workers all share its node needs nothing else; a worker on
 * another node is reached at that node's private IP, which exists only once that node's instance
 * does: the adapter hands the IPs over with `setAddresses` after creating the nodes, and only the
 * nodes that need them wait. Two nodes that each need the other's IP could never be created, so
 * that placement is refused up front.
 */
export class NodeRouters {
  private readonly plan: DeploymentPlan;
  private readonly sglangImage: string;
  private readonly addresses: Promise<Record<string, pulumi.Output<string>>>;
  private resolveAddresses!: (ips: Record<string, pulumi.Output<string>>) => void;

  constructor(plan: DeploymentPlan, sglangImage: string) {
    this.plan = plan;
    this.sglangImage = sglangImage;
    this.addresses = new Promise((resolve) => (this.resolveAddresses = resolve));
    const cycle = findCycle(remoteWorkerNodes(plan));
    if (cycle) throw new Error(`routers on ${cycle.join(" -> ")} each need another node's address before it exists; place each routed service's replicas so that no two nodes route to each other (services[].placement)`);
  }

  /** Router units and files of `node`; waits for setAddresses only if a router there has a remote worker. */
  filesFor(node: string): pulumi.Output<RouterNodeFiles> {
    const services = this.plan.services.filter((s) => s.router?.node === node);
    const render = (ips: Record<string, string>) =>
      routerNodeFiles({
        services,
        sglangImage: this.sglangImage,
        addressOf: (n) => {
          if (!ips[n]) throw new Error(`no private address for node '${n}'`);
          return ips[n];
        },
      });
    const remote = [...(remoteWorkerNodes(this.plan).get(node) ?? [])];
    if (remote.length === 0) return pulumi.output(render({}));
    // Only the remote nodes' addresses (picked before pulumi unwraps them): waiting for this
    // node's own would never end.
    const picked = Object.fromEntries(remote.map((n) => [n, pulumi.output(this.addresses.then((ips) => ips[n]))]));
    return pulumi.all(picked).apply(render);
  }

  /** Hands over every node's private IP (call once, after the nodes exist). */
  setAddresses(ips: Record<string, pulumi.Output<string>>): void {
    this.resolveAddresses(ips);
  }
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
