import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, test } from "vitest";
import { spawnCli } from "../support/cli";
import { CapacityJson, PlanJson } from "./cli-contract";

// The CLIs as a user starts them: their own processes, real exit codes, real pipes. Every case is
// covered in process by cli.test.ts; these check what only a process shows (stdout draining into a
// pipe, a reader closing it early, npm's banner, the built bin).
const ROOT = path.resolve(__dirname, "../..");
const TS_NODE = `${path.join(ROOT, "node_modules", ".bin", "ts-node")} --transpile-only --project ${path.join(ROOT, "tsconfig.json")}`;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "qs-e2e-"));
/** stderr may hold the program's warnings, never an error or a stack trace. */
const noErrors = (stderr: string) => {
  expect(stderr).not.toMatch(/^error:|EPIPE|\n\s+at /m);
  for (const line of stderr.split("\n").filter(Boolean)) expect(line).toMatch(/^warning: /);
};

/** Runs a bash command line (pipes and all) in the repository; `PLAN_STATUS` files carry a pipeline member's exit code. */
function bash(script: string, cwd = ROOT): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-c", script], { cwd, encoding: "utf8", timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("npm run plan: --json prints the contract document and exits 0; bad input prints one line and exits 2", () => {
  const out = tmp();
  const ok = spawnCli("plan", ["--stack", "prod", "--json", "--out", out]);
  expect(ok.stderr).toBe("");
  expect(ok.status).toBe(0);
  const doc = PlanJson.parse(JSON.parse(ok.stdout));
  for (const a of doc.artifacts) expect(fs.existsSync(path.join(out, a)), a).toBe(true);

  const bad = spawnCli("plan", ["--stak", "dev"]);
  expect(bad).toEqual({ status: 2, stdout: "", stderr: "error: unknown option '--stak'; valid: --stack, --json, --out, --help (see --help)\n" });
});

test("npm run capacity: --json prints the contract document and exits 0; does not fit exits 1; bad input exits 2", () => {
  const ok = spawnCli("capacity", ["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2", "--json"]);
  expect(ok.stderr).toBe("");
  expect(ok.status).toBe(0);
  expect(CapacityJson.parse(JSON.parse(ok.stdout)).model).toBe("Qwen/Qwen3-32B");

  const full = spawnCli("capacity", ["--model", "Qwen/Qwen3-32B", "--gpu", "l4", "--tp", "2", "--json"]);
  expect(full.status).toBe(1);
  expect(CapacityJson.parse(JSON.parse(full.stdout)).fitsContext).toBe(false);

  const bad = spawnCli("capacity", ["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "two"]);
  expect(bad).toEqual({ status: 2, stdout: "", stderr: "error: --tp must be a positive integer, got 'two' (see --help)\n" });
});

describe("--json into a pipe", () => {
  test("the largest stack's plan (k8s, > 64 KiB) reaches a slow reader whole, as one JSON document", () => {
    const out = tmp();
    const r = bash(`set -o pipefail; ${TS_NODE} infra/plan.ts --stack k8s --json --out ${out} | (sleep 2; cat)`);
    noErrors(r.stderr);
    expect(r.status).toBe(0);
    expect(Buffer.byteLength(r.stdout)).toBeGreaterThan(64 * 1024);
    const doc = PlanJson.parse(JSON.parse(r.stdout));
    expect(doc.stack).toBe("k8s");
  });

  test("a reader that closes the pipe early (| head) ends the plan quietly: no EPIPE, no stack trace, exit 0", () => {
    const out = tmp();
    const status = path.join(out, "status");
    const r = bash(`${TS_NODE} infra/plan.ts --stack k8s --json --out ${path.join(out, "a")} 2>${path.join(out, "err")} | head -c 100; echo "\${PIPESTATUS[0]}" > ${status}`);
    expect(r.stdout).toHaveLength(100);
    expect(r.stdout.startsWith("{\n")).toBe(true);
    noErrors(fs.readFileSync(path.join(out, "err"), "utf8"));
    expect(fs.readFileSync(status, "utf8").trim()).toBe("0");
  });

  test("the README's command, npm run -s plan -- --json, prints only the document (no npm banner)", () => {
    const out = tmp();
    const r = bash(`npm run -s plan -- --stack k8s --json --out ${out} | cat`);
    expect(r.status).toBe(0);
    expect(PlanJson.parse(JSON.parse(r.stdout)).stack).toBe("k8s");
  });
});

describe("the built bin (package.json bin: dist/infra/bin.js)", () => {
  // Built like `npm run build` (tsconfig.build.json), into a folder of its own inside the package,
  // so the run finds the package's script sources the way an installed package does.
  const dist = path.join(ROOT, ".cache", "dist-e2e");
  beforeAll(() => {
    fs.rmSync(dist, { recursive: true, force: true });
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json", "--outDir", dist], { cwd: ROOT, encoding: "utf8", timeout: 170_000 });
    if (r.status !== 0) throw new Error(`the build failed: ${r.stdout}${r.stderr}`);
  }, 180_000);

  test("the build puts the bin where package.json says, with its shebang", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const bin = path.join(dist, path.relative("dist", pkg.bin["qwen-serving"]));
    expect(fs.readFileSync(bin, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  test("qwen-serving plan --json through a pipe, capacity's exit codes, a refused stack's exit 1", () => {
    const bin = `node ${path.join(dist, "infra", "bin.js")}`;
    const out = tmp();
    const plan = bash(`set -o pipefail; ${bin} plan --stack k8s --json --out ${out} | (sleep 1; cat)`);
    noErrors(plan.stderr);
    expect(PlanJson.parse(JSON.parse(plan.stdout)).stack).toBe("k8s");

    expect(bash(`${bin} capacity --model Qwen/Qwen3-32B --gpu h20 --tp 2`).status).toBe(0);
    expect(bash(`${bin} capacity --model Qwen/Qwen3-32B --gpu l4 --tp 2`).status).toBe(1);
    expect(bash(`${bin} capacity --model Qwen/Qwen3-32B --gpu h20`).status).toBe(2);

    const dir = tmp();
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("tp: 2", "tp: 3"));
    const refused = bash(`${bin} plan --stack t`, dir);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error: the plan cannot be deployed .*\n[\s\S]*services\[0\]\.tp: tp 3 does not divide/);
  });
});
