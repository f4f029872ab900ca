// The availability zone is chosen by zone id from EC2's instance type offerings, not by name order.
import { describe, expect, test } from "vitest";
import { chooseZone, ZONE_ID, ZONE_NAME } from "../../components/aws/zones";
import { AwsNetworkSettingsSchema } from "../../components/config/aws";
import { formatProblem } from "../../components/problems";
import { mockOfferings, mockZones } from "../../infra/instance-offerings";

const us = (types: string[], requested?: string) => chooseZone({ region: "us-east-1", zones: mockZones("us-east-1"), offerings: mockOfferings("us-east-1", types), instanceTypes: types, requested });

describe("availability zone by instance type offerings", () => {
  test("dev (g6.12xlarge and the monitoring m7i.large): the first zone by name that sells both, not us-east-1a", () => {
    // This account's us-east-1a is use1-az3, which sells neither; us-east-1b (use1-az5) no g6.12xlarge.
    expect(us(["g6.12xlarge", "m7i.large"]).zone).toEqual({ name: "us-east-1c", id: "use1-az1" });
    expect(us(["p5.48xlarge", "m7i.large"]).zone).toEqual({ name: "us-east-1b", id: "use1-az5" });
    expect(us(["p5en.48xlarge"]).zone).toEqual({ name: "us-east-1e", id: "use1-az2" });
  });

  test("a requested zone, by name or by id, is used when it sells every type", () => {
    expect(us(["g6.12xlarge"], "us-east-1f").zone).toEqual({ name: "us-east-1f", id: "use1-az4" });
    expect(us(["g6.12xlarge"], "use1-az6").zone).toEqual({ name: "us-east-1d", id: "use1-az6" });
  });

  test("a requested zone that does not sell a type is refused with the zones that would work", () => {
    expect(us(["g6.12xlarge", "m7i.large"], "us-east-1a").problems.map(formatProblem)).toEqual([
      'qwen-serving:aws.network.availabilityZone: got "us-east-1a"; us-east-1a (use1-az3) does not offer g6.12xlarge, m7i.large (use one of us-east-1c (use1-az1), us-east-1d (use1-az6), us-east-1e (use1-az2), us-east-1f (use1-az4), or leave it unset to pick one)',
    ]);
    expect(us(["g6.12xlarge"], "euw1-az1").problems.map(formatProblem)[0]).toMatch(
      /^qwen-serving:aws.network.availabilityZone: got "euw1-az1"; is not a zone of us-east-1 \(give a zone name or id of us-east-1: us-east-1a \(use1-az3\), /,
    );
  });

  test("types no one zone sells together are refused at nodePools, with the zones per type", () => {
    const types = ["g6.12xlarge", "p5en.48xlarge"];
    const c = chooseZone({ region: "eu-west-2", zones: mockZones("eu-west-2"), offerings: mockOfferings("eu-west-2", types), instanceTypes: types });
    expect(c.problems.map(formatProblem)).toEqual([
      'qwen-serving:nodePools: got ["g6.12xlarge","p5en.48xlarge"]; no availability zone of eu-west-2 offers every planned instance type (GPU nodes, their caches and the monitoring instance share one zone) (offered in eu-west-2: g6.12xlarge: eu-west-2a (euw2-az2), eu-west-2b (euw2-az3); p5en.48xlarge: no zone; pick another region (aws:region) or instance types one zone offers together)',
    ]);
    // In us-east-1 the same pair shares exactly one zone id, use1-az2 (this account's us-east-1e).
    expect(us(types).zone).toEqual({ name: "us-east-1e", id: "use1-az2" });
  });

  test("config accepts a zone name or a zone id, nothing else", () => {
    for (const z of ["us-east-1a", "ap-northeast-1d", "use1-az4", "apne1-az1", "euw2-az3"]) expect(AwsNetworkSettingsSchema.safeParse({ availabilityZone: z }).success, z).toBe(true);
    for (const z of ["us-east-1", "az4", "use1-4", "US-EAST-1A"]) expect(AwsNetworkSettingsSchema.safeParse({ availabilityZone: z }).success, z).toBe(false);
    expect(ZONE_NAME.test("us-east-1a") && ZONE_ID.test("use1-az4")).toBe(true);
  });
});
