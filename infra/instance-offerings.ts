/**
 * What EC2 answers, per region, for the zones of one (mock) account and for DescribeInstanceTypeOfferings
 * by zone id, for the instance types the stacks and tests plan. The mocks answer
 * `aws:index/getAvailabilityZones` and `aws:ec2/getInstanceTypeOfferings` from here.
 *
 * Offerings: the rows of skypilot-org/skypilot-catalog catalogs/v7/aws/vms.csv at commit 001367d
 * (built from DescribeInstanceTypeOfferings with LocationType availability-zone-id; pre-June-2025
 * prices, so early-to-mid 2025 data), read for these types and regions. m7i.large is given the zones
 * of its family's m7i.12xlarge and m7i.16xlarge rows (the .large rows were not read). A type missing
 * from a region below is answered as not offered there, as EC2 answers for a type it does not sell.
 *
 * Zone names map to zone ids differently in every account (AWS docs: "AZ IDs"); the mapping below
 * is one such account's, deliberately not name order, so code that picks `<region>a` without asking
 * which zone id it is breaks here as it would for a real user.
 */

type ZoneNumbers = readonly number[];

/** Zone letter -> zone-id number, per region, for the mock account. */
export const MOCK_ZONE_MAP: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  "us-east-1": { a: 3, b: 5, c: 1, d: 6, e: 2, f: 4 },
  "us-west-2": { a: 2, b: 1, c: 3, d: 4 },
  "eu-west-1": { a: 2, b: 3, c: 1 },
  "eu-west-2": { a: 2, b: 3, c: 1 },
  "ap-northeast-1": { a: 4, c: 1, d: 2 },
};

/** Instance type -> region -> zone-id numbers that offer it. */
export const OFFERINGS: Readonly<Record<string, Readonly<Record<string, ZoneNumbers>>>> = {
  "g6.12xlarge": { "us-east-1": [1, 2, 4, 6], "us-west-2": [1, 2, 3, 4], "eu-west-2": [2, 3] },
  "p4d.24xlarge": { "us-east-1": [1, 2, 6], "us-west-2": [1, 2, 3], "eu-west-1": [2] },
  "p4de.24xlarge": { "us-east-1": [1, 2, 3, 4, 5, 6], "us-west-2": [1, 2, 3, 4] },
  "p5.48xlarge": { "us-east-1": [1, 2, 3, 4, 5, 6], "us-west-2": [1, 2, 3, 4], "eu-west-2": [1, 2, 3], "ap-northeast-1": [1, 4] },
  "p5en.48xlarge": { "us-east-1": [2], "us-west-2": [2, 3, 4], "ap-northeast-1": [4] },
  "m7i.large": { "us-east-1": [1, 2, 4, 5, 6], "us-west-2": [1, 2, 3, 4], "eu-west-1": [1, 2, 3], "eu-west-2": [1, 2, 3], "ap-northeast-1": [1, 2, 4] },
};

/** `use1`, `euw2`, `apne1`: the zone-id prefix of a region. */
export const zoneIdPrefix = (region: string): string => region.replace(/^([a-z]{2})-([a-z])[a-z]*-(\d)$/, "$1$2$3");

/** The account's zones of `region`: names and zone ids, in name order (what getAvailabilityZones returns). */
export function mockZones(region: string): { names: string[]; zoneIds: string[] } {
  const map = MOCK_ZONE_MAP[region] ?? { a: 1, b: 2, c: 3 };
  const letters = Object.keys(map).sort();
  return { names: letters.map((l) => `${region}${l}`), zoneIds: letters.map((l) => `${zoneIdPrefix(region)}-az${map[l]}`) };
}

/** DescribeInstanceTypeOfferings by zone id for `types` in `region`: parallel lists, as the provider returns them. */
export function mockOfferings(region: string, types: readonly string[]): { instanceTypes: string[]; locations: string[]; locationTypes: string[] } {
  const rows = types.flatMap((t) => (OFFERINGS[t]?.[region] ?? []).map((n) => ({ t, loc: `${zoneIdPrefix(region)}-az${n}` })));
  return { instanceTypes: rows.map((r) => r.t), locations: rows.map((r) => r.loc), locationTypes: rows.map(() => "availability-zone-id") };
}

/** Capacity reservations the mock account holds (what DescribeCapacityReservations answers), for the tests. */
export const MOCK_RESERVATIONS: Readonly<Record<string, { readonly instanceType: string; readonly availabilityZone: string; readonly instanceCount: number; readonly instancePlatform: string }>> = {
  "cr-0a1b2c3d4e5f60718": { instanceType: "p5.48xlarge", availabilityZone: "us-east-1d", instanceCount: 1, instancePlatform: "Linux/UNIX" },
  "cr-0aaaaaaaaaaaaaaa1": { instanceType: "p5.48xlarge", availabilityZone: "us-east-1f", instanceCount: 1, instancePlatform: "Linux/UNIX" },
  "cr-0bbbbbbbbbbbbbbb2": { instanceType: "p4de.24xlarge", availabilityZone: "us-east-1c", instanceCount: 2, instancePlatform: "Linux/UNIX" },
};

/** EBS volumes the mock account holds (a weight cache retained by a destroyed stack), for the tests. */
export const MOCK_VOLUMES: Readonly<
  Record<string, { readonly availabilityZone: string; readonly size: number; readonly type: string; readonly iops: number; readonly throughput: number; readonly encrypted: boolean }>
> = {
  "vol-0feedfacecafe0001": { availabilityZone: "us-east-1e", size: 300, type: "gp3", iops: 6000, throughput: 1000, encrypted: true },
};
