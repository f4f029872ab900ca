import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { USER_DATA_LIMIT } from "../../components/render/cloud-init";
import { NODE_PATHS } from "../../components/render/scripts/node-paths";
import { requireTool, run, shellcheck } from "../support/tools";
import { bootstrapCases, Case } from "./bootstraps";

// Every node bootstrap the stacks can render, checked by the tools that consume it.
let cases: Case[];
let dir: string;

beforeAll(() => {
  cases = bootstrapCases();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-"));
});

/**
 * A root for `systemd-analyze verify --root`: the node's units and files at their deploy paths,
 * this machine's stock systemd units (network-online.target and friends, as on Ubuntu), and two
 * stand-ins for what the AMI provides: an executable /usr/bin/docker and a docker.service. verify
 * then checks syntax, directives, dependencies and that every ExecStart* binary exists.
 */
function verifyRoot(c: Case): string {
  const root = path.join(dir, c.label.replace(/\//g, "_"));
  fs.mkdirSync(path.join(root, "usr/lib/systemd"), { recursive: true });
  fs.cpSync("/usr/lib/systemd/system", path.join(root, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
  const put = (p: string, content: string, mode = 0o644) => {
    fs.mkdirSync(path.join(root, path.dirname(p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), content, { mode });
  };
  put("/usr/bin/docker", "#!/bin/sh\n", 0o755);
  put(`${NODE_PATHS.units}/docker.service`, "[Unit]\nDescription=Docker (stand-in for the AMI's)\n\n[Service]\nExecStart=/usr/bin/docker\n");
  for (const f of c.bootstrap.files) put(f.path, f.content, f.mode ?? 0o644);
  for (const u of c.bootstrap.units) put(`${NODE_PATHS.units}/${u.name}`, u.content);
  return root;
}

describe("rendered node bootstraps", () => {
  it("cover dev and prod on the DLAMI and plain Ubuntu", () => {
    expect(cases.map((c) => c.label)).toEqual(["dev/dlami/gpu-0", "dev/ubuntu-24.04/gpu-0", "prod/dlami/gpu-0", "prod/ubuntu-24.04/gpu-0"]);
  });

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
    requireTool("systemd-analyze");
    for (const c of cases) {
      const root = verifyRoot(c);
      const r = await run("systemd-analyze", ["verify", `--root=${root}`, ...c.bootstrap.units.map((u) => u.name)], { timeoutMs: 60_000 });
      expect({ case: c.label, code: r.code, out: (r.stdout + r.stderr).trim() }).toEqual({ case: c.label, code: 0, out: "" });
    }
  });

  it("the cloud-init document writes exactly the standalone files and units, and the user data is it, gzipped, within 16 KiB", () => {
    for (const c of cases) {
      const doc = parse(c.bootstrap.cloudInit) as { write_files: { path: string; content: string; permissions: string }[] };
      const written = new Map(doc.write_files.map((w) => [w.path.split("/").pop()!, w.content]));
      for (const a of c.bootstrap.artifacts.filter((x) => !x.path.endsWith("cloud-init.yaml"))) expect({ file: a.path, content: written.get(a.path.split("/").pop()!) }).toEqual({ file: a.path, content: a.content });
      expect(doc.write_files.filter((w) => w.path.endsWith(".sh")).every((w) => w.permissions === "0755")).toBe(true);
      const userData = Buffer.from(c.bootstrap.userDataBase64, "base64");
      expect(userData.length).toBeLessThanOrEqual(USER_DATA_LIMIT);
      expect(gunzipSync(userData).toString()).toBe(c.bootstrap.cloudInit);
    }
  });
});
