import type { PolicyResource } from "@pulumi/policy";
import { TAGS } from "../components/contract";
import { LISTENER_TYPES, LOAD_BALANCER_TYPES, TYPES } from "./resources";

/**
 * One view of every ingress rule of a stack, whichever of the three AWS spellings declared it
 * (`aws.vpc.SecurityGroupIngressRule`, `aws.ec2.SecurityGroupRule` of type ingress, inline
 * `ingress` of `aws.ec2.SecurityGroup`), with the security groups on both ends resolved to the
 * stack's own resources. Groups are found through the rule's property dependencies (how Pulumi
 * knows `securityGroupId: group.id` came from `group`), else by a matching `id` output.
 */

export interface IngressRule {
  /** The resource that declares the rule (the group itself for inline rules). */
  readonly resource: PolicyResource;
  /** The group the rule opens, when it is one of the stack's. */
  readonly group?: PolicyResource;
  readonly fromPort: number;
  readonly toPort: number;
  /** "tcp", "udp", "icmp", or "-1" for every protocol (and so every port). */
  readonly protocol: string;
  readonly cidrs: readonly string[];
  /** Source groups of the stack. */
  readonly peers: readonly PolicyResource[];
  /** Sources that are neither CIDRs nor groups of this stack (prefix lists, foreign group ids). */
  readonly otherSources: readonly string[];
}

const ALL_PROTOCOLS = new Set(["-1", "all"]);
const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" && v !== "" ? [v] : []);

/** Resolves security-group references to the stack's group resources. */
function groupResolver(resources: readonly PolicyResource[]) {
  const byId = new Map(resources.filter((g) => g.type === TYPES.securityGroup && typeof g.props.id === "string").map((g) => [g.props.id as string, g]));
  /** Group ids -> the stack's groups, and the ids that are not the stack's. */
  const byIds = (ids: string[]) => ({ found: ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])), unresolved: ids.filter((id) => !byId.has(id)) });
  /** A resource's property -> the groups it came from (its dependencies), else by id. */
  const byProperty = (r: PolicyResource, prop: string) => {
    const deps = (r.propertyDependencies[prop] ?? []).filter((d) => d.type === TYPES.securityGroup);
    return deps.length ? { found: deps, unresolved: [] as string[] } : byIds(asList(r.props[prop]));
  };
  return { byIds, byProperty };
}

const ports = (protocol: unknown, from: unknown, to: unknown) => {
  const p = String(protocol ?? "tcp").toLowerCase();
  return ALL_PROTOCOLS.has(p) ? { protocol: "-1", fromPort: 0, toPort: 65535 } : { protocol: p, fromPort: Number(from ?? 0), toPort: Number(to ?? from ?? 65535) };
};

/** Every ingress rule of the stack. */
export function ingressRules(resources: readonly PolicyResource[]): IngressRule[] {
  const { byIds, byProperty: resolve } = groupResolver(resources);
  const rules: IngressRule[] = [];
  for (const r of resources) {
    const p = r.props;
    if (r.type === TYPES.ingressRule) {
      const peer = resolve(r, "referencedSecurityGroupId");
      rules.push({
        resource: r,
        group: resolve(r, "securityGroupId").found[0],
        ...ports(p.ipProtocol, p.fromPort, p.toPort),
        cidrs: [...asList(p.cidrIpv4), ...asList(p.cidrIpv6)],
        peers: peer.found,
        otherSources: [...peer.unresolved, ...asList(p.prefixListId)],
      });
    } else if (r.type === TYPES.securityGroupRule && p.type === "ingress") {
      const group = resolve(r, "securityGroupId").found[0];
      const peer = resolve(r, "sourceSecurityGroupId");
      rules.push({
        resource: r,
        group,
        ...ports(p.protocol, p.fromPort, p.toPort),
        cidrs: [...asList(p.cidrBlocks), ...asList(p.ipv6CidrBlocks)],
        peers: [...peer.found, ...(p.self === true && group ? [group] : [])],
        otherSources: [...peer.unresolved, ...asList(p.prefixListIds)],
      });
    } else if (r.type === TYPES.securityGroup) {
      // Inline rules share one dependency list, so each rule's source groups are resolved by id only.
      for (const rule of (p.ingress ?? []) as Record<string, unknown>[]) {
        const peer = byIds(asList(rule.securityGroups));
        rules.push({
          resource: r,
          group: r,
          ...ports(rule.protocol, rule.fromPort, rule.toPort),
          cidrs: [...asList(rule.cidrBlocks), ...asList(rule.ipv6CidrBlocks)],
          peers: [...peer.found, ...(rule.self === true ? [r] : [])],
          otherSources: [...peer.unresolved, ...asList(rule.prefixListIds)],
        });
      }
    }
  }
  return rules;
}

export interface LoadBalancerGroups {
  /** Group -> the load balancers using it. */
  readonly loadBalancersOf: Map<PolicyResource, PolicyResource[]>;
  /** Load balancer -> its listener ports. */
  readonly listenerPorts: Map<PolicyResource, number[]>;
}

/** Which groups front load balancers, and on which listener ports each load balancer listens. */
export function loadBalancerGroups(resources: readonly PolicyResource[]): LoadBalancerGroups {
  const resolve = groupResolver(resources).byProperty;
  const lbs = resources.filter((r) => LOAD_BALANCER_TYPES.includes(r.type));
  const loadBalancersOf = new Map<PolicyResource, PolicyResource[]>();
  for (const lb of lbs) for (const g of resolve(lb, "securityGroups").found) loadBalancersOf.set(g, [...(loadBalancersOf.get(g) ?? []), lb]);
  const lbByArn = new Map(lbs.filter((lb) => typeof lb.props.arn === "string").map((lb) => [lb.props.arn as string, lb]));
  const listenerPorts = new Map<PolicyResource, number[]>();
  for (const l of resources.filter((r) => LISTENER_TYPES.includes(r.type))) {
    const lb = (l.propertyDependencies.loadBalancerArn ?? []).find((d) => LOAD_BALANCER_TYPES.includes(d.type)) ?? lbByArn.get(l.props.loadBalancerArn);
    if (lb && typeof l.props.port === "number") listenerPorts.set(lb, [...(listenerPorts.get(lb) ?? []), l.props.port]);
  }
  return { loadBalancersOf, listenerPorts };
}

/**
 * The monitoring group: tagged `TAGS.role` = `monitoring`, or named `<network>-monitoring`
 * (AwsNetwork's logical names are a public contract, STYLE-ANCHORS practice 7).
 */
export const isMonitoringGroup = (g: PolicyResource): boolean => g.props.tags?.[TAGS.role] === "monitoring" || g.name.endsWith("-monitoring");

export const OPEN_CIDRS: readonly string[] = ["0.0.0.0/0", "::/0"];

/** "tcp 9001", "tcp 30000-30099", "every port". */
export const describePorts = (r: Pick<IngressRule, "protocol" | "fromPort" | "toPort">): string =>
  r.protocol === "-1" ? "every port" : `${r.protocol} ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}`;
