// weights-revision.sh, run by real bash, find and coreutils in a sandbox: one folder per revision,
// the previous complete revision kept for a rollback, everything older removed, the download script
// run with that folder as its cache root; a legacy folder (`<root>/<org>/<name>/`, from before
// revision folders) moved in and reused by the real weights.sh against a local fake hub.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { renderWeightsScript, WEIGHTS_MARKER, WeightsModel } from "../../components/render/scripts/weights";
import { renderRevisionWrapper } from "../../components/render/scripts/weights-revision";
import { requireTool, run, tempDir } from "../support/tools";
import { FakeHub } from "../render/scripts/fake-hub";

function sandbox() {
  const dir = tempDir("qs-rev-");
  const root = path.join(dir, "volume");
  fs.mkdirSync(root);
  const wrapper = path.join(dir, "weights-revision.sh");
  fs.writeFileSync(wrapper, renderRevisionWrapper());
  // A stand-in download script: records its cache root and arguments.
  const fetch = path.join(dir, "fetch.sh");
  fs.writeFileSync(fetch, '#!/bin/bash\nprintf "%s %s\\n" "$WEIGHTS_CACHE_ROOT" "$*" > "$WEIGHTS_CACHE_ROOT/ran"\n');
  const revision = (name: string, complete: boolean, mtime: number) => {
    const repo = path.join(root, name, "Qwen", "Qwen3-32B");
    fs.mkdirSync(repo, { recursive: true });
    fs.writeFileSync(path.join(repo, "model.safetensors"), "x");
    if (complete) {
      fs.writeFileSync(path.join(repo, WEIGHTS_MARKER), "source=huggingface\n");
      fs.utimesSync(path.join(repo, WEIGHTS_MARKER), mtime, mtime);
    }
  };
  return { root, wrapper, fetch, revision };
}

describe("weights-revision.sh", () => {
  test("keeps the newest other complete revision, removes older and incomplete ones, runs the script in the kept folder", async () => {
    requireTool("bash");
    const s = sandbox();
    s.revision("rev-qwen3-32b-000000000001", true, 1_000);
    s.revision("rev-qwen3-32b-000000000002", true, 2_000);
    s.revision("rev-qwen3-32b-00000000000a", false, 0);
    fs.mkdirSync(path.join(s.root, "lost+found"));
    const r = await run("bash", [s.wrapper, s.root, "rev-qwen3-32b-000000000003", s.fetch, "Qwen/Qwen3-32B"]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(s.root).sort()).toEqual(["lost+found", "rev-qwen3-32b-000000000002", "rev-qwen3-32b-000000000003"]);
    expect(fs.readFileSync(path.join(s.root, "rev-qwen3-32b-000000000003", "ran"), "utf8")).toBe(`${s.root}/rev-qwen3-32b-000000000003 Qwen/Qwen3-32B\n`);
    expect(r.stderr).toContain("keeping rev-qwen3-32b-000000000002 (the previous revision) for a rollback");
  });

  test("a rollback to a kept revision keeps the one it leaves", async () => {
    const s = sandbox();
    s.revision("rev-qwen3-32b-000000000001", true, 1_000);
    s.revision("rev-qwen3-32b-000000000002", true, 2_000);
    const r = await run("bash", [s.wrapper, s.root, "rev-qwen3-32b-000000000001", s.fetch]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(s.root).sort()).toEqual(["rev-qwen3-32b-000000000001", "rev-qwen3-32b-000000000002"]);
  });

  test("refuses a folder name outside the revision prefix (never rm -rf what it does not own)", async () => {
    const s = sandbox();
    s.revision("rev-qwen3-32b-000000000001", true, 1_000);
    for (const bad of ["models", "../rev-x", "rev-a/b"]) {
      const r = await run("bash", [s.wrapper, s.root, bad, s.fetch]);
      expect(r.code, bad).toBe(2);
    }
    expect(fs.readdirSync(s.root)).toEqual(["rev-qwen3-32b-000000000001"]);
  });

  test("the download script's exit code is the wrapper's (exec)", async () => {
    const s = sandbox();
    fs.writeFileSync(s.fetch, "#!/bin/bash\nexit 3\n");
    expect((await run("bash", [s.wrapper, s.root, "rev-qwen3-32b-000000000001", s.fetch])).code).toBe(3);
  });
});

