// nodePools[].capacityReservation: instances launch into an On-Demand Capacity Reservation, a
// resource group of them, or a Capacity Block, and the reservation decides the zone.
import { beforeAll, describe, expect, test } from "vitest";
import { reservationConfigProblems, reservationZone } from "../../components/aws/reservations";
import { chooseZone } from "../../components/aws/zones";
import { CapacityReservationSchema } from "../../components/config/aws";
import { StackConfigSchema } from "../../components/config/schema";
import { formatProblem } from "../../components/problems";
import { mockOfferings, mockZones } from "../../infra/instance-offerings";
import { stackInput } from "../support/stacks";
import { runStack, StackRun } from "./stack-graph";

const ODCR = "cr-0a1b2c3d4e5f60718";
const RG = "arn:aws:resource-groups:us-east-1:123456789012:group/p5-reservations";
const pools = (capacityReservation: Record<string, unknown>) => (c: Record<string, string>) => ({
  ...c,
  "qwen-serving:nodePools": JSON.stringify([{ name: "gpu", instanceType: "p5.48xlarge", count: 1, capacityReservation }]),
});
const runs: Record<string, StackRun> = {};

beforeAll(async () => {
  runs.odcr = await runStack("prod", { edit: pools({ id: ODCR }) });
  runs.block = await runStack("prod", { edit: pools({ id: ODCR, capacityBlock: true }) });
  runs.group = await runStack("prod", {
    edit: (c) => ({ ...pools({ resourceGroupArn: RG })(c), "qwen-serving:aws": JSON.stringify({ ...JSON.parse(c["qwen-serving:aws"]), network: { availabilityZone: "use1-az4" } }) }),
  });
}, 60_000);

const gpu = (run: StackRun) => run.recorded.find((r) => r.type === "aws:ec2/instance:Instance" && r.name.includes("-gpu-"))!.inputs;
const subnetZone = (run: StackRun) => run.recorded.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.endsWith("-network-private"))!.inputs.availabilityZone;

describe("capacity reservations", () => {
  test("config: exactly one of id and resourceGroupArn; a Capacity Block needs its id", () => {
    expect(CapacityReservationSchema.safeParse({ id: ODCR }).success).toBe(true);
    expect(CapacityReservationSchema.safeParse({ resourceGroupArn: RG }).success).toBe(true);
    expect(CapacityReservationSchema.safeParse({}).success).toBe(false);
    expect(CapacityReservationSchema.safeParse({ id: ODCR, resourceGroupArn: RG }).success).toBe(false);
    expect(CapacityReservationSchema.safeParse({ resourceGroupArn: RG, capacityBlock: true }).success).toBe(false);
    expect(CapacityReservationSchema.safeParse({ id: "cr-123" }).success).toBe(false);
  });

  test("an On-Demand Capacity Reservation: targeted by id, and its zone (us-east-1d) becomes the stack's zone", () => {
    expect(gpu(runs.odcr).capacityReservationSpecification).toEqual({ capacityReservationTarget: { capacityReservationId: ODCR } });
    expect(gpu(runs.odcr).instanceMarketOptions).toBeUndefined();
    expect(subnetZone(runs.odcr)).toBe("us-east-1d");
    expect(gpu(runs.odcr).availabilityZone).toBe("us-east-1d");
    const cache = runs.odcr.recorded.find((r) => r.type === "aws:ebs/volume:Volume" && r.name.endsWith("-gpu-0-weights-volume"))!;
    expect(cache.inputs.availabilityZone).toBe("us-east-1d");
  });

  test("a Capacity Block launches with market type capacity-block into its reservation", () => {
    expect(gpu(runs.block).instanceMarketOptions).toEqual({ marketType: "capacity-block" });
    expect(gpu(runs.block).capacityReservationSpecification).toEqual({ capacityReservationTarget: { capacityReservationId: ODCR } });
  });

  test("a resource group: targeted by ARN, in the zone the config names (a group may span zones, so it must)", () => {
    expect(gpu(runs.group).capacityReservationSpecification).toEqual({ capacityReservationTarget: { capacityReservationResourceGroupArn: RG } });
    expect(subnetZone(runs.group)).toBe("us-east-1f");
    const noZone = StackConfigSchema.parse({ ...stackInput("prod"), nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", capacityReservation: { resourceGroupArn: RG } }] });
    expect(reservationConfigProblems(noZone).map((p) => p.path)).toEqual(["qwen-serving:aws.network.availabilityZone"]);
  });

  test("a reservation of another type, or reservations in two zones, are refused with advice", () => {
    const config = StackConfigSchema.parse({
      ...stackInput("prod"),
      nodePools: [
        { name: "gpu", instanceType: "p5.48xlarge", capacityReservation: { id: "cr-0bbbbbbbbbbbbbbb2" } },
        { name: "more", instanceType: "p5.48xlarge", capacityReservation: { id: ODCR } },
      ],
    });
    const z = reservationZone(config, [
      { id: "cr-0bbbbbbbbbbbbbbb2", instanceType: "p4de.24xlarge", availabilityZone: "us-east-1c" },
      { id: ODCR, instanceType: "p5.48xlarge", availabilityZone: "us-east-1d" },
    ]);
    expect(z.zone).toBeUndefined();
    expect(z.problems.map(formatProblem)).toEqual([
      "qwen-serving:nodePools[0].capacityReservation.id: got \"cr-0bbbbbbbbbbbbbbb2\"; reserves p4de.24xlarge, but pool 'gpu' plans p5.48xlarge (set nodePools[0].instanceType to p4de.24xlarge, or use a reservation for p5.48xlarge)",
      'qwen-serving:nodePools: got ["cr-0bbbbbbbbbbbbbbb2: us-east-1c","cr-0a1b2c3d4e5f60718: us-east-1d"]; has capacity reservations in different zones; the GPU nodes, their caches and monitoring share one zone (use reservations in one zone)',
    ]);
  });

  test("aws.network.availabilityZone that disagrees with the reservation's zone is refused", () => {
    const types = ["p5.48xlarge"];
    const c = chooseZone({
      region: "us-east-1",
      zones: mockZones("us-east-1"),
      offerings: mockOfferings("us-east-1", types),
      instanceTypes: types,
      requested: "us-east-1a",
      required: { zone: "us-east-1d", why: `capacity reservation ${ODCR}`, path: "nodePools[0].capacityReservation.id" },
    });
    expect(c.problems.map(formatProblem)).toEqual([
      `qwen-serving:aws.network.availabilityZone: got "us-east-1a"; differs from us-east-1d (use1-az6), the zone of capacity reservation ${ODCR} (leave it unset or set us-east-1d)`,
    ]);
  });
});
