import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect, test } from "vitest";
import { spawnCli } from "../support/cli";
import { CapacityJson, PlanJson } from "./cli-contract";

// One run of each script as `npm run` starts it (ts-node, its own process, real exit codes and
// streams); every case is covered in process by cli.test.ts.
test("npm run plan: --json prints the contract document and exits 0; bad input prints one line and exits 2", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "qs-plan-"));
  const ok = spawnCli("plan", ["--stack", "prod", "--json", "--out", out]);
  expect(ok.stderr).toBe("");
  expect(ok.status).toBe(0);
  const doc = PlanJson.parse(JSON.parse(ok.stdout));
  for (const a of doc.artifacts) expect(fs.existsSync(path.join(out, a)), a).toBe(true);

  const bad = spawnCli("plan", ["--stak", "dev"]);
  expect(bad).toEqual({ status: 2, stdout: "", stderr: "error: unknown option '--stak'; valid: --stack, --json, --out, --help (see --help)\n" });
});

test("npm run capacity: --json prints the contract document and exits 0; bad input prints one line and exits 2", () => {
  const ok = spawnCli("capacity", ["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "2", "--json"]);
  expect(ok.stderr).toBe("");
  expect(ok.status).toBe(0);
  expect(CapacityJson.parse(JSON.parse(ok.stdout)).model).toBe("Qwen/Qwen3-32B");

  const bad = spawnCli("capacity", ["--model", "Qwen/Qwen3-32B", "--gpu", "h20", "--tp", "two"]);
  expect(bad).toEqual({ status: 2, stdout: "", stderr: "error: --tp must be a positive integer, got 'two' (see --help)\n" });
});
