import { PORTS } from "../../contract";
import { ProblemInput } from "../../problems";
import { DeploymentPlan, ServicePlan } from "../../sglang/planner";
import { ProxySite } from "./nginx";

/**
 * Which proxy sites one node, host or pod has, from the plan: the proxy takes every planned port
 * (a service's port, a replica's worker port, a router's metrics port) and what it fronts moves to
 * loopback at that port plus PORTS.loopbackOffset. So load balancers, Ingress, routers and
 * Prometheus keep the addresses the plan gives them and reach only the proxy. Pure.
 */

/** Where SGLang or a router listens when the proxy holds `port`. */
export const loopbackPort = (port: number): number => port + PORTS.loopbackOffset;

export interface NodeSitesInput {
  /** The plan (its services). */
  readonly plan: Pick<DeploymentPlan, "services">;
  /** The node (aws), host (docker) or, for a pod, the replica's node in the plan. */
  readonly node: string;
  /** Private address of a planned node: the source a remote router connects from. */
  readonly addressOf: (node: string) => string;
  /**
   * Address or CIDR a router on another node connects from, where its address is not known yet
   * (aws: the private subnet, since a node's address exists only once its instance does).
   * @default - `addressOf(node)/32`
   */
  readonly routerSource?: (node: string) => string;
  /** The API key file of a service, if it has a key. */
  readonly apiKeyFile: (service: string) => string | undefined;
  /** Addresses the proxy listens on (a host's private address and 127.0.0.1, for a same-host router). @default ["0.0.0.0"] */
  readonly listenAddresses?: readonly string[];
  /** Only these services (a pod's). @default every service with a replica or router on the node */
  readonly services?: readonly string[];
}

const backend = (port: number) => `127.0.0.1:${loopbackPort(port)}`;

function serviceSites(input: NodeSitesInput, svc: ServicePlan): ProxySite[] {
  const at = (port: number) => (input.listenAddresses ?? ["0.0.0.0"]).map((a) => `${a}:${port}`);
  const key = input.apiKeyFile(svc.name);
  const mine = svc.placement.filter((r) => r.node === input.node);
  if (!svc.router) return mine.map((r) => ({ name: `${svc.name}-${r.replica}`, listen: at(r.port), kind: "api", fronts: "sglang", backend: backend(r.port), apiKeyFile: key }));
  const router = svc.router;
  // The router connects from loopback when it runs here, else from its node's address.
  const routerSources = [router.node === input.node ? "127.0.0.1/32" : (input.routerSource?.(router.node) ?? `${input.addressOf(router.node)}/32`)];
  const sites: ProxySite[] = mine.map((r) => ({ name: `${svc.name}-${r.replica}`, listen: at(r.port), kind: "api", fronts: "sglang", backend: backend(r.port), apiKeyFile: key, routerSources }));
  if (router.node === input.node) {
    sites.push(
      { name: `${svc.name}-router`, listen: at(router.port), kind: "api", fronts: "router", backend: backend(router.port), metricsBackend: backend(router.metricsPort), apiKeyFile: key },
      { name: `${svc.name}-router-metrics`, listen: at(router.metricsPort), kind: "metrics", fronts: "router", backend: backend(router.port), metricsBackend: backend(router.metricsPort) },
    );
  }
  return sites;
}

/** The planned ports a node's proxy holds. */
export function sitePorts(sites: readonly ProxySite[]): number[] {
  return [...new Set(sites.flatMap((s) => (typeof s.listen === "string" ? [s.listen] : s.listen).map((l) => Number(l.split(":").pop()))))];
}

/** The proxy sites of one node; empty when nothing is planned there. */
export function nodeProxySites(input: NodeSitesInput): ProxySite[] {
  return input.plan.services.filter((s) => !input.services || input.services.includes(s.name)).flatMap((s) => serviceSites(input, s));
}

/**
 * Every planned port on a node must leave room for its loopback twin below 65536. (A twin that is
 * another planned port or a fixed one is the planner's port registry's problem: sglang/plan/check-ports.ts.)
 */
export function loopbackPortProblems(plan: Pick<DeploymentPlan, "services">): ProblemInput[] {
  const problems: ProblemInput[] = [];
  const check = (node: string, port: number, i: number) => {
    const twin = loopbackPort(port);
    if (twin > 65535)
      problems.push({
        path: ["services", i, "port"],
        value: port,
        rule: `port ${port} on ${node} needs ${twin} on loopback for what the front proxy fronts, beyond 65535`,
        advice: `keep planned ports below ${65536 - PORTS.loopbackOffset}`,
      });
  };
  plan.services.forEach((s, i) => {
    s.placement.forEach((r) => check(r.node, r.port, i));
    if (s.router) [s.router.port, s.router.metricsPort].forEach((port) => check(s.router!.node, port, i));
  });
  return problems;
}
