import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { QwenServingError } from "../components/problems";

/** A stack's config as the Pulumi engine hands it to the program: `ns:key` -> string. */
export interface StackFile {
  readonly project: string;
  readonly stack: string;
  readonly config: Record<string, string>;
  /** Keys whose values are `secure:` ciphertexts; offline their value is "[secret]". */
  readonly secretKeys: string[];
}

/** The placeholder a secure value gets offline, where no secrets provider can decrypt it. */
export const SECRET_PLACEHOLDER = "[secret]";

/** A stack file that cannot be read: the problem's path is the file (there is no config key yet). */
function fileError(file: string, rule: string, advice?: string): QwenServingError {
  return new QwenServingError("config", [{ path: file, rule, ...(advice ? { advice } : {}) }]);
}

function parseYamlFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw fileError(path.basename(file), `not found in ${path.dirname(file)}`);
  }
  try {
    return parse(text);
  } catch (e) {
    throw fileError(path.basename(file), `is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
}

const isSecure = (v: unknown): v is { secure: string } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";

/** Replaces nested `{secure: ...}` values by the placeholder; reports whether any was found. */
function unwrapSecure(v: unknown): { value: unknown; secret: boolean } {
  if (isSecure(v)) return { value: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(v)) {
    const parts = v.map(unwrapSecure);
    return { value: parts.map((p) => p.value), secret: parts.some((p) => p.secret) };
  }
  if (v && typeof v === "object") {
    const entries = Object.entries(v).map(([k, x]) => [k, unwrapSecure(x)] as const);
    return { value: Object.fromEntries(entries.map(([k, p]) => [k, p.value])), secret: entries.some(([, p]) => p.secret) };
  }
  return { value: v, secret: false };
}

/** Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` from `dir` the way the engine presents them. */
export function readStackFile(dir: string, stack: string): StackFile {
  if (!/^[\w.-]+$/.test(stack)) throw new QwenServingError("config", [{ path: "stack name", value: stack, rule: "may hold only letters, digits, '-', '_' and '.'" }]);
  const project = parseYamlFile(path.join(dir, "Pulumi.yaml")) as { name?: unknown } | null;
  if (!project || typeof project.name !== "string") throw fileError("Pulumi.yaml", "has no project 'name'");
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const stacks = fs.readdirSync(dir).flatMap((f) => (/^Pulumi\.(.+)\.yaml$/.exec(f) ?? []).slice(1));
    throw fileError(`Pulumi.${stack}.yaml`, `not found: there is no stack '${stack}'`, `stacks here: ${stacks.join(", ") || "(none)"}`);
  }
  const doc = parseYamlFile(file) as { config?: unknown } | null;
  const raw = doc?.config ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw fileError(`Pulumi.${stack}.yaml`, "'config' must be a mapping of keys");
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const { value: plain, secret } = unwrapSecure(value);
    if (secret) secretKeys.push(fullKey);
    config[fullKey] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  return { project: project.name, stack, config, secretKeys };
}