describe("weights-revision.sh with a legacy folder (weights.sh and hub.py for real)", () => {
  const REPO = "Qwen/Tiny-Test";
  const OLD = "0123456789abcdef0123456789abcdef01234567";
  const NEW = "fedcba9876543210fedcba9876543210fedcba98";
  const KEEP = "rev-tiny-test-000000000003";
  const hub = new FakeHub();
  beforeAll(async () => {
    requireTool("python3");
    requireTool("flock");
    await hub.start();
  });
  afterAll(() => hub.stop());

  function legacySandbox() {
    const s = sandbox();
    const files: Record<string, Buffer> = { "config.json": Buffer.from("{}"), "model-00001-of-00002.safetensors": randomBytes(65_536), "model-00002-of-00002.safetensors": randomBytes(65_536) };
    hub.repos.clear();
    hub.repos.set(REPO, { revision: OLD, files });
    hub.requests.length = 0;
    const script = (revision: string) => {
      const file = path.join(s.root, "..", `weights-${revision}.sh`);
      const model: WeightsModel = { source: "huggingface", repo: REPO, revision };
      fs.writeFileSync(file, renderWeightsScript({ models: [model], cacheRoot: "/nonexistent-default", attempts: 1 }));
      return file;
    };
    const env = (root: string) => ({ PATH: process.env.PATH, WEIGHTS_CACHE_ROOT: root, WEIGHTS_RETRY_DELAY: "0", HF_ENDPOINT: hub.url, HF_TOKEN_FILE: "/nonexistent" });
    // The project before revision folders: weights.sh with the volume itself as its cache root.
    const fillLegacy = async () => {
      const r = await run("bash", [script(OLD)], { env: env(s.root) });
      expect(r.code, r.stderr).toBe(0);
      hub.requests.length = 0;
    };
    const wrap = (revision: string) => run("bash", [s.wrapper, s.root, KEEP, script(revision), REPO], { env: env("/unset-by-the-wrapper") });
    const kept = (rel: string) => path.join(s.root, KEEP, REPO, rel);
    return { ...s, files, fillLegacy, wrap, kept };
  }

  test("same revision: the legacy folder moves into the revision folder and nothing is downloaded", async () => {
    const s = legacySandbox();
    await s.fillLegacy();
    const inode = fs.statSync(path.join(s.root, REPO, "model-00001-of-00002.safetensors")).ino;
    const r = await s.wrap(OLD);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`moving legacy folder ${REPO} (revision=${OLD}) into ${KEEP}`);
    expect(r.stderr).toContain(`${REPO}@${OLD} is complete`);
    expect(hub.requests).toEqual([]);
    expect(fs.statSync(s.kept("model-00001-of-00002.safetensors")).ino).toBe(inode);
    expect(fs.readdirSync(s.root).sort()).toEqual([".locks", KEEP]);
  });

  test("another revision: moved in, only the changed file downloaded, files the revision drops pruned", async () => {
    const s = legacySandbox();
    await s.fillLegacy();
    const changed = randomBytes(65_536);
    const next = { "config.json": s.files["config.json"], "model-00001-of-00002.safetensors": changed };
    hub.repos.set(REPO, { revision: NEW, files: next });
    const r = await s.wrap(NEW);
    expect(r.code, r.stderr).toBe(0);
    expect(hub.fileRequests().map((q) => q.path.split("/").pop())).toEqual(["model-00001-of-00002.safetensors"]);
    expect(fs.readFileSync(s.kept("model-00001-of-00002.safetensors")).equals(changed)).toBe(true);
    expect(fs.existsSync(s.kept("model-00002-of-00002.safetensors"))).toBe(false);
    expect(fs.readFileSync(s.kept(WEIGHTS_MARKER), "utf8")).toContain(`revision=${NEW}\n`);
    expect(fs.existsSync(path.join(s.root, "Qwen"))).toBe(false);
  });

  test("a revision folder already complete: the legacy folder is removed, not merged", async () => {
    const s = legacySandbox();
    await s.fillLegacy();
    fs.mkdirSync(path.join(s.root, KEEP, REPO), { recursive: true });
    fs.writeFileSync(s.kept(WEIGHTS_MARKER), `source=huggingface\nrepo=${REPO}\nrevision=${OLD}\n`);
    const r = await s.wrap(OLD);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removing legacy folder ${REPO}: ${KEEP} already holds a complete copy`);
    expect(fs.existsSync(path.join(s.root, REPO))).toBe(false);
    expect(fs.readdirSync(path.join(s.root, KEEP, REPO))).toEqual([WEIGHTS_MARKER]);
  });

  test("an unfinished revision folder gets the legacy files it lacks; its own stay", async () => {
    const s = legacySandbox();
    await s.fillLegacy();
    fs.mkdirSync(path.join(s.root, KEEP, REPO), { recursive: true });
    fs.writeFileSync(s.kept("model-00001-of-00002.safetensors"), s.files["model-00001-of-00002.safetensors"]);
    const r = await s.wrap(OLD);
    expect(r.code, r.stderr).toBe(0);
    expect(hub.fileRequests()).toEqual([]);
    expect(fs.existsSync(path.join(s.root, REPO))).toBe(false);
    for (const [rel, body] of Object.entries(s.files)) expect(fs.readFileSync(s.kept(rel)).equals(body), rel).toBe(true);
  });

  test("folders without the marker (an unfinished legacy download, anything else) are never touched", async () => {
    const s = legacySandbox();
    for (const rel of ["Qwen/Half-Done/model.safetensors", "lost+found/x", "notes/a/b/c"]) {
      fs.mkdirSync(path.dirname(path.join(s.root, rel)), { recursive: true });
      fs.writeFileSync(path.join(s.root, rel), "x");
    }
    const r = await run("bash", [s.wrapper, s.root, KEEP, s.fetch]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(s.root).sort()).toEqual(["Qwen", "lost+found", "notes", KEEP]);
    expect(fs.readdirSync(path.join(s.root, "Qwen", "Half-Done"))).toEqual(["model.safetensors"]);
    expect(r.stderr).not.toContain("legacy");
  });
});
