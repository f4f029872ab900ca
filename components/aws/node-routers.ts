import * as pulumi from "@pulumi/pulumi";
import { RouterNodeFiles, routerNodeFiles } from "../render/aws/router-units";
import { DeploymentPlan } from "../sglang/planner";
import { QwenServingError } from "../problems";
import { remoteWorkerNodes, routingProblems } from "./checks";

/**
 * The router units each GPU node carries (render/aws/router-units.ts), for the GpuNode `extraUnits` /
 * `extraFiles` inputs. A router whose workers all share its node needs nothing else; a worker on
 * another node is reached at that node's private IP, which exists only once that node's instance
 * does: the adapter hands the IPs over with `setAddresses` after creating the nodes, and only the
 * nodes that need them wait. Two nodes that each need the other's IP could never be created, so
 * that placement is refused up front (checks.ts: routingProblems).
 */
export class NodeRouters {
  private readonly plan: DeploymentPlan;
  private readonly sglangImage: string;
  private readonly requestTimeoutSecs: number;
  private readonly addresses: Promise<Record<string, pulumi.Output<string>>>;
  private resolveAddresses!: (ips: Record<string, pulumi.Output<string>>) => void;

  constructor(plan: DeploymentPlan, sglangImage: string, requestTimeoutSecs: number) {
    this.plan = plan;
    this.sglangImage = sglangImage;
    this.requestTimeoutSecs = requestTimeoutSecs;
    this.addresses = new Promise((resolve) => (this.resolveAddresses = resolve));
    const problems = routingProblems(plan);
    if (problems.length) throw new QwenServingError("platform", problems);
  }

  /** Router units and files of `node`; waits for setAddresses only if a router there has a remote worker. */
  filesFor(node: string): pulumi.Output<RouterNodeFiles> {
    const services = this.plan.services.filter((s) => s.router?.node === node);
    const render = (ips: Record<string, string>) =>
      routerNodeFiles({
        services,
        sglangImage: this.sglangImage,
        requestTimeoutSecs: this.requestTimeoutSecs,
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
