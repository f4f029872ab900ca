import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderWeightsScript, WEIGHTS_EXIT, WEIGHTS_MARKER, weightsMarkerPath, WeightsModel } from "../../../components/render/scripts/weights";
import { FakeHub } from "./fake-hub";
import { requireTool, run, shellcheck } from "../../support/tools";

// The real script, run by bash with the real python3 against a local fake hub.
const REPO = "Qwen/Tiny-Test";
const REV = "0123456789abcdef0123456789abcdef01234567";
const SHARD = "model-00001-of-00001.safetensors";

const hub = new FakeHub();
let dir: string;
let cache: string;
let tokens: string;

function files(): Record<string, Buffer> {
  return {
    "config.json": Buffer.from('{"architectures":["Qwen3ForCausalLM"]}'),
    [SHARD]: randomBytes(3 * 1024 * 1024 + 17),
    "tokenizer/tokenizer.json": randomBytes(4096),
    "empty.txt": Buffer.alloc(0),
  };
}

async function runScript(models: WeightsModel[], env: Record<string, string> = {}) {
  const file = path.join(dir, `weights-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, renderWeightsScript({ models, cacheRoot: "/nonexistent-default", attempts: 3 }), { mode: 0o755 });
  return run("bash", [file], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      WEIGHTS_CACHE_ROOT: cache,
      WEIGHTS_RETRY_DELAY: "0",
      HF_ENDPOINT: hub.url,
      MODELSCOPE_ENDPOINT: hub.url,
      HF_TOKEN_FILE: path.join(tokens, "hf-token"),
      MODELSCOPE_TOKEN_FILE: path.join(tokens, "ms-token"),
      ...env,
    },
  });
}

const hf: WeightsModel = { source: "huggingface", repo: REPO, revision: REV };
const read = (rel: string) => fs.readFileSync(path.join(cache, REPO, rel));
const snapshot = (root: string) => {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(root, p)] = fs.statSync(p).mtimeMs;
    }
  };
  walk(root);
  return out;
};

beforeAll(async () => {
  requireTool("python3");
  requireTool("flock");
  await hub.start();
});
afterAll(() => hub.stop());

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "weights-"));
  cache = path.join(dir, "models");
  tokens = path.join(dir, "secrets");
  fs.mkdirSync(cache);
  fs.mkdirSync(tokens);
  hub.requests.length = 0;
  hub.cutNext.clear();
  hub.shortBy.clear();
  hub.cdnHost = undefined;
  hub.repos.clear();
  hub.repos.set(REPO, { revision: REV, files: files() });
});

describe("weights script", () => {
  it("passes shellcheck with no findings", async () => {
    const file = path.join(dir, "w.sh");
    fs.writeFileSync(
      file,
      renderWeightsScript({ models: [hf, { source: "modelscope", repo: "Qwen/Other", revision: "v1.0" }, { source: "s3", repo: "Org/Named", revision: "it's-v2", s3Uri: "s3://bucket/p/" }] }),
    );
    expect(await shellcheck([file])).toBe("");
  });

  it("downloads every listed file from Hugging Face once, then marks the revision complete", async () => {
    fs.writeFileSync(path.join(tokens, "hf-token"), "hf_secret_value\n");
    const r = await runScript([hf]);
    expect(r.stderr).toContain("is complete: 4 files");
    expect(r.code).toBe(0);
    for (const [rel, body] of Object.entries(hub.repos.get(REPO)!.files)) expect(read(rel).equals(body)).toBe(true);
    expect(fs.readFileSync(weightsMarkerPath(cache, REPO), "utf8")).toBe(
      `source=huggingface\nrepo=${REPO}\nrevision=${REV}\nfiles=4\nbytes=${Object.values(files()).reduce((a, b) => a + b.length, 0)}\n`,
    );
    expect(hub.requests.every((q) => q.authorization === "Bearer hf_secret_value")).toBe(true);
    expect(fs.existsSync(path.join(cache, REPO, ".partial"))).toBe(false);
    expect(r.stderr).not.toContain("hf_secret_value");
  });

  it("changes nothing and asks the hub nothing on a second run", async () => {
    expect((await runScript([hf])).code).toBe(0);
    const before = snapshot(cache);
    hub.requests.length = 0;
    const again = await runScript([hf]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`${REPO}@${REV} is complete`);
    expect(hub.requests).toEqual([]);
    expect(snapshot(cache)).toEqual(before);
  });

  it("resumes a dropped download with a Range request instead of starting over", async () => {
    hub.cutNext.set(SHARD, 1);
    const r = await runScript([hf]);
    expect(r.code).toBe(0);
    const shardGets = hub.fileRequests().filter((q) => q.path.endsWith(SHARD));
    expect(shardGets).toHaveLength(2);
    expect(shardGets[0].range).toBeUndefined();
    expect(shardGets[1].range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(read(SHARD).equals(hub.repos.get(REPO)!.files[SHARD])).toBe(true);
  });

  it("never marks a half download complete, and finishes it on the next run", async () => {
    hub.shortBy.set(SHARD, 1000);
    const r = await runScript([hf]);
    expect(r.code).toBe(WEIGHTS_EXIT.download);
    expect(r.stderr).toMatch(/have \d+ of \d+ bytes/);
    expect(fs.existsSync(weightsMarkerPath(cache, REPO))).toBe(false);
    expect(fs.existsSync(path.join(cache, REPO, SHARD))).toBe(false);
    const partial = fs.statSync(path.join(cache, REPO, ".partial", SHARD)).size;
    expect(partial).toBeGreaterThan(0);

    hub.shortBy.clear();
    hub.requests.length = 0;
    const fixed = await runScript([hf]);
    expect(fixed.code).toBe(0);
    expect(
      hub
        .fileRequests()
        .filter((q) => q.path.endsWith(SHARD))
        .map((q) => q.range),
    ).toEqual([`bytes=${partial}-`]);
    expect(read(SHARD).equals(hub.repos.get(REPO)!.files[SHARD])).toBe(true);
  });

  it("moves to a new revision: old marker gone first, stale files pruned, new marker written", async () => {
    expect((await runScript([hf])).code).toBe(0);
    const next = "fedcba9876543210fedcba9876543210fedcba98";
    const changed = files();
    delete changed["tokenizer/tokenizer.json"];
    hub.repos.set(REPO, { revision: next, files: changed });
    hub.shortBy.set(SHARD, 1);
    const broken = await runScript([{ ...hf, revision: next }]);
    expect(broken.code).toBe(WEIGHTS_EXIT.download);
    // The old revision's marker must not survive a failed switch: the folder is now mixed.
    expect(fs.existsSync(weightsMarkerPath(cache, REPO))).toBe(false);

    hub.shortBy.clear();
    const r = await runScript([{ ...hf, revision: next }]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(cache, REPO, "tokenizer/tokenizer.json"))).toBe(false);
    expect(read(SHARD).equals(changed[SHARD])).toBe(true);
    expect(fs.readFileSync(weightsMarkerPath(cache, REPO), "utf8")).toContain(`revision=${next}\n`);
  });

  it("keeps credentials on the hub when a download redirects to another host", async () => {
    fs.writeFileSync(path.join(tokens, "hf-token"), "hf_secret_value");
    hub.cdnHost = "localhost";
    const r = await runScript([hf]);
    expect(r.code).toBe(0);
    const cdn = hub.requests.filter((q) => q.path.startsWith("/cdn/"));
    expect(cdn).toHaveLength(3); // the empty file needs no request
    expect(cdn.every((q) => q.host.startsWith("localhost:") && q.authorization === undefined)).toBe(true);
    expect(hub.requests.filter((q) => q.path.includes("/resolve/")).every((q) => q.authorization === "Bearer hf_secret_value")).toBe(true);
  });

  it("downloads from ModelScope with the token as its session cookie", async () => {
    fs.writeFileSync(path.join(tokens, "ms-token"), "ms-secret");
    const r = await runScript([{ source: "modelscope", repo: REPO, revision: REV }]);
    expect(r.code).toBe(0);
    expect(read("tokenizer/tokenizer.json").equals(hub.repos.get(REPO)!.files["tokenizer/tokenizer.json"])).toBe(true);
    expect(hub.requests.every((q) => q.cookie === "m_session_id=ms-secret" && q.authorization === undefined)).toBe(true);
    expect(fs.readFileSync(weightsMarkerPath(cache, REPO), "utf8")).toMatch(/^source=modelscope\n/);
  });

  it("fails with exit 3 after its retries when the revision does not exist, and writes no marker", async () => {
    const r = await runScript([{ ...hf, revision: "ffffffffffffffffffffffffffffffffffffffff" }]);
    expect(r.code).toBe(WEIGHTS_EXIT.download);
    expect(hub.requests.filter((q) => q.path.startsWith("/api/models/"))).toHaveLength(3);
    expect(fs.existsSync(path.join(cache, REPO, WEIGHTS_MARKER))).toBe(false);
  });

  it("exits 2 when the cache root is missing", async () => {
    const r = await runScript([hf], { WEIGHTS_CACHE_ROOT: path.join(dir, "absent") });
    expect(r.code).toBe(WEIGHTS_EXIT.environment);
    expect(r.stderr).toContain("is missing or read-only");
  });

  it("lets two concurrent runs share the cache: each file is fetched once", async () => {
    const [a, b] = await Promise.all([runScript([hf]), runScript([hf])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(hub.fileRequests()).toHaveLength(3); // the empty file needs no request
  });
});
