import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { main as binMain } from "../../infra/bin";
import { main as capacityMain } from "../../infra/capacity";
import { main as planMain } from "../../infra/plan";
import { callCli } from "../support/cli";
import { stackNames } from "../support/stacks";
import { CapacityJson, PlanJson } from "./cli-contract";

// The CLIs' main functions, called in process with the arguments a user passes; cli.e2e.test.ts
// starts each once as the subprocess `npm run` starts.
const plan = (args: string[], cwd?: string) => callCli(planMain, args, cwd ? { cwd } : {});
const capacity = (args: string[]) => callCli(capacityMain, args);

/** A folder with the project's Pulumi.yaml and one stack `t`: the dev stack's config edited by `edit`. */
function stackDir(edit: (config: Record<string, unknown>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-stack-"));
  fs.copyFileSync("Pulumi.yaml", path.join(dir, "Pulumi.yaml"));
  const doc = parse(fs.readFileSync("Pulumi.dev.yaml", "utf8")) as { config: Record<string, unknown> };
  edit(doc.config);
  fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), stringify(doc));
  return dir;
}
const services = (c: Record<string, unknown>) => c["qwen-serving:services"] as Record<string, unknown>[];

/**
 * One run of `plan --stack <stack> [--json]` per stack and format, shared by the tests that only
 * read its output (each run renders every artifact: the slowest step of this file); tests of
 * --out's own behaviour run their own.
 */
const planRuns = new Map<string, Promise<{ r: Awaited<ReturnType<typeof plan>>; out: string }>>();
function planOf(stack: string, json = false) {
  const key = `${stack} ${json}`;
  if (!planRuns.has(key)) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "qs-plan-"));
    planRuns.set(
      key,
      plan(["--stack", stack, ...(json ? ["--json"] : []), "--out", out]).then((r) => ({ r, out })),
    );
  }
  return planRuns.get(key)!;
}

