// The stack's region is honoured in what the plan says things cost: an eu-west-2 stack shows
// eu-west-2 On-Demand prices where the catalog has them and "unknown" (null in --json) where it
// does not, never us-east-1's. (Before, the capacity table and services[].costPerHourUsd of an
// eu-west-2 stack carried us-east-1's catalog prices.)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, test } from "vitest";
import { INSTANCE_TYPES } from "../../components/catalog/instances";
import { REGIONAL_GPU_PRICES } from "../../components/catalog/gpu-prices";
import { main as planMain } from "../../infra/plan";
import { PlanJson } from "../infra/cli-contract";
import { callCli } from "../support/cli";

type Plan = ReturnType<typeof PlanJson.parse>;
const REGION = "eu-west-2";

/** A folder with Pulumi.yaml and `stack`'s file moved to `region` (its certificate reissued there). */
function movedDir(stack: string, region: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-region-"));
  fs.copyFileSync("Pulumi.yaml", path.join(dir, "Pulumi.yaml"));
  const text = fs
    .readFileSync(`Pulumi.${stack}.yaml`, "utf8")
    .replace(/aws:region: us-east-1/, `aws:region: ${region}`)
    .replace(/arn:aws:acm:us-east-1:/g, `arn:aws:acm:${region}:`);
  expect(text).toContain(`aws:region: ${region}`);
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
  return dir;
}

async function plan(stack: string, region: string): Promise<{ json: Plan; text: string }> {
  const dir = movedDir(stack, region);
  const out = (json: boolean) => ["--stack", stack, "--out", fs.mkdtempSync(path.join(os.tmpdir(), "qs-region-out-")), ...(json ? ["--json"] : [])];
  const j = await callCli(planMain, out(true), { cwd: dir });
  expect(j.status, j.stderr).toBe(0);
  const t = await callCli(planMain, out(false), { cwd: dir });
  expect(t.status, t.stderr).toBe(0);
  return { json: PlanJson.parse(JSON.parse(j.stdout)), text: t.stdout };
}

const runs = new Map<string, { json: Plan; text: string }>();
beforeAll(async () => {
  for (const stack of ["dev", "prod"]) runs.set(stack, await plan(stack, REGION));
}, 120_000);

const usEast = (type: string) => INSTANCE_TYPES.find((i) => i.name === type)!.onDemandUsdPerHour;
/** The capacity table's $/h column, per service. */
const capacityCost = (text: string, service: string) => {
  const table = text.split("\ncapacity (")[1].split("\n\n")[0];
  return table
    .split("\n")
    .find((l) => l.startsWith(`${service} `))!
    .trim()
    .split(/\s+/)
    .pop();
};

describe(`a ${REGION} stack's prices`, () => {
  test("dev (g6.12xlarge): eu-west-2's On-Demand price, with its source, in the budget, --json and the capacity table", () => {
    const { json, text } = runs.get("dev")!;
    const eu = REGIONAL_GPU_PRICES["g6.12xlarge"][REGION];
    expect(eu).not.toBe(usEast("g6.12xlarge"));
    expect(json.budget.region).toBe(REGION);
    expect(json.budget.nodes).toEqual([
      expect.objectContaining({
        node: "gpu-0",
        instanceType: "g6.12xlarge",
        usdPerHour: eu,
        priceRegion: REGION,
        priceSource: expect.stringMatching(/^g6\.12xlarge on-demand, eu-west-2 \(SkyPilot catalog v7 aws\/vms\.csv @27f67dd/),
      }),
    ]);
    // Each service holds 2 of the node's 4 GPUs: half of eu-west-2's price, not half of us-east-1's.
    for (const s of json.services) {
      expect(s.costPerHourUsd).toBeCloseTo(eu / 2, 2);
      expect(capacityCost(text, s.name)).toBe((eu / 2).toFixed(2));
    }
  });

  test("prod (p5.48xlarge, no eu-west-2 price known): unknown in the table, null in --json, with the reason", () => {
    const { json, text } = runs.get("prod")!;
    expect(json.budget.nodes.map((n) => [n.usdPerHour, n.priceRegion, n.priceSource])).toEqual(
      json.budget.nodes.map(() => [null, null, "no eu-west-2 price for p5.48xlarge in the catalog (known: us-east-1); set nodePools[].gpuHourlyUsd"]),
    );
    expect(json.budget.totalUsdPerHour).toBeNull();
    expect(json.budget.unknown.length).toBeGreaterThan(0);
    for (const s of json.services) {
      expect(s.costPerHourUsd).toBeNull();
      expect(capacityCost(text, s.name)).toBe("unknown");
    }
  });

  test.each(["dev", "prod"])("%s: no figure or source anywhere is us-east-1's", (stack) => {
    const { json } = runs.get(stack)!;
    const type = json.budget.nodes[0].instanceType!;
    // What a service would cost at us-east-1's price (its GPUs' share of the node), as the plan rounds it.
    const share = (gpus: number) => Math.round(((usEast(type) * gpus) / json.budget.nodes[0].gpus) * 100) / 100;
    // Lines may say which regions are known; none that carries a figure comes from us-east-1.
    expect(json.budget.lines.filter((l) => l.usdPerHour !== null && l.source.includes("us-east-1"))).toEqual([]);
    expect(json.budget.lines.filter((l) => l.usdPerHour === null).map((l) => l.source)).not.toHaveLength(0);
    expect(json.budget.nodes.map((n) => n.usdPerHour)).not.toContain(usEast(type));
    for (const s of json.services) expect(s.costPerHourUsd).not.toBe(share(s.placement.reduce((n, p) => n + p.gpus.length, 0)));
  });
});
