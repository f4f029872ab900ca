import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, test } from "vitest";
import { stackNames } from "../support/stacks";

// Every stack is rendered with a sentinel in each secret; none may appear in plain text anywhere a
// reader, a log or the cloud provider would see it.
const ROOT = process.cwd();
const stacks = stackNames(ROOT);
const SENTINEL = /SENTINEL-[A-Za-z0-9_]+-c0ffee/g;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

// All stacks in one child process (Pulumi's mock state is process-wide, so not in this one).
const outs = Object.fromEntries(stacks.map((stack) => [stack, fs.mkdtempSync(path.join(os.tmpdir(), `qs-audit-${stack}-`))]));
const r = spawnSync(path.join(ROOT, "node_modules/.bin/ts-node"), ["--transpile-only", "--project", "tsconfig.json", "test/hardening/secret-audit-run.ts", ...stacks.flatMap((s) => [s, outs[s]])], {
  cwd: ROOT,
  encoding: "utf8",
  timeout: 170_000,
  maxBuffer: 1024 * 1024 * 1024,
});
const reports = r.status === 0 ? (JSON.parse(r.stdout) as Record<string, { sentinels: string[]; secretInputsWithSentinel: number; resources: unknown; outputs: unknown }>) : {};

describe.each(stacks)("stack %s", (stack) => {
  const out = outs[stack];

  test("runs", () => {
    expect(r.status, r.stderr).toBe(0);
    expect(Object.keys(reports)).toContain(stack);
  });

  test("has secrets to audit, and they reach resources only as secrets", () => {
    const report = reports[stack];
    expect(report.sentinels.length).toBeGreaterThan(0);
    expect(report.secretInputsWithSentinel).toBeGreaterThan(0);
  });

  test("0 sentinels in logs (stdout/stderr beyond the report), non-secret inputs and outputs", () => {
    const report = reports[stack];
    expect(JSON.stringify(report.resources).match(SENTINEL) ?? []).toEqual([]);
    expect(JSON.stringify(report.outputs).match(SENTINEL) ?? []).toEqual([]);
    expect(r.stderr.match(SENTINEL) ?? []).toEqual([]);
  });

  test("0 sentinels in any artifact", () => {
    const leaks = filesUnder(out).filter((f) => SENTINEL.test(fs.readFileSync(f, "utf8")));
    expect(leaks.map((f) => path.relative(out, f))).toEqual([]);
  });
});
