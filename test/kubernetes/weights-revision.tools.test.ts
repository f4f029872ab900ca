// weights-revision.sh, run by real bash, find and coreutils in a sandbox: one folder per revision,
// the previous complete revision kept for a rollback, everything older removed, the download script
// run with that folder as its cache root.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, test } from "vitest";
import { WEIGHTS_MARKER } from "../../components/render/scripts/weights";
import { renderRevisionWrapper } from "../../components/render/scripts/weights-revision";
import { requireTool, run, tempDir } from "../support/tools";

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
