import { Problem, keyPath } from "../problems";

/**
 * Which availability zone the GPU nodes, their weight caches and the monitoring instance share.
 * Zone names (`us-east-1a`) map to physical zones differently in every account; zone ids
 * (`use1-az4`) do not, and EC2 says per zone id which instance types it sells
 * (DescribeInstanceTypeOfferings, LocationType availability-zone-id). A g6.12xlarge, for example,
 * is not sold in every us-east-1 zone, so "the region's first zone" can be one where the node
 * can never start. Pure: the network component feeds it what EC2 answered.
 */

/** The account's zones of the region, as getAvailabilityZones returns them (parallel lists). */
export interface RegionZones {
  readonly names: readonly string[];
  readonly zoneIds: readonly string[];
}

/** DescribeInstanceTypeOfferings by zone id, as getInstanceTypeOfferings returns it (parallel lists). */
export interface TypeOfferings {
  readonly instanceTypes: readonly string[];
  readonly locations: readonly string[];
}

export interface ZoneChoice {
  readonly name: string;
  readonly id: string;
}

/** A zone name (`us-east-1a`) or a zone id (`use1-az4`). */
export const ZONE_NAME = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;
export const ZONE_ID = /^[a-z]{2,5}\d-az\d+$/;

export interface ZoneRequest {
  readonly region: string;
  readonly zones: RegionZones;
  readonly offerings: TypeOfferings;
  /** Every instance type that must run in the zone (GPU pools, the monitoring instance). */
  readonly instanceTypes: readonly string[];
  /** `aws.network.availabilityZone`, a name or an id. @default - the first zone (by name) that offers every type */
  readonly requested?: string;
  /** The config key the requested zone came from. @default "aws.network.availabilityZone" */
  readonly requestedPath?: string;
  /** A zone something else fixes (a capacity reservation's), by name; `requested` must agree with it. @default - none */
  readonly required?: { readonly zone: string; readonly why: string; readonly path: string };
}

/** Zone ids that offer `type`, per the offerings. */
export function offeredZoneIds(offerings: TypeOfferings, type: string): string[] {
  return offerings.instanceTypes.flatMap((t, i) => (t === type ? [offerings.locations[i]] : []));
}

/** The zone to use, or the problems that rule every zone out (each with what would work). */
export function chooseZone(r: ZoneRequest): { zone: ZoneChoice; problems: [] } | { zone?: undefined; problems: Problem[] } {
  const zones = r.zones.names.map((name, i) => ({ name, id: r.zones.zoneIds[i] }));
  const types = [...new Set(r.instanceTypes)];
  const offered = new Map(types.map((t) => [t, new Set(offeredZoneIds(r.offerings, t))]));
  const offersAll = (z: ZoneChoice) => types.every((t) => offered.get(t)!.has(z.id));
  const show = (z: ZoneChoice) => `${z.name} (${z.id})`;
  const good = zones.filter(offersAll);
  const perType = types
    .map(
      (t) =>
        `${t}: ${
          zones
            .filter((z) => offered.get(t)!.has(z.id))
            .map(show)
            .join(", ") || "no zone"
        }`,
    )
    .join("; ");

  if (r.required) {
    const fixed = zones.find((z) => z.name === r.required!.zone || z.id === r.required!.zone);
    const asked = r.requested === undefined ? undefined : zones.find((z) => z.name === r.requested || z.id === r.requested);
    if (fixed && asked && asked.id !== fixed.id)
      return {
        problems: [
          {
            path: keyPath(r.requestedPath ?? "aws.network.availabilityZone"),
            value: r.requested,
            rule: `differs from ${show(fixed)}, the zone of ${r.required.why}`,
            advice: `leave it unset or set ${fixed.name}`,
          },
        ],
      };
    if (fixed) return chooseZone({ ...r, required: undefined, requested: fixed.name, requestedPath: r.required.path });
    return {
      problems: [
        {
          path: keyPath(r.requestedPath ?? r.required.path),
          value: r.requested,
          rule: `is not in ${r.required.zone}, the zone of ${r.required.why}`,
          advice: `use a private subnet in ${r.required.zone}`,
        },
      ],
    };
  }
  if (r.requested !== undefined) {
    const path = keyPath(r.requestedPath ?? "aws.network.availabilityZone");
    const zone = zones.find((z) => z.name === r.requested || z.id === r.requested);
    if (!zone) return { problems: [{ path, value: r.requested, rule: `is not a zone of ${r.region}`, advice: `give a zone name or id of ${r.region}: ${zones.map(show).join(", ")}` }] };
    const missing = types.filter((t) => !offered.get(t)!.has(zone.id));
    if (missing.length)
      return {
        problems: [
          {
            path,
            value: r.requested,
            rule: `${show(zone)} does not offer ${missing.join(", ")}`,
            advice: good.length
              ? `use one of ${good.map(show).join(", ")}, or leave it unset to pick one`
              : `no zone of ${r.region} offers every planned type (${perType}); pick another region or instance type`,
          },
        ],
      };
    return { zone, problems: [] };
  }
  if (good.length) return { zone: good[0], problems: [] };
  return {
    problems: [
      {
        path: keyPath("nodePools"),
        value: types,
        rule: `no availability zone of ${r.region} offers every planned instance type (GPU nodes, their caches and the monitoring instance share one zone)`,
        advice: `offered in ${r.region}: ${perType}; pick another region (aws:region) or instance types one zone offers together`,
      },
    ],
  };
}
