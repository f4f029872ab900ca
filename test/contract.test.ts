// Cross-layer facts have one spelling: components/contract.ts. This scans the source tree for literal
// copies of its values (tag and label keys, node paths, pinned images, the fixed ports where a port is
// meant) and names each copy by file:line, so a second spelling cannot drift from the first.
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { DOCKER_LABELS, IMAGES, NODE_PATHS, PORTS, TAGS } from "../components/contract";

const ROOT = path.resolve(__dirname, "..");
/**
 * Where the project's own code lives; test/ too, which asserts the contract's values by importing
 * them. Shell and Python are scanned where they ship (components/); test/'s run inside sandboxes
 * and guests that have no contract to import.
 */
const SCANNED = ["components", "infra", "policy", "test"];
const EXEMPT = new Set(["components/contract.ts", "test/contract.test.ts"]);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const named = <T extends Record<string, string | number>>(group: string, values: T) => Object.entries(values).map(([k, v]) => ({ name: `${group}.${k}`, value: v }));

/** String facts: a literal containing one of these (not as part of a longer name) is a copy. */
const STRINGS = [...named("TAGS", TAGS), ...named("DOCKER_LABELS", DOCKER_LABELS), ...named("NODE_PATHS", NODE_PATHS), ...named("IMAGES", IMAGES)].map(({ name, value }) => {
  const v = String(value);
  // Prefix keys (`qwen-serving:sglang:`) end in a separator and match as they are; whole keys and
  // paths must not run on into a longer name (`qwen-serving.host` is not `qwen-serving.host-ports`,
  // `/models` is not `/modelscope`).
  const tail = /[:/]$/.test(v) ? "" : "(?![\\w.-])";
  const head = v === NODE_PATHS.models ? "(?<![\\w.-])" : "";
  return { name, pattern: new RegExp(`${head}${escape(v)}${tail}`) };
});

const PORT_VALUES = new Map(Object.entries(PORTS).map(([k, v]) => [v as number, `PORTS.${k}`]));
const PORT_ALT = [...PORT_VALUES.keys()].join("|");
/** `host:9100`, `http://127.0.0.1:9090/`, `-a :9400`: a fixed port inside a string. */
const PORT_IN_TEXT = new RegExp(`:(${PORT_ALT})(?!\\d)`);
const PORTISH = /port/i;

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

/** The name a node is bound to or compared with, when it says what the value is for. */
function contextName(node: ts.Node): string | undefined {
  let n: ts.Node = node;
  // Step out of arrays, parentheses, `as const` and negation: `ports: [9100]` is still about ports.
  while (ts.isArrayLiteralExpression(n.parent) || ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isPrefixUnaryExpression(n.parent)) n = n.parent;
  const p = n.parent;
  if ((ts.isPropertyAssignment(p) || ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isPropertyDeclaration(p) || ts.isBindingElement(p)) && p.initializer === n) return p.name.getText();
  if (ts.isBinaryExpression(p)) return lastName(p.left === n ? p.right : p.left);
  if (ts.isCallExpression(p) && p.arguments.includes(n as ts.Expression)) return lastName(p.expression);
  if (ts.isCaseClause(p)) return lastName(p.parent.parent.expression);
  return undefined;
}

/** `a.b.port` -> `port`, `firstFreePort` -> itself; anything else says nothing. */
function lastName(e: ts.Expression): string | undefined {
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isElementAccessExpression(e) && ts.isStringLiteral(e.argumentExpression)) return e.argumentExpression.text;
  return undefined;
}

