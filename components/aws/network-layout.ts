import { DeploymentPlan } from "../sglang/planner";

/**
 * Pure network layout of the aws platform: subnet CIDRs of a new VPC and the full table of
 * security-group rules. The AwsNetwork component turns these into resources one to one.
 */

/** CIDR of a new VPC. */
export const DEFAULT_VPC_CIDR = "10.0.0.0/16";

const toInt = (ip: string) => ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

/** The `index`-th block of `/newPrefix` inside `cidr`. */
export function subnetCidr(cidr: string, newPrefix: number, index: number): string {
  const [ip, p] = cidr.split("/");
  const prefix = Number(p);
  if (newPrefix < prefix || newPrefix > 28) throw new Error(`cannot cut /${newPrefix} blocks out of ${cidr}`);
  if (index < 0 || index >= 2 ** (newPrefix - prefix)) throw new Error(`${cidr} has no /${newPrefix} block number ${index}`);
  const base = toInt(ip) - (toInt(ip) % 2 ** (32 - prefix));
  return `${toIp(base + index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}

export interface SubnetLayout {
  /** One per ALB AZ: /(p+8) blocks inside the first /(p+4) block. */
  readonly publicCidrs: readonly [string, string];
  /** GPU nodes and monitoring: the second /(p+4) block (4096 addresses in a /16). */
  readonly privateCidr: string;
}

/** Subnets of a new VPC: two small public ones for the ALB and NAT, one large private one. */
export function subnetLayout(vpcCidr: string): SubnetLayout {
  const prefix = Number(vpcCidr.split("/")[1]);
  return {
    publicCidrs: [subnetCidr(vpcCidr, prefix + 8, 0), subnetCidr(vpcCidr, prefix + 8, 1)],
    privateCidr: subnetCidr(vpcCidr, prefix + 4, 1),
  };
}

/** The three security groups of a stack. */
export type SecurityGroupRole = "loadBalancer" | "node" | "monitoring";

/** Where a rule's traffic comes from (ingress) or goes to (egress). */
export type RulePeer = { readonly cidr: string } | { readonly group: SecurityGroupRole };

export interface SecurityRule {
  /** Stable, unique suffix of the rule's logical name. */
  readonly key: string;
  readonly group: SecurityGroupRole;
  readonly direction: "ingress" | "egress";
  readonly port: number;
  readonly peer: RulePeer;
  readonly description: string;
}

export interface SecurityRuleInput {
  readonly plan: DeploymentPlan;
  /** Client CIDRs the load balancer admits; empty means nobody. */
  readonly allowedCidrs: readonly string[];
  /** Ports the load balancer listens on. */
  readonly listenerPorts: readonly number[];
  /** Ports the load balancer sends traffic and health checks to. */
  readonly targetPorts: readonly number[];
  readonly nodeExporterPort: number;
  readonly dcgmPort: number;
}

/** Internet egress (image pulls, weight downloads, SSM, EC2 API) goes out on these ports only. */
export const INTERNET_EGRESS_PORTS = [443, 80] as const;
const ANYWHERE = "0.0.0.0/0";

const SHORT: Record<SecurityGroupRole, string> = { loadBalancer: "lb", node: "node", monitoring: "mon" };
const peerKey = (p: RulePeer) => ("group" in p ? SHORT[p.group] : p.cidr.replace(/[./]/g, "-"));

/**
 * Every security-group rule, least privilege:
 * - load balancer: in from allowedCidrs on listener ports only; out to the nodes on target ports.
 * - nodes: target ports (SGLang of a single replica, or the router) only from the load balancer;
 *   every SGLang port (for /metrics), router metrics ports, node_exporter and dcgm-exporter only
 *   from monitoring; a worker port from the nodes themselves only when its router sits on another
 *   node. Out to the internet on 80/443 (NAT) and to each other for those worker ports.
 * - monitoring: no ingress from here (the monitoring component adds Grafana's, if any); out to the
 *   nodes' scrape ports and to the internet on 80/443.
 * 0.0.0.0/0 appears only as egress on 80/443, and as ingress only if a user lists it in allowedCidrs.
 */
export function securityRules(input: SecurityRuleInput): SecurityRule[] {
  const rules = new Map<string, SecurityRule>();
  const add = (group: SecurityGroupRole, direction: "ingress" | "egress", port: number, peer: RulePeer, description: string) => {
    const key = `${SHORT[group]}-${direction === "ingress" ? "in" : "out"}-${port}-${peerKey(peer)}`;
    if (!rules.has(key)) rules.set(key, { key, group, direction, port, peer, description });
  };
  // Ingress and the matching egress of the other group, so both sides name the same port.
  const allow = (from: SecurityGroupRole, to: SecurityGroupRole, port: number, what: string) => {
    add(to, "ingress", port, { group: from }, `${what} from ${SHORT[from]}`);
    add(from, "egress", port, { group: to }, `${what} to ${SHORT[to]}`);
  };

  for (const port of input.listenerPorts) for (const cidr of input.allowedCidrs) add("loadBalancer", "ingress", port, { cidr }, `clients on listener ${port}`);
  for (const port of input.targetPorts) allow("loadBalancer", "node", port, `traffic and /health on ${port}`);

  for (const svc of input.plan.services) {
    // /metrics is served on every SGLang port; the router has its own metrics port.
    for (const r of svc.placement) allow("monitoring", "node", r.port, `${svc.name} SGLang /metrics`);
    if (svc.router) {
      allow("monitoring", "node", svc.router.metricsPort, `${svc.name} router metrics`);
      for (const w of svc.router.workers) if (w.node !== svc.router.node) allow("node", "node", w.port, `${svc.name} router to worker`);
    }
  }
  allow("monitoring", "node", input.nodeExporterPort, "node_exporter");
  allow("monitoring", "node", input.dcgmPort, "dcgm-exporter");
  for (const port of INTERNET_EGRESS_PORTS) {
    add("node", "egress", port, { cidr: ANYWHERE }, `internet egress ${port} (images, weights, SSM)`);
    add("monitoring", "egress", port, { cidr: ANYWHERE }, `internet egress ${port} (images, EC2 discovery, SSM)`);
  }
  return [...rules.values()];
}
