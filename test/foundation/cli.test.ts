import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, test } from "vitest";
import { z } from "zod";

// The CLIs run the way a user runs them (npm scripts run ts-node the same way).
const TS_NODE = path.join(process.cwd(), "node_modules", ".bin", "ts-node");
const run = (script: string, args: string[]) => spawnSync(TS_NODE, ["--transpile-only", `infra/${script}.ts`, ...args], { encoding: "utf8", cwd: process.cwd(), timeout: 60_000 });

/** The documented `plan --json` contract (README "Plan JSON", schemaVersion 1). */
const PlanJson = z
  .object({
    schemaVersion: z.literal(1),
    stack: z.string(),
    platform: z.enum(["aws", "docker", "kubernetes"]),
    services: z.array(
      z.object({
        name: z.string(),
        model: z.string(),
        tp: z.number().int(),
        replicas: z.number().int(),
        port: z.number().int(),
        launchArgs: z.array(z.string()),
        placement: z.array(z.object({ node: z.string(), gpus: z.array(z.number().int()), port: z.number().int(), launchArgs: z.array(z.string()) }).strict()),
        router: z.object({ node: z.string(), port: z.number(), metricsPort: z.number(), policy: z.string() }).strict().nullable(),
        capacity: z
          .object({
            gpu: z.string(),
            gpuMemoryMiB: z.number(),
            weightsGiBPerGpu: z.number(),
            memFractionStatic: z.number(),
            kvTokens: z.number().int(),
            kvGiBPerGpu: z.number(),
            contextLength: z.number().int(),
            fitsContext: z.boolean(),
            chunkedPrefillSize: z.number().int(),
            maxRunningRequests: z.number().int(),
          })
          .strict(),
        costPerHourUsd: z.number().nullable(),
        coldStartSeconds: z.number(),
      }).strict(),
    ),
    resources: z.array(z.object({ type: z.string(), name: z.string(), parent: z.string().nullable(), inputs: z.unknown() }).strict()),
    artifacts: z.array(z.string()),
  })
  .strict();

