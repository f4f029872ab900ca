// The script sources as real programs judge them: shellcheck on every .sh, the Python compiler and
// pyflakes on every .py, and hub.py executed against a local fake hub (list, fetch, refusals).
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot, SCRIPT_SOURCES_DIR } from "../../../components/render/scripts/sources";
import { renderHubPy, WEIGHTS_MARKER } from "../../../components/render/scripts/weights";
import { FakeHub } from "./fake-hub";
import { requireTool, run, shellcheck, tempDir } from "../../support/tools";

const dir = path.join(packageRoot(), SCRIPT_SOURCES_DIR);
const files = (ext: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => path.join(dir, f));

describe("script sources", () => {
  it("every .sh passes shellcheck with no findings", async () => {
    expect(files(".sh").length).toBeGreaterThanOrEqual(10);
    expect(await shellcheck(files(".sh"))).toBe("");
  });

  it("every .py compiles and passes pyflakes (PARAMS is the rendered header)", async () => {
    requireTool("python3");
    const out = tempDir("qs-pyc-");
    for (const f of files(".py")) {
      const c = await run("python3", ["-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", f, path.join(out, "x.pyc")]);
      expect(c, f).toMatchObject({ code: 0, stderr: "" });
    }
    const r = await run(requireTool("pyflakes3"), files(".py"), { env: { ...process.env, PYFLAKES_BUILTINS: "PARAMS" } });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("hub.py, run by python3 against a fake hub", () => {
  const REPO = "Qwen/Tiny-Hub";
  const REV = "89abcdef0123456789abcdef0123456789abcdef";
  const hub = new FakeHub();
  const body = { "config.json": Buffer.from("{}"), "model.safetensors": randomBytes(70_000), "sub/tok.json": randomBytes(500) };
  let work: string;
  let hubPy: string;

  beforeAll(async () => {
    requireTool("python3");
    await hub.start();
    work = tempDir("qs-hub-");
    hubPy = path.join(work, "hub.py");
    fs.writeFileSync(hubPy, renderHubPy());
  });
  afterAll(() => hub.stop());

  const py = (args: string[]) => run("python3", [hubPy, ...args], { env: { PATH: process.env.PATH, HF_ENDPOINT: hub.url, MODELSCOPE_ENDPOINT: hub.url } });

  it("lists a Hugging Face revision as size, hash and path, sorted, then fetches every file with that content", async () => {
    hub.repos.set(REPO, { revision: REV, files: body });
    const manifest = path.join(work, "m.tsv");
    const listed = await py(["list", "huggingface", REPO, REV, "", manifest]);
    expect(listed).toMatchObject({ code: 0, stderr: "" });
    const rows = fs
      .readFileSync(manifest, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => l.split("\t"));
    expect(rows.map((r) => [r[2], Number(r[0])])).toEqual([
      ["config.json", 2],
      ["model.safetensors", 70_000],
      ["sub/tok.json", 500],
    ]);
    expect(rows[1][1]).toBe(`sha256:${createHash("sha256").update(body["model.safetensors"]).digest("hex")}`);
    expect(rows[0][1]).toMatch(/^gitsha1:[0-9a-f]{40}$/);

    const dest = path.join(work, "models");
    fs.mkdirSync(dest);
    const fetched = await py(["fetch", "huggingface", REPO, REV, "", dest, manifest]);
    expect(fetched.code, fetched.stderr).toBe(0);
    for (const [rel, bytes] of Object.entries(body)) expect(fs.readFileSync(path.join(dest, rel)).equals(bytes)).toBe(true);
    expect(fs.readdirSync(path.join(dest, ".partial", "sub"))).toEqual([]);
  });

  it.each([["../escape"], ["/etc/passwd-like"], [WEIGHTS_MARKER], [".partial/x"]])("refuses a listing that names %s", async (bad) => {
    hub.repos.set(REPO, { revision: REV, files: { ...body, [bad]: Buffer.from("x") } });
    const r = await py(["list", "huggingface", REPO, REV, "", path.join(work, "bad.tsv")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("qwen-weights: refusing unsafe path from the listing");
    expect(fs.existsSync(path.join(work, "bad.tsv"))).toBe(false);
  });

  it("reports a revision the hub does not have as one plain line and exit 1", async () => {
    hub.repos.set(REPO, { revision: REV, files: body });
    const r = await py(["list", "modelscope", REPO, "v9", "", path.join(work, "none.tsv")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qwen-weights: unexpected ModelScope answer: /);
  });
});
