import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, test } from "vitest";
import { main } from "../../infra/plan";
import { callCli, CliResult } from "../support/cli";

// Bad input at the edges: each case exits non-zero (2 when the command cannot run, 1 when the config
// is refused) with one clear line per problem, never a stack trace.
function planIn(files: Record<string, string>, stack: string): Promise<CliResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-edge-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: qwen-serving\nruntime: nodejs\nmain: infra/index.ts\n");
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return callCli(main, ["--stack", stack, "--out", path.join(dir, "out")], { cwd: dir });
}

const stack = (services: string, pools = "    - name: gpu\n      instanceType: p5.48xlarge\n") =>
  `config:\n  qwen-serving:platform: aws\n  qwen-serving:nodePools:\n${pools}  qwen-serving:services:\n${services}`;
const svc = (model: string) =>
  `    - name: qwen3-32b\n      model: ${model}\n      weights:\n        source: huggingface\n        revision: 9216db5781bf21249d130ec9da846c4624c16137\n      tp: 2\n      port: 9001\n`;

/** One error line (a lone problem) or a headline and `  - ` problem lines, the first matching `pattern`. */
async function expectProblems(run: Promise<CliResult>, status: 1 | 2, pattern: RegExp) {
  const r = await run;
  expect(r.status, r.stderr).toBe(status);
  const lines = r.stderr.trim().split("\n");
  if (lines.length > 1) {
    expect(lines[0]).toMatch(/^error: .* \(\d+ problems\):$/);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {2}- qwen-serving:/);
    expect(`${lines[0].replace(/ \(\d+ problems\):$/, ":")} ${lines[1].slice(4)}`).toMatch(pattern);
  } else expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("npm run plan at the edges", () => {
  test("malformed YAML", async () => {
    await expectProblems(planIn({ "Pulumi.x.yaml": "config:\n  qwen-serving:platform: [aws\n" }, "x"), 2, /^error: invalid stack config: Pulumi\.x\.yaml: is not valid YAML: /);
  });

  test("an unknown model", async () => {
    await expectProblems(
      planIn({ "Pulumi.x.yaml": stack(svc("Qwen/Qwen9-1T")) }, "x"),
      1,
      /^error: the plan cannot be deployed: qwen-serving:services\[0\]\.model: unknown model 'Qwen\/Qwen9-1T'; use a catalog id/,
    );
  });

  test("an unknown GPU instance type", async () => {
    await expectProblems(
      planIn({ "Pulumi.x.yaml": stack(svc("Qwen/Qwen3-32B"), "    - name: gpu\n      instanceType: p9.huge\n") }, "x"),
      1,
      /^error: invalid stack config: qwen-serving:nodePools\[0\]\.instanceType: got "p9\.huge"; Invalid option: expected one of .*"p5\.48xlarge"/,
    );
  });

  test("a bad config.json", async () => {
    await expectProblems(
      planIn({ "Pulumi.x.yaml": stack(svc("./broken/config.json")), "config.json": "" }, "x"),
      1,
      /^error: the plan cannot be deployed: qwen-serving:services\[0\]\.model: cannot read model config '\.\/broken\/config\.json': ENOENT/,
    );
  });
});
