import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, test } from "vitest";

// Bad input at the edges: each case exits non-zero with one clear line, never a stack trace.
const ROOT = process.cwd();
const TS_NODE = path.join(ROOT, "node_modules", ".bin", "ts-node");

function planIn(files: Record<string, string>, stack: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-edge-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: qwen-serving\nruntime: nodejs\nmain: infra/index.ts\n");
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return spawnSync(TS_NODE, ["--transpile-only", "--project", path.join(ROOT, "tsconfig.json"), path.join(ROOT, "infra/plan.ts"), "--stack", stack, "--out", path.join(dir, "out")], { cwd: dir, encoding: "utf8", timeout: 60_000 });
}

const stack = (services: string, pools = "    - name: gpu\n      instanceType: p5.48xlarge\n") =>
  `config:\n  qwen-serving:platform: aws\n  qwen-serving:nodePools:\n${pools}  qwen-serving:services:\n${services}`;
const svc = (model: string) => `    - name: qwen3-32b\n      model: ${model}\n      weights:\n        source: huggingface\n        revision: 9216db5781bf21249d130ec9da846c4624c16137\n      tp: 2\n      port: 9001\n`;

function expectOneLine(r: ReturnType<typeof spawnSync>, pattern: RegExp) {
  expect(r.status, String(r.stderr)).toBe(2);
  const lines = String(r.stderr).trim().split("\n");
  expect(lines, String(r.stderr)).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(String(r.stderr)).not.toMatch(/\n\s+at /);
}

describe("npm run plan at the edges", () => {
  test("malformed YAML", () => {
    expectOneLine(planIn({ "Pulumi.x.yaml": "config:\n  qwen-serving:platform: [aws\n" }, "x"), /^error: invalid stack config: Pulumi\.x\.yaml: is not valid YAML: /);
  });

  test("an unknown model", () => {
    expectOneLine(planIn({ "Pulumi.x.yaml": stack(svc("Qwen/Qwen9-1T")) }, "x"), /^error: the plan cannot be deployed: qwen-serving:services\[0\]\.model: unknown model 'Qwen\/Qwen9-1T'; use a catalog id/);
  });

  test("an unknown GPU instance type", () => {
    expectOneLine(planIn({ "Pulumi.x.yaml": stack(svc("Qwen/Qwen3-32B"), "    - name: gpu\n      instanceType: p9.huge\n") }, "x"), /^error: invalid stack config: qwen-serving:nodePools\[0\]\.instanceType: got "p9\.huge"; Invalid option: expected one of .*"p5\.48xlarge"/);
  });

  test("a bad config.json", () => {
    expectOneLine(planIn({ "Pulumi.x.yaml": stack(svc("./broken/config.json")), "config.json": "" }, "x"), /^error: the plan cannot be deployed: qwen-serving:services\[0\]\.model: cannot read model config '\.\/broken\/config\.json': ENOENT/);
  });
});