describe("npm run plan", () => {
  test("--json prints exactly one document that follows the contract, and writes the artifacts it lists", async () => {
    const { r, out } = await planOf("prod", true);
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
    const { r } = await planOf(stack, true);
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

  test("the cold start: first and warm boot in the capacity table, the phases below it, and every input it assumed", async () => {
    const { r } = await planOf("prod");
    const doc = PlanJson.parse(JSON.parse((await planOf("prod", true)).r.stdout));
    const c = doc.services[0].coldStart;
    const capacityRows = r.stdout.split("\ncapacity (")[1].split("\n\n")[0];
    expect(capacityRows).toMatch(/ first boot s {2}warm boot s {4}\$\/h\n/);
    expect(capacityRows).toMatch(new RegExp(`^qwen3-32b .* ${c.firstBootSeconds} +${c.warmBootSeconds} +[\\d.]+$`, "m"));
    const section = r.stdout.split("\ncold start, in phases")[1].split("\n\n")[0];
    expect(section).toMatch(/^service +instance boot +image pull +first download +load from cache +warm-up +first boot +warm boot +reboot$/m);
    const phases = [c.instanceBootSeconds, c.imagePullSeconds, c.firstDownloadSeconds, c.loadFromCacheSeconds, c.warmupSeconds, c.firstBootSeconds, c.warmBootSeconds, c.rebootSeconds];
    expect(section).toMatch(new RegExp(`^qwen3-32b +${phases.join(" +")}$`, "m"));
    // The hub rate the first download assumed, and that it is an assumption, not a measurement.
    expect(section).toMatch(/^ {2}\[assumption\] hub rate \(first download\) 100 MB\/s: /m);
    expect(section).toMatch(/^ {2}\[set\] cache read rate \(load from cache\) \d+ MiB\/s: config cache\.throughputMiBps/m);
    expect(section).toMatch(/^ {2}\[set\] weights: qwen3-32b 65\.5 GB, qwen25-vl-32b 66\.9 GB/m);
  });

  test("--help prints the usage, the options and the exit codes, and exits 0", async () => {
    const r = await plan(["--help"]);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^usage: qwen-serving plan \[--stack <name>\] \[--json\] \[--out DIR\]\n {7}\(from a checkout: npm run -s plan -- \[options\]/);
    expect(r.stdout).toMatch(/^exit codes:\n {2}0 {2}done\n {2}1 {2}refused: .*\n {2}2 {2}bad input: /m);
  });

  test("a config that cannot work exits 1 and lists every problem of every stage (config, plan, platform) on stderr", async () => {
    const dir = stackDir((c) => {
      services(c)[0].tp = 3; // plan: tp does not divide the heads
      services(c)[1].extraArgs = ["--port", "9005"]; // plan: a flag the planner owns
      c["qwen-serving:monitoring"] = { retentionDays: 7, ttftP95Seconds: "abc" }; // config: not a number
      delete c["qwen-serving:grafanaAdminPassword"]; // platform: Grafana would keep its default password
    });
    const r = await plan(["--stack", "t"], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: invalid stack config \(\d+ problems\):\n/);
    expect(r.stderr).toContain('qwen-serving:monitoring.ttftP95Seconds: got "abc"; Invalid input: expected number, received string');
    expect(r.stderr).toContain("qwen-serving:services[0].tp: tp 3 does not divide Qwen/Qwen3-8B's 32 attention heads");
    expect(r.stderr).toContain('qwen-serving:services[1].extraArgs[0]: got "--port"; sets --port, which the planner sets');
    expect(r.stderr).toMatch(/qwen-serving:grafanaAdminPassword: .*Grafana/);
  });

  test("numbers and booleans written as strings (pulumi config set --path stores strings) are read as such", async () => {
    const dir = stackDir((c) => {
      services(c)[0].tp = "2";
      c["qwen-serving:monitoring"] = { retentionDays: "7", ttftP95Seconds: "2.5", enabled: "true", kvUsageThreshold: ".9" };
      c["qwen-serving:cache"] = { throughputMiBps: "500", iops: "3000", retain: "false" };
    });
    const r = await plan(["--stack", "t", "--json"], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = PlanJson.parse(JSON.parse(r.stdout));
    expect(doc.services[0].tp).toBe(2);
    const rules = doc.artifacts.find((a) => a.endsWith("sglang.rules.yml"))!;
    expect(fs.readFileSync(path.join(dir, "out", "t", rules), "utf8")).toMatch(/> 2\.5\b/);
  });

  test.each([
    [
      "qwen-servng:platform",
      "aws",
      /^warning: namespace 'qwen-servng:' \('qwen-servng:platform'\) is read by nothing here \(did you mean 'qwen-serving:'\?\); this program reads 'qwen-serving:', 'aws:', 'docker:', 'kubernetes:'$/,
    ],
    ["aws:regoin", "us-east-2", /^warning: 'aws:regoin' is not a setting of the aws provider, so nothing reads it \(did you mean 'aws:region'\?\)$/],
    ["aws:profil", "ops", /^warning: 'aws:profil' is not a setting of the aws provider, so nothing reads it \(did you mean 'aws:profile'\?\)$/],
  ])("a key nothing reads (%s) is a warning naming it, on stderr only", async (key, value, warning) => {
    const dir = stackDir((c) => {
      c[key] = value;
    });
    const r = await plan(["--stack", "t", "--json"], dir);
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(warning)]);
    expect(PlanJson.parse(JSON.parse(r.stdout)).warnings).toEqual([r.stderr.trim().replace(/^warning: /, "")]);
  });

  test("the budget: the whole node, idle GPUs shown, the other AWS items, per hour and month, with sources", async () => {
    const { r } = await planOf("prod");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^budget \(USD, on-demand, region us-east-1; GPU instances checked 2026-11-09, other AWS prices recorded 2026-12-01;/m);
    expect(r.stdout).toMatch(/^ {2}node gpu-0 \(p5\.48xlarge, 8 x h100-80gb: 8 used, 0 idle\) +\$55\.0400 +\$40,179\.20 {2}p5\.48xlarge on-demand, us-east-1/m);
    for (const item of ["NAT gateway", "load balancer", "gp3 qwen-prod-aws-gpu-0-weights-volume (300 GiB, 6000 IOPS, 1000 MiB/s)", "instance qwen-prod-aws-monitoring-instance (m7i.large)"])
      expect(r.stdout).toContain(item);
    expect(r.stdout).toMatch(/^ {2}total +\$55\.\d{4} +\$40,\d{3}\.\d\d$/m);
    // prod names its domain, so its endpoints are the config's.
    expect(r.stdout).toMatch(/^endpoints \(from the config: .*\n {2}qwen3-32b: https:\/\/\S+\/qwen3-32b$/m);
    expect(r.stdout).toMatch(/^qwen3-32b +Qwen\/Qwen3-32B +h100-80gb +2 x 2 .* 131,072 +yes +2 x 2 +74 x 2 /m);
  });

  test.each([
    ["dev", ["qwen3-8b", "qwen25-vl-7b"], /^ {2}qwen3-8b: http:\/\/\S+\.elb\.amazonaws\.com:9001 {2}\(mock\)$/m],
    ["h20", [], /^ {2}qwen3-32b: http:\/\/192\.0\.2\.11:9001$/m],
    ["k8s", [], /^ {2}qwen3-32b: http:\/\/qwen3-32b\.qwen-serving\.svc\.cluster\.local:9001$/m],
  ])("endpoints of %s: a name the offline plan made up is marked mock", async (stack, mocked, line) => {
    const text = (await planOf(stack)).r;
    expect(text.stdout).toMatch(line);
    const doc = PlanJson.parse(JSON.parse((await planOf(stack, true)).r.stdout));
    expect(doc.endpoints).toMatchObject({ mock: mocked.length > 0, mocked });
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
    [
      "a KV pool shorter than the context",
      ["--model", "Qwen/Qwen3-32B", "--gpu", "h100-80gb", "--tp", "2", "--context-length", "1000000"],
      /^does not fit: the KV pool holds \d+ tokens, fewer than the context length 1000000$/,
    ],
    ["weights that leave no KV cache", ["--model", "Qwen/Qwen3-32B", "--gpu", "l4", "--tp", "2"], /^does not fit: Qwen\/Qwen3-32B's weights take 30\.51 GiB per GPU and leave no KV cache at tp 2$/],
  ])("%s: exits 1, still prints the figures (--json too)", async (_, args, message) => {
    for (const json of [false, true]) {
      const r = await capacity([...args, ...(json ? ["--json"] : [])]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toMatch(message);
      if (json) expect(CapacityJson.parse(JSON.parse(r.stdout)).fitsContext).toBe(false);
      else expect(r.stdout).toMatch(/DOES NOT FIT/);
    }
  });

  test("concurrency: requests at the full context and at 4K tokens, at most max_running_requests", async () => {
    const r = await capacity(["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2", "--context-length", "131072", "--json"]);
    const doc = CapacityJson.parse(JSON.parse(r.stdout));
    expect(doc.concurrency).toEqual({
      atContextLength: Math.floor(doc.kvTokens / 131072),
      atTypicalRequest: Math.min(doc.maxRunningRequests, Math.floor(doc.kvTokens / 4096)),
      typicalRequestTokens: 4096,
    });
    expect(doc.concurrency.atContextLength).toBe(3);
  });

  test("the cold start for a platform, at a stated hub rate and cache rate: phases, first boot and warm boot", async () => {
    const base = ["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2"];
    const aws = CapacityJson.parse(JSON.parse((await capacity([...base, "--json"])).stdout));
    // Defaults: aws, the stack's default cache.throughputMiBps (1000) and the assumed hub rate (100 MB/s) for 65.5 GB.
    expect(aws.platform).toBe("aws");
    expect(aws.coldStart).toMatchObject({ instanceBootSeconds: 120, firstDownloadSeconds: 655, loadFromCacheSeconds: 62, firstBootSeconds: 1002, warmBootSeconds: 347, rebootSeconds: 272 });
    expect(aws.coldStart.inputs.hubRateMBps.assumption).toBe(true);
    const r = await capacity([...base, "--platform", "docker", "--hub-rate-mbps", "500", "--cache-throughput-mibps", "2000", "--json"]);
    const docker = CapacityJson.parse(JSON.parse(r.stdout));
    expect(docker.coldStart).toMatchObject({ instanceBootSeconds: 0, firstDownloadSeconds: 131, loadFromCacheSeconds: 31 });
    expect(docker.coldStart.inputs.hubRateMBps).toEqual({ value: 500, unit: "MB/s", source: "--hub-rate-mbps", assumption: false });
    const text = (await capacity([...base, "--platform", "docker", "--hub-rate-mbps", "500"])).stdout;
    expect(text).toMatch(/^cold start s \(docker, estimate\)\s+first boot 358, warm boot 227 \(replacement\), reboot 152$/m);
    expect(text).toMatch(
      /^cold start phases s\s+instance boot 0 \(assumed\) \+ image pull 75 .* \+ first download 131 \(hub 500 MB\/s, set\) \+ load from cache 62 \(1000 MiB\/s, assumed\) \+ warm-up 90 \(assumed\)$/m,
    );
  });

  test("--help lists the options and the exit codes", async () => {
    const r = await capacity(["--help"]);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^usage: qwen-serving capacity --model/);
    expect(r.stdout).toMatch(/^ {2}1 {2}refused: .*the model does not fit: no KV cache, or a KV pool shorter than the context/m);
  });

  test.each([
    [["--model", "Qwen/Qwen9", "--gpu", "h20", "--tp", "2"], /^error: unknown model 'Qwen\/Qwen9'/],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h21", "--tp", "2"], /^error: unknown GPU 'h21'; valid: h20, /],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "3"], /^error: tp 3 does not divide/],
    [["--model", "/nonexistent/config.json", "--gpu", "h20", "--tp", "2"], /^error: cannot read model config '\/nonexistent\/config.json': ENOENT/],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "two"], /^error: --tp must be a positive integer, got 'two'/],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2", "--platform", "gcp"], /^error: --platform must be one of aws, docker, kubernetes, got 'gcp' /],
    [["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2", "--hub-rate-mbps", "0"], /^error: --hub-rate-mbps must be a positive number, got '0' /],
  ])("bad input %j exits 2 with one line", async (args, message) => {
    const r = await capacity(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });
});

describe("qwen-serving (the package's bin)", () => {
  const bin = (args: string[]) => callCli(binMain, args);
  test("dispatches to the commands, with their own --help", async () => {
    const c = await bin(["capacity", "--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2", "--json"]);
    expect(c.status).toBe(0);
    expect(CapacityJson.parse(JSON.parse(c.stdout)).model).toBe("Qwen/Qwen3-32B");
    expect((await bin(["plan", "--help"])).stdout).toMatch(/^usage: qwen-serving plan /);
    expect((await bin(["capacity", "--help"])).stdout).toMatch(/^usage: qwen-serving capacity /);
  });

  test("--help lists the commands and exit codes; --version the package's", async () => {
    const h = await bin(["--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^usage: qwen-serving <command> \[options\]\n\ncommands:\n {2}plan {6}.*\n {2}capacity {2}/);
    expect(h.stdout).toContain("exit codes:");
    expect((await bin(["--version"])).stdout).toBe(`${JSON.parse(fs.readFileSync("package.json", "utf8")).version}\n`);
  });

  test.each([[[]], [["deploy"]]])("%j is bad input: exit 2, one line", async (args) => {
    const r = await bin(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: (no command given|unknown command 'deploy'); commands: plan, capacity \(see --help\)\n$/);
  });
});

test("package.json: the bin is the built entry, the npm scripts the sources", () => {
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  expect(pkg.bin).toEqual({ "qwen-serving": "dist/infra/bin.js" });
  expect(pkg.scripts.plan).toBe("ts-node --transpile-only infra/plan.ts");
  expect(pkg.scripts.capacity).toBe("ts-node --transpile-only infra/capacity.ts");
  expect(pkg.scripts["qwen-serving"]).toBe("ts-node --transpile-only infra/bin.ts");
  expect(fs.readFileSync("infra/bin.ts", "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
});
