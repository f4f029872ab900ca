import { StackConfig } from "../config/schema";
import { Problem, keyPath } from "../problems";

/** What EC2 says about a capacity reservation (the read CapacityReservation resource). */
export interface ReservationFacts {
  readonly id: string;
  readonly availabilityZone: string;
  readonly instanceType: string;
}

/** Pools that run in an On-Demand Capacity Reservation or a Capacity Block given by id. */
export function reservedPools(config: StackConfig): { index: number; pool: string; instanceType?: string; id: string }[] {
  return config.nodePools.flatMap((p, index) => (p.capacityReservation?.id ? [{ index, pool: p.name, instanceType: p.instanceType, id: p.capacityReservation.id }] : []));
}

/**
 * Before any resource exists: a resource group of reservations may span zones, so the zone must be
 * given unless a reservation by id fixes it; a reservation is aws only.
 */
export function reservationConfigProblems(config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  const grouped = config.nodePools.findIndex((p) => p.capacityReservation?.resourceGroupArn);
  if (grouped >= 0 && reservedPools(config).length === 0 && !config.aws?.network.availabilityZone && !config.aws?.network.vpcId)
    problems.push({
      path: keyPath(["aws", "network", "availabilityZone"]),
      rule: `must be set: nodePools[${grouped}] draws on a resource group of capacity reservations, which may span zones`,
      advice: "set the zone of the group's reservations (a name such as us-east-1a or an id such as use1-az4)",
    });
  return problems;
}

/**
 * After EC2 answered: each reserved pool's instance type must be the reserved one, and all
 * reservations (and so the nodes, their caches and monitoring) must be in one zone.
 */
export function reservationZone(config: StackConfig, facts: readonly ReservationFacts[]): { zone?: string; problems: Problem[] } {
  const pools = reservedPools(config);
  const problems: Problem[] = [];
  for (const p of pools) {
    const f = facts.find((x) => x.id === p.id)!;
    if (p.instanceType && f.instanceType !== p.instanceType)
      problems.push({
        path: keyPath(["nodePools", p.index, "capacityReservation", "id"]),
        value: p.id,
        rule: `reserves ${f.instanceType}, but pool '${p.pool}' plans ${p.instanceType}`,
        advice: `set nodePools[${p.index}].instanceType to ${f.instanceType}, or use a reservation for ${p.instanceType}`,
      });
  }
  const zones = [...new Set(facts.map((f) => f.availabilityZone))];
  if (zones.length > 1)
    problems.push({
      path: keyPath("nodePools"),
      value: facts.map((f) => `${f.id}: ${f.availabilityZone}`),
      rule: "has capacity reservations in different zones; the GPU nodes, their caches and monitoring share one zone",
      advice: "use reservations in one zone",
    });
  return problems.length ? { problems } : { zone: zones[0], problems };
}

/** aws.nodes.cacheVolumeIds names planned nodes only (a typo would silently download the weights again). */
export function adoptedVolumeProblems(plan: { readonly nodes: readonly { readonly name: string }[] } | undefined, config: StackConfig): Problem[] {
  const ids = config.aws?.nodes.cacheVolumeIds ?? {};
  if (!plan) return [];
  const nodes = plan.nodes.map((n) => n.name);
  return Object.keys(ids)
    .filter((n) => !nodes.includes(n))
    .map((n) => ({ path: keyPath(["aws", "nodes", "cacheVolumeIds", n]), value: ids[n], rule: `names no planned node`, advice: `planned nodes: ${nodes.join(", ")}` }));
}

/** Several things that each fix the zone (reservations, retained volumes) must agree. */
export function agreedZone(fixes: readonly { readonly zone: string; readonly why: string; readonly path: string }[]): { fix?: (typeof fixes)[number]; problems: Problem[] } {
  const zones = [...new Set(fixes.map((f) => f.zone))];
  if (zones.length <= 1) return { fix: fixes[0], problems: [] };
  return {
    problems: [
      {
        path: keyPath(fixes[1].path),
        rule: `puts the stack in ${fixes[1].zone}, but ${fixes[0].why} is in ${fixes[0].zone}`,
        advice: "the GPU nodes, their caches and monitoring share one zone: use a reservation and retained volumes of one zone",
        value: fixes.map((f) => `${f.why}: ${f.zone}`),
      },
    ],
  };
}