describe("npm run plan", () => {
  test("--json prints exactly one document that follows the contract, and writes the artifacts it lists", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "qs-plan-"));
    const r = run("plan", ["--stack", "prod", "--json", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = PlanJson.parse(JSON.parse(r.stdout));
    expect(doc.stack).toBe("prod");
    expect(doc.services.map((s) => s.name)).toEqual(["qwen3-32b", "qwen25-vl-32b"]);
    expect(doc.services[0].launchArgs).toEqual(doc.services[0].placement[0].launchArgs);
    for (const a of doc.artifacts) expect(fs.existsSync(path.join(out, a)), a).toBe(true);
  });

  const stacks = fs.readdirSync(process.cwd()).flatMap((f) => (/^Pulumi\.(.+)\.yaml$/.exec(f) ?? []).slice(1)).filter((s) => s !== "prod");
  test.each(stacks)("--json of stack %s follows the same contract", (stack) => {
    const r = run("plan", ["--stack", stack, "--json", "--out", fs.mkdtempSync(path.join(os.tmpdir(), "qs-plan-"))]);
    expect(r.status, r.stderr).toBe(0);
    const doc = PlanJson.parse(JSON.parse(r.stdout));
    expect(doc.stack).toBe(stack);
    for (const s of doc.services) expect(s.capacity.fitsContext).toBe(true);
  });

  test("the human output shows the resource tree and the capacity table; default stack is dev", () => {
    const r = run("plan", ["--out", fs.mkdtempSync(path.join(os.tmpdir(), "qs-plan-"))]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^stack dev \(platform aws/);
    expect(r.stdout).toContain("* qwen-serving:index:QwenServing  qwen-dev");
    expect(r.stdout).toMatch(/qwen3-8b\s+Qwen\/Qwen3-8B\s+l4\s+2 x 1\s+7\.63\s+0\.8670\s+[\d,]+\s+131,072\s+yes/);
  });

  test.each([
    [["--stack", "nope"], /^error: invalid stack config: Pulumi\.nope\.yaml: not found: there is no stack 'nope' \(stacks here: .*dev.*prod.*\)$/],
    [["--stak", "dev"], /^error: unknown option '--stak'; valid: --stack, --json, --out, --help \(see --help\)$/],
    [["--stack"], /^error: option --stack needs a value \(see --help\)$/],
  ])("bad input %j exits 2 with one line", (args, message) => {
    const r = run("plan", args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });
});

describe("npm run capacity", () => {
  const Capacity = z.object({ schemaVersion: z.literal(1), model: z.string(), gpu: z.string().nullable(), kvTokens: z.number().int(), memFractionStatic: z.number(), weightsGiBPerGpu: z.number(), kvGiBPerGpu: z.number(), contextLength: z.number(), fitsContext: z.boolean(), maxRunningRequests: z.number(), chunkedPrefillSize: z.number() }).passthrough();

  test("--json for the seed's Qwen3 calibrated with its log is within 0.1% of 413,827", () => {
    const r = run("capacity", ["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2", "--context-length", "131072", "--avail-before-gib", "93.87", "--avail-after-gib", "63.28", "--json"]);
    expect(r.status).toBe(0);
    const doc = Capacity.parse(JSON.parse(r.stdout));
    expect(Math.abs(doc.kvTokens / 413827 - 1)).toBeLessThan(0.001);
    expect(doc.memFractionStatic).toBe(0.864);
  });

  test("a config.json path and a raw GPU size work without catalogs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-cfg-"));
    const models = JSON.parse(fs.readFileSync("test/fixtures/models.json", "utf8"));
    const cfg = models.models.find((m: { model: string }) => m.model === "Qwen/Qwen2.5-VL-32B-Instruct").config;
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...cfg, head_dim: 128 }));
    const r = run("capacity", ["--model", path.join(dir, "config.json"), "--gpu-memory-mib", "97871", "--tp", "2", "--json"]);
    expect(r.status).toBe(0);
    const doc = Capacity.parse(JSON.parse(r.stdout));
    expect(doc.memFractionStatic).toBeCloseTo(0.7776, 6);
    expect(Math.abs(doc.kvTokens / 340276 - 1)).toBeLessThan(0.02);
  });

  test.each([
    [["--model", "Qwen/Qwen9", "--gpu", "h20", "--tp", "2"], /^error: unknown model 'Qwen\/Qwen9'/],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h21", "--tp", "2"], /^error: unknown GPU 'h21'; valid: h20, /],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "3"], /^error: tp 3 does not divide/],
    [["--model", "/nonexistent/config.json", "--gpu", "h20", "--tp", "2"], /^error: cannot read model config '\/nonexistent\/config.json': ENOENT/],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "two"], /^error: --tp must be a positive integer, got 'two'/],
  ])("bad input %j exits 2 with one line", (args, message) => {
    const r = run("capacity", args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });
});

test("npm scripts point at the CLIs tested here", () => {
  const pkg = JSON.parse(execFileSync("cat", ["package.json"], { encoding: "utf8" }));
  expect(pkg.scripts.plan).toBe("ts-node --transpile-only infra/plan.ts");
  expect(pkg.scripts.capacity).toBe("ts-node --transpile-only infra/capacity.ts");
});

test("--out never clears a folder the plan did not write", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-keep-"));
  fs.writeFileSync(path.join(dir, "precious.txt"), "keep me");
  const r = run("plan", ["--stack", "dev", "--out", dir]);
  expect(r.status).toBe(2);
  expect(r.stderr.trim()).toMatch(/^error: refusing to clear .*: it is not empty and was not written by the plan/);
  expect(fs.readFileSync(path.join(dir, "precious.txt"), "utf8")).toBe("keep me");
  // A folder the plan wrote is replaced on the next run.
  const out = path.join(dir, "plan");
  expect(run("plan", ["--stack", "dev", "--out", out]).status).toBe(0);
  expect(run("plan", ["--stack", "dev", "--out", out]).status).toBe(0);
});