/** Every literal copy of a contract value in one TypeScript source. */
export function scanTypeScript(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Finding[] = [];
  const at = (node: ts.Node, what: string) => found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, what });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const s = node.text;
      for (const { name, pattern } of STRINGS) if (pattern.test(s)) at(node, `${JSON.stringify(s)} spells ${name}`);
      const inText = PORT_IN_TEXT.exec(s);
      if (inText) at(node, `${JSON.stringify(s)} spells ${PORT_VALUES.get(Number(inText[1]))}`);
      // `["--prometheus-port", "29000"]`: a port as the value of a port flag.
      if (ts.isStringLiteral(node) && PORT_VALUES.has(Number(s)) && /^\d+$/.test(s) && ts.isArrayLiteralExpression(node.parent)) {
        const prev = node.parent.elements[node.parent.elements.indexOf(node) - 1];
        if (prev && ts.isStringLiteral(prev) && PORTISH.test(prev.text)) at(node, `${JSON.stringify(s)} after ${JSON.stringify(prev.text)} spells ${PORT_VALUES.get(Number(s))}`);
      }
    }
    if (ts.isNumericLiteral(node) && PORT_VALUES.has(Number(node.text))) {
      const ctx = contextName(node);
      if (ctx && PORTISH.test(ctx)) at(node, `${node.text} as ${ctx} spells ${PORT_VALUES.get(Number(node.text))}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Copies in a shell or Python file shipped to machines (comments skipped): they get values from their typed header. */
export function scanScript(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith("#")) return;
    for (const { name, pattern } of STRINGS) if (pattern.test(line)) found.push({ file, line: i + 1, what: `spells ${name}` });
    const inText = PORT_IN_TEXT.exec(line) ?? new RegExp(`port[= ]+(${PORT_ALT})(?!\\d)`, "i").exec(line);
    if (inText) found.push({ file, line: i + 1, what: `spells ${PORT_VALUES.get(Number(inText[1]))}` });
  });
  return found;
}

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "fixtures" ? [] : sources(full);
    return /\.(ts|mts)$/.test(e.name) || (/\.(sh|py)$/.test(e.name) && full.startsWith(path.join(ROOT, "components"))) ? [full] : [];
  });
}

describe("the contract has one spelling", () => {
  test("the scanner finds each kind of copy, and nothing in code that imports the contract", () => {
    const copies = [
      'const tags = { "qwen-serving:stack": stack };',
      "const dir = `/opt/qwen-serving/bin/${name}`;",
      'const image = "prom/prometheus:v3.5.0";',
      "const nodeExporterPort = 9100;",
      "probe({ port: 30000 });",
      "const url = `http://${host}:9090`;",
      'const argv = ["--prometheus-port", "29000"];',
      'if (label === "qwen-serving.host") return;',
      'const mount = "/models";',
    ].join("\n");
    expect(scanTypeScript("planted.ts", copies).map((f) => f.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const clean = [
      'import { PORTS, TAGS } from "./contract";',
      "const tags = { [TAGS.stack]: stack, [`${TAGS.servicePrefix}${name}`]: ports };",
      'const labels = { "qwen-serving.io/node-pool": x, other: "qwen-serving.hosts", note: "/modelscope" };',
      "const iops = 3000; const heads = 9100 * 0; // port 9100 in a comment is prose",
      'super("qwen-serving:aws:AwsPlatform", name, {}, opts);',
    ].join("\n");
    expect(scanTypeScript("clean.ts", clean)).toEqual([]);
    expect(scanScript("planted.sh", '# /opt/qwen-serving/bin in a comment\ninstall -d /opt/qwen-serving/bin\ncurl -s "localhost:9100/metrics"\n').map((f) => f.line)).toEqual([2, 3]);
  });

  test("no file outside components/contract.ts copies a tag key, label key, node path, pinned image or fixed port", () => {
    const files = SCANNED.flatMap((d) => sources(path.join(ROOT, d)));
    expect(files.length).toBeGreaterThan(100);
    const findings = files.flatMap((full) => {
      const rel = path.relative(ROOT, full).split(path.sep).join("/");
      if (EXEMPT.has(rel)) return [];
      const text = fs.readFileSync(full, "utf8");
      return /\.(sh|py)$/.test(rel) ? scanScript(rel, text) : scanTypeScript(rel, text);
    });
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.what}; import it from components/contract.ts`)).toEqual([]);
  });
});
