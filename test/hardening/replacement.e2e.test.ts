import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import type { RecordedResource } from "../../infra/mocks";

// Replacement safety on the prod stack: what happens to the weight cache when the instance is
// replaced, or a service or node goes away. Each variant is the real program under mocks.
const ROOT = process.cwd();
const prodServices = (parse(fs.readFileSync("Pulumi.prod.yaml", "utf8")) as { config: Record<string, unknown> }).config["qwen-serving:services"] as Record<string, unknown>[];

// A weight volume lives in one zone: the instance-type change is made where EC2 sells both types
// (use1-az2 sells p5.48xlarge and p5en.48xlarge), as an operator pins the zone before such a change;
// every prod variant is planned in that zone so they compare with the base.
const prodAws = (parse(fs.readFileSync("Pulumi.prod.yaml", "utf8")) as { config: Record<string, unknown> }).config["qwen-serving:aws"] as Record<string, Record<string, unknown>>;
const inZone = { aws: { ...prodAws, network: { ...(prodAws.network ?? {}), availabilityZone: "use1-az2" } } };

const VARIANTS = {
  base: ["prod", inZone],
  instanceType: ["prod", { ...inZone, nodePools: [{ name: "gpu", instanceType: "p5en.48xlarge", count: 1 }] }],
  launchArg: ["prod", { ...inZone, services: prodServices.map((s, i) => (i === 0 ? { ...s, chunkedPrefillSize: 4096 } : s)) }],
  oneService: ["prod", { ...inZone, services: prodServices.slice(0, 1), apiKeys: { "qwen3-32b": "[secret]" } }],
  twoNodes: ["prod", { ...inZone, nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 2 }] }],
  dev: ["dev", {}],
} as const satisfies Record<string, readonly [string, Record<string, unknown>]>;
type Rendered = { resources: RecordedResource[]; out: string };

/** Renders every variant in one child process (Pulumi's mock state is process-wide, so not in this one). */
function renderAll(): Record<keyof typeof VARIANTS, Rendered> {
  const variants = Object.entries(VARIANTS).map(([key, [stack, patch]]) => ({ key, stack, patch, outDir: fs.mkdtempSync(path.join(os.tmpdir(), `qs-variant-${key}-`)) }));
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/ts-node"), ["--transpile-only", "--project", "tsconfig.json", "test/hardening/variant-run.ts"], {
    cwd: ROOT,
    input: JSON.stringify(variants),
    encoding: "utf8",
    timeout: 170_000,
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`variant run failed: ${r.error ?? r.stderr}`);
  const resources = JSON.parse(r.stdout) as Record<string, RecordedResource[]>;
  return Object.fromEntries(variants.map((v) => [v.key, { resources: resources[v.key], out: v.outDir }])) as Record<keyof typeof VARIANTS, Rendered>;
}

const byType = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);
const VOLUME = "aws:ebs/volume:Volume";
const INSTANCE = "aws:ec2/instance:Instance";
const ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment";
/** The weight caches: volumes whose parent is a WeightCache component. */
const caches = (rs: RecordedResource[]) => {
  const components = new Set(byType(rs, "qwen-serving:aws:WeightCache").map((r) => r.name));
  return byType(rs, VOLUME).filter((v) => v.parent !== null && components.has(v.parent));
};
/** Each node's cache mount script, as deployed (by content, not by file name). */
const mountScripts = (out: string) =>
  fs
    .readdirSync(out, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".sh"))
    .map((f) => ({ f, text: fs.readFileSync(path.join(out, f), "utf8") }))
    .filter(({ text }) => text.includes("nvme-Amazon_Elastic_Block_Store"));

let rendered: Record<keyof typeof VARIANTS, Rendered>;
let base: Rendered;
beforeAll(() => {
  rendered = renderAll();
  base = rendered.base;
});

describe("prod weight caches", () => {
  test("every cache volume is protected and retained on delete", () => {
    expect(caches(base.resources).length).toBeGreaterThan(0);
    for (const v of caches(base.resources)) expect({ name: v.name, protect: v.protect, retainOnDelete: v.retainOnDelete }).toEqual({ name: v.name, protect: true, retainOnDelete: true });
  });

  test("the cache attachment is replaced delete-before-create so a new instance can take the volume", () => {
    const attachments = byType(base.resources, ATTACHMENT);
    expect(attachments.length).toBeGreaterThanOrEqual(caches(base.resources).length);
    for (const a of attachments) expect(a.deleteBeforeReplace).toBe(true);
  });

  test("instances are replaced when their user-data changes", () => {
    for (const i of byType(base.resources, INSTANCE)) expect(i.inputs.userDataReplaceOnChange, i.name).toBe(true);
  });
});

describe.each([
  ["instance type p5.48xlarge -> p5en.48xlarge", "instanceType"],
  ["user-data (a launch argument) changes", "launchArg"],
] as const)("%s", (_label, key) => {
  let variant: Rendered;
  beforeAll(() => {
    variant = rendered[key];
  });

  test("the GPU instance keeps its name but gets new user-data, so Pulumi replaces it", () => {
    const [a] = byType(base.resources, INSTANCE).filter((i) => i.name.includes("gpu-0"));
    const [b] = byType(variant.resources, INSTANCE).filter((i) => i.name === a.name);
    expect(b).toBeDefined();
    expect(b.inputs.userData ?? b.inputs.userDataBase64).not.toEqual(a.inputs.userData ?? a.inputs.userDataBase64);
    expect(b.inputs.userDataReplaceOnChange).toBe(true);
  });

  test("the weight cache volume is the same resource with the same inputs: it is kept", () => {
    const before = caches(base.resources).map((v) => [v.name, v.inputs]);
    const after = caches(variant.resources).map((v) => [v.name, v.inputs]);
    expect(after).toEqual(before);
  });

  test("the cache is mounted at the same path by the same script", () => {
    const before = mountScripts(base.out).map((m) => m.text);
    expect(before.length).toBeGreaterThan(0);
    expect(mountScripts(variant.out).map((m) => m.text)).toEqual(before);
  });
});

describe("removing things never deletes a prod cache", () => {
  test("removing a service keeps the node's cache as it was", () => {
    const variant = rendered.oneService;
    expect(caches(variant.resources).map((v) => [v.name, v.inputs, v.protect, v.retainOnDelete])).toEqual(caches(base.resources).map((v) => [v.name, v.inputs, true, true]));
  });

  test("a node that is removed took a protected, retained cache with it: Pulumi refuses the delete and would leave the volume", () => {
    const two = rendered.twoNodes;
    const extra = caches(two.resources).filter((v) => !caches(base.resources).some((b) => b.name === v.name));
    expect(extra.length).toBe(1);
    expect(extra[0]).toMatchObject({ protect: true, retainOnDelete: true });
  });

  test("dev caches are not protected, so a dev stack can be destroyed", () => {
    const dev = rendered.dev;
    expect(caches(dev.resources).length).toBeGreaterThan(0);
    for (const v of caches(dev.resources)) expect([v.protect, v.retainOnDelete]).toEqual([false, false]);
  });
});
