// The boot test's stand-ins are real programs on the guest: shellcheck judges the bash ones and
// Python compiles the Python ones before an image is built from them (the boot test runs them).
import { readdirSync, readFileSync, statSync } from "fs";
import { join, relative } from "path";
import { describe, expect, it } from "vitest";
import { requireTool, run } from "../support/tools";

const GUEST = join(__dirname, "guest/rootfs");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const all = files(GUEST);
const firstLine = (p: string) => readFileSync(p, "utf8").split("\n", 1)[0];
const bash = all.filter((p) => /^#!.*\bbash\b/.test(firstLine(p)));
const python = all.filter((p) => p.endsWith(".py") || /^#!.*python3/.test(firstLine(p)));

describe("boot test guest files", () => {
  it("finds the stand-ins it checks", () => {
    expect(bash.map((p) => relative(GUEST, p))).toEqual(expect.arrayContaining(["usr/bin/nvidia-smi", "usr/local/bin/aws"]));
    expect(python.map((p) => relative(GUEST, p))).toEqual(expect.arrayContaining(["usr/bin/docker", "usr/lib/qtest/hub.py", "usr/lib/qtest/report.py"]));
  });

  it("bash stand-ins pass shellcheck", async () => {
    requireTool("shellcheck");
    const r = await run("shellcheck", ["--shell=bash", ...bash]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("Python stand-ins compile", async () => {
    requireTool("python3");
    const r = await run("python3", ["-c", "import sys, py_compile\nfor p in sys.argv[1:]:\n    compile(open(p).read(), p, 'exec')", ...python]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("executables keep their mode in the image (the build copies modes as they are in git)", () => {
    for (const p of [...bash, ...python.filter((f) => !f.endsWith(".py"))]) expect(`${relative(GUEST, p)} ${(statSync(p).mode & 0o111) !== 0}`).toBe(`${relative(GUEST, p)} true`);
  });
});
