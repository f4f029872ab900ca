import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { DOCKER_PACKAGE, requireTool, run, shellcheck, systemdVerify } from "../../support/tools";
import { bootstrapCases, Case } from "./bootstraps";

// Every node bootstrap the stacks can render, checked by the tools that consume it (cloud-init
// schema, shellcheck, systemd-analyze verify); what they contain is asserted in bootstrap.test.ts.
let cases: Case[];
let dir: string;

beforeAll(() => {
  cases = bootstrapCases();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-"));
});

describe("rendered node bootstraps", () => {
  it("every cloud-init document passes `cloud-init schema`", async () => {
    requireTool("cloud-init");
    const results = await Promise.all(
      cases.map(async (c) => {
        const file = path.join(dir, `${c.label.replace(/\//g, "_")}.yaml`);
        fs.writeFileSync(file, c.bootstrap.cloudInit);
        const r = await run("cloud-init", ["schema", "--config-file", file]);
        return { case: c.label, code: r.code, out: r.stdout + r.stderr, file };
      }),
    );
    for (const r of results) expect(r).toEqual({ case: r.case, code: 0, out: `Valid cloud-config: ${r.file}\n`, file: r.file });
  });

  it("every script passes shellcheck with no findings", async () => {
    // Identical scripts across cases are checked once.
    const distinct = new Map<string, string>();
    for (const c of cases) {
      const scripts = c.bootstrap.artifacts.filter((a) => a.path.endsWith(".sh"));
      expect(scripts.length).toBeGreaterThanOrEqual(4);
      for (const a of scripts) if (!distinct.has(a.content)) distinct.set(a.content, `${c.label.replace(/\//g, "_")}_${a.path.split("/").pop()}`);
    }
    const files = [...distinct].map(([content, name]) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      return file;
    });
    expect(await shellcheck(files)).toBe("");
  });

  it("every unit passes `systemd-analyze verify` against the node's file layout", async () => {
    // The AMI provides docker and its unit; verify checks syntax, directives, dependencies and that every ExecStart* binary exists.
    // util-linux's mountpoint (Ubuntu's /usr/bin/mountpoint): the weights units check the cache is mounted.
    const programs = [...DOCKER_PACKAGE.programs, "/usr/bin/mountpoint"];
    for (const c of cases) expect({ case: c.label, findings: await systemdVerify(c.bootstrap.units, c.bootstrap.files, programs, DOCKER_PACKAGE.units) }).toEqual({ case: c.label, findings: "" });
  });
});
