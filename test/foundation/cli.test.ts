import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, test } from "vitest";
import { main as capacityMain } from "../../infra/capacity";
import { main as planMain } from "../../infra/plan";
import { callCli } from "../support/cli";
import { stackNames } from "../support/stacks";
import { CapacityJson, PlanJson } from "./cli-contract";

// The CLIs' main functions, called in process with the arguments a user passes; cli.e2e.test.ts
// starts each once as the subprocess `npm run` starts.
const plan = (args: string[]) => callCli(planMain, args);
const capacity = (args: string[]) => callCli(capacityMain, args);

describe("npm run plan", () => {
  test("--json prints exactly one document that follows the contract, and writes the artifacts it lists", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "qs-plan-"));
    const r = await plan(["--stack", "prod", "--json", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = PlanJson.parse(JSON.parse(r.stdout));
    expect(doc.stack).toBe("prod");
    expect(doc.services.map((s) => s.name)).toEqual(["qwen3-32b", "qwen25-vl-32b"]);
    expect(doc.services[0].launchArgs).toEqual(doc.services[0].placement[0].launchArgs);
    for (const a of doc.artifacts) expect(fs.existsSync(path.join(out, a)), a).toBe(true);
  });

  const stacks = stackNames().filter((s) => s !== "prod");
  test.each(stacks)("--json of stack %s follows the same contract", async (stack) => {
    const r = await plan(["--stack", stack, "--json", "--out", fs.mkdtempSync(path.join(os.tmpdir(), "qs-plan-"))]);
    expect(r.status, r.stderr).toBe(0);
    const doc = PlanJson.parse(JSON.parse(r.stdout));
    expect(doc.stack).toBe(stack);
    for (const s of doc.services) expect(s.capacity.fitsContext).toBe(true);
  });

  test("the human output shows the resource tree and the capacity table; default stack is dev", async () => {
    const r = await plan(["--out", fs.mkdtempSync(path.join(os.tmpdir(), "qs-plan-"))]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^stack dev \(platform aws/);
    expect(r.stdout).toContain("* qwen-serving:index:QwenServing  qwen-dev");
    expect(r.stdout).toMatch(/qwen3-8b\s+Qwen\/Qwen3-8B\s+l4\s+2 x 1\s+7\.63\s+0\.8670\s+[\d,]+\s+131,072\s+yes/);
  });

  test("--help prints the usage and exits 0", async () => {
    const r = await plan(["--help"]);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^usage: npm run plan -- \[--stack <name>\] \[--json\] \[--out DIR\]/);
  });

  test.each([
    [["--stack", "nope"], /^error: invalid stack config: Pulumi\.nope\.yaml: not found: there is no stack 'nope' \(stacks here: .*dev.*prod.*\)$/],
    [["--stak", "dev"], /^error: unknown option '--stak'; valid: --stack, --json, --out, --help \(see --help\)$/],
    [["--stack"], /^error: option --stack needs a value \(see --help\)$/],
  ])("bad input %j exits 2 with one line", async (args, message) => {
    const r = await plan(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });

  test("--out never clears a folder the plan did not write", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-keep-"));
    fs.writeFileSync(path.join(dir, "precious.txt"), "keep me");
    const r = await plan(["--stack", "dev", "--out", dir]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^error: refusing to clear .*: it is not empty and was not written by the plan/);
    expect(fs.readFileSync(path.join(dir, "precious.txt"), "utf8")).toBe("keep me");
    // A folder the plan wrote is replaced on the next run.
    const out = path.join(dir, "plan");
    expect((await plan(["--stack", "dev", "--out", out])).status).toBe(0);
    expect((await plan(["--stack", "dev", "--out", out])).status).toBe(0);
  });
});

describe("npm run capacity", () => {
  test("--json for the seed's Qwen3 calibrated with its log is within 0.1% of 413,827", async () => {
    const r = await capacity(["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2", "--context-length", "131072", "--avail-before-gib", "93.87", "--avail-after-gib", "63.28", "--json"]);
    expect(r.status).toBe(0);
    const doc = CapacityJson.parse(JSON.parse(r.stdout));
    expect(Math.abs(doc.kvTokens / 413827 - 1)).toBeLessThan(0.001);
    expect(doc.memFractionStatic).toBe(0.864);
  });

  test("a config.json path and a raw GPU size work without catalogs", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-cfg-"));
    const models = JSON.parse(fs.readFileSync("test/fixtures/models.json", "utf8"));
    const cfg = models.models.find((m: { model: string }) => m.model === "Qwen/Qwen2.5-VL-32B-Instruct").config;
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...cfg, head_dim: 128 }));
    const r = await capacity(["--model", path.join(dir, "config.json"), "--gpu-memory-mib", "97871", "--tp", "2", "--json"]);
    expect(r.status).toBe(0);
    const doc = CapacityJson.parse(JSON.parse(r.stdout));
    expect(doc.memFractionStatic).toBeCloseTo(0.7776, 6);
    expect(Math.abs(doc.kvTokens / 340276 - 1)).toBeLessThan(0.02);
  });

  test("without --json it prints the table a person reads", async () => {
    const r = await capacity(["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2"]);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^model\s+Qwen\/Qwen3-32B\ngpu\s+h20 \(\d+ MiB\) x tp 2\n/);
    expect(r.stdout).toMatch(/^KV tokens \(max_total_num_tokens\)\s+[\d,]+$/m);
  });

  test.each([
    [["--model", "Qwen/Qwen9", "--gpu", "h20", "--tp", "2"], /^error: unknown model 'Qwen\/Qwen9'/],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h21", "--tp", "2"], /^error: unknown GPU 'h21'; valid: h20, /],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "3"], /^error: tp 3 does not divide/],
    [["--model", "/nonexistent/config.json", "--gpu", "h20", "--tp", "2"], /^error: cannot read model config '\/nonexistent\/config.json': ENOENT/],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "two"], /^error: --tp must be a positive integer, got 'two'/],
  ])("bad input %j exits 2 with one line", async (args, message) => {
    const r = await capacity(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });
});

test("npm scripts point at the CLIs tested here", () => {
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  expect(pkg.scripts.plan).toBe("ts-node --transpile-only infra/plan.ts");
  expect(pkg.scripts.capacity).toBe("ts-node --transpile-only infra/capacity.ts");
});
