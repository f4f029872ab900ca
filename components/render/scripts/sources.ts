import { existsSync, readFileSync } from "fs";
import { dirname, join } from "path";

/**
 * The shell and Python programs that run on machines are real files in SCRIPT_SOURCES_DIR (linted
 * by shellcheck and pyflakes, executed by the tests), shipped with the package. A renderer turns one
 * into the deployed file with a small typed header, the values for this machine: one `NAME=value`
 * line each (shell-quoted), or one `PARAMS = {...}` dict (Python). Everything else is the source,
 * verbatim.
 *
 * A source declares its header as the last line of its leading comments,
 * `# Header (renderer module): NAME ...` (the module part is optional), and the values take that
 * line's place. Rendering refuses values for names the source does not declare and declared names
 * without a value, so the renderer's typed interface and the script cannot drift apart.
 */

/** Folder of the script sources, from the package root (package.json "files" ships it). */
export const SCRIPT_SOURCES_DIR = "components/render/scripts/files";

/**
 * The package root above `from`: the first folder with package.json and the script sources. The
 * same walk works from the sources (ts-node, vitest) and from dist/components/..., since tsc
 * copies no .sh or .py into dist/.
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, SCRIPT_SOURCES_DIR))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package root with ${SCRIPT_SOURCES_DIR} above ${from}`);
  }
}

const cache = new Map<string, string>();

/** The text of one source file, e.g. `gpu-check.sh`. */
export function scriptSource(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(join(packageRoot(), SCRIPT_SOURCES_DIR, file), "utf8");
    cache.set(file, text);
  }
  return text;
}

/** A shell header value: numbers stay bare, booleans are the 1/0 of `(( FLAG ))`, lists are arrays. */
export type ShellValue = string | number | boolean | readonly string[];
/** A Python header value (a literal in the `PARAMS` dict). */
export type PythonValue = string | number | boolean | readonly PythonValue[] | { readonly [key: string]: PythonValue };

/** `# Header: A B` or `# Header (the renderer's module): A B`. */
const HEADER_LINE = /^# Header(?: \([^)]*\))?:(.*)$/;

/** Source split around its header line (which the values replace): the lines before it, the declared names, the rest. */
function parseSource(file: string): { lead: string[]; names: string[]; body: string } {
  const lines = scriptSource(file).split("\n");
  if (!lines[0].startsWith("#!")) throw new Error(`${file}: the first line must be a shebang`);
  let end = 1;
  while (end < lines.length && lines[end].startsWith("#")) end++;
  const header = HEADER_LINE.exec(lines[end - 1]);
  if (!header || lines.slice(0, end - 1).some((l) => HEADER_LINE.test(l))) throw new Error(`${file}: the last of its leading comments must be its one '# Header: NAME ...' line`);
  return { lead: lines.slice(0, end - 1), names: header[1].trim().split(/\s+/).filter(Boolean), body: lines.slice(end).join("\n") };
}

function checkNames(file: string, declared: readonly string[], given: readonly string[]): void {
  const missing = declared.filter((n) => !given.includes(n));
  const extra = given.filter((n) => !declared.includes(n));
  if (missing.length || extra.length)
    throw new Error(
      `${file}: header values ${missing.length ? `missing ${missing.join(", ")}` : ""}${missing.length && extra.length ? "; " : ""}${extra.length ? `not declared ${extra.join(", ")}` : ""}`,
    );
}

/** Quotes a value for bash so it is one word whatever it holds (`'` becomes `'\''`). */
function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function shellValue(v: ShellValue): string {
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`header value ${v} is not a finite number`);
    return String(v);
  }
  if (typeof v === "string") return shq(v);
  return `(${v.map((s) => shq(s)).join(" ")})`;
}

/** A shell script from its source: `NAME=value` lines in the declared order, then the body. */
export function renderShellScript<H extends { readonly [K in keyof H]: ShellValue }>(file: string, header: H): string {
  const { lead, names, body } = parseSource(file);
  const values = header as Readonly<Record<string, ShellValue>>;
  checkNames(file, names, Object.keys(values));
  return [...lead, ...names.map((n) => `${n}=${shellValue(values[n])}`), body].join("\n");
}

/** A Python literal: JSON's strings and numbers are Python's; booleans are capitalised. */
function pythonLiteral(v: PythonValue): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number" || typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pythonLiteral).join(", ")}]`;
  return `{${Object.entries(v as Record<string, PythonValue>)
    .map(([k, x]) => `${JSON.stringify(k)}: ${pythonLiteral(x)}`)
    .join(", ")}}`;
}

/** A Python program from its source: one `PARAMS = {...}` line with the declared keys, then the body. */
export function renderPythonScript<H extends { readonly [K in keyof H]: PythonValue }>(file: string, params: H): string {
  const { lead, names, body } = parseSource(file);
  const values = params as Readonly<Record<string, PythonValue>>;
  checkNames(file, names, Object.keys(values));
  return [...lead, `PARAMS = {${names.map((n) => `${JSON.stringify(n)}: ${pythonLiteral(values[n])}`).join(", ")}}`, body].join("\n");
}
