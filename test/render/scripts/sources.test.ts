// The script sources and their typed headers, in process: how a header renders, what a source must
// declare, where the files are found (from the sources and from a built dist/), and that every
// source is rendered by some module and shipped by package.json.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { packageRoot, renderPythonScript, renderShellScript, SCRIPT_SOURCES_DIR, scriptSource } from "../../../components/render/scripts/sources";

const dir = path.join(packageRoot(), SCRIPT_SOURCES_DIR);
const sources = fs.readdirSync(dir).sort();

describe("a typed header", () => {
  it("replaces the source's `# Header:` line with one shell-quoted NAME=value per name, in the declared order; the rest is verbatim", () => {
    const out = renderShellScript("gpu-check.sh", { IMAGE: "img:1", NVSWITCH: true, INSTANCE_TYPE: "p5's", EXPECTED: 8 });
    const source = scriptSource("gpu-check.sh").split("\n");
    const at = source.findIndex((l) => l.startsWith("# Header"));
    expect(out.split("\n")).toEqual([...source.slice(0, at), "EXPECTED=8", "INSTANCE_TYPE='p5'\\''s'", "NVSWITCH=1", "IMAGE='img:1'", ...source.slice(at + 1)]);
  });

  it("renders lists as bash arrays and false as 0", () => {
    const out = renderShellScript("ssm-secrets.sh", { DIR: "/run/s", IMAGE: "aws:1", REGION: "us-east-1", OWNER: "root:root", FILE_MODE: "0600", PARAMETERS: ["/a", "it's"], FILES: [] });
    expect(out).toContain("\nDIR='/run/s'\nIMAGE='aws:1'\nREGION='us-east-1'\nOWNER='root:root'\nFILE_MODE='0600'\nPARAMETERS=('/a' 'it'\\''s')\nFILES=()\n");
    expect(renderShellScript("gpu-check.sh", { EXPECTED: 1, INSTANCE_TYPE: "g", NVSWITCH: false, IMAGE: "i" })).toContain("\nNVSWITCH=0\n");
  });

  it("renders Python parameters as one dict literal", () => {
    expect(renderPythonScript("hub.py", { marker: ".done" })).toContain('\nPARAMS = {"marker": ".done"}\n');
  });

  it("refuses a value the source does not declare and a declared name without one", () => {
    expect(() => renderShellScript("ssm-secrets.sh", { DIR: "x", IMAGE: "i", REGION: "r", OWNER: "o", FILE_MODE: "0600", PARAMETERS: [] } as never)).toThrow(
      "ssm-secrets.sh: header values missing FILES",
    );
    expect(() => renderShellScript("ssm-secrets.sh", { DIR: "x", IMAGE: "i", REGION: "r", OWNER: "o", FILE_MODE: "0600", PARAMETERS: [], FILES: [], EXTRA: "y" } as never)).toThrow(
      "ssm-secrets.sh: header values not declared EXTRA",
    );
    expect(() => renderPythonScript("hub.py", {} as never)).toThrow("hub.py: header values missing marker");
  });
});

describe("the sources", () => {
  it.each(sources)("%s starts with a shebang and ends its leading comments with its `# Header` line", (file) => {
    const lines = scriptSource(file).split("\n");
    expect(lines[0]).toMatch(/^#!\/(usr\/bin\/env (bash|python3)|bin\/bash)$/);
    const lead = lines.slice(
      0,
      lines.findIndex((l) => !l.startsWith("#")),
    );
    expect(lead.filter((l) => /^# Header/.test(l))).toEqual([lead[lead.length - 1]]);
    expect(lead[lead.length - 1]).toMatch(/^# Header( \([^)]+\))?: [A-Za-z_][A-Za-z0-9_]*( [A-Za-z_][A-Za-z0-9_]*)*$/);
  });

  it("run no container that prints a secret with a log driver that would keep it", () => {
    // A container's stdout goes to Docker's log driver (json-file, or journald on many hosts) until
    // it is removed; an AWS CLI container reading an SSM parameter prints the value itself.
    const leaks = sources.flatMap((f) =>
      scriptSource(f)
        .split("\n")
        .filter((l) => /docker run\b/.test(l) && /ssm get-parameter|"\$@"/.test(l) && !l.includes("--log-driver none"))
        .map((l) => `${f}: ${l.trim()}`),
    );
    expect(leaks).toEqual([]);
  });

  it("are only .sh and .py files, each rendered by a module under components/", () => {
    expect(sources.filter((f) => !/\.(sh|py)$/.test(f))).toEqual([]);
    const code: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts")) code.push(fs.readFileSync(p, "utf8"));
      }
    };
    walk(path.join(packageRoot(), "components"));
    const text = code.join("\n");
    expect(sources.filter((f) => !text.includes(`"${f}"`))).toEqual([]);
  });

  it("ship with the package, and are found from a built dist/ as from the sources", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8"));
    expect(pkg.files).toContain(SCRIPT_SOURCES_DIR);
    // What npm installs: dist/ (tsc's .js only) and the sources folder beside it.
    const installed = fs.mkdtempSync(path.join(os.tmpdir(), "qs-pkg-"));
    fs.writeFileSync(path.join(installed, "package.json"), "{}");
    fs.mkdirSync(path.join(installed, SCRIPT_SOURCES_DIR), { recursive: true });
    fs.mkdirSync(path.join(installed, "dist/components/render/scripts"), { recursive: true });
    expect(packageRoot(path.join(installed, "dist/components/render/scripts"))).toBe(installed);
    expect(() => packageRoot(os.tmpdir())).toThrow(`no package root with ${SCRIPT_SOURCES_DIR}`);
  });
});
