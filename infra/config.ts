import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { StackConfig, StackConfigSchema } from "../components/config/schema";
import { DockerTlsMaterial, ServingSecrets } from "../components/platform";

/** The Pulumi project name, and so the config namespace (`qwen-serving:services`, ...). */
export const PROJECT = "qwen-serving";

/** Config keys that hold secrets: read with getSecret, never validated as plain values. */
export const SECRET_KEYS = ["hfToken", "modelscopeToken", "grafanaAdminPassword", "apiKeys", "dockerTls"] as const;

/** Every problem of a stack config, each naming the key, the bad value and what is valid. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    // One problem reads as one line; several get a line each.
    super(problems.length === 1 ? `invalid stack config: ${problems[0]}` : `invalid stack config (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function keyPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  return `${PROJECT}:${String(head ?? "")}` + rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k as string] : undefined), obj);
}

const show = (v: unknown) => {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** Turns zod issues into one line each: key, value got, and the rule it broke. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): string[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const where = issue.path.length ? keyPath(issue.path) : `${PROJECT}:`;
      const keys = issue.keys.map((k) => (issue.path.length ? `${where}.${k}` : `${PROJECT}:${k}`));
      return `${keys.join(", ")}: unknown key${keys.length > 1 ? "s" : ""}; remove or fix the spelling`;
    }
    const got = valueAt(raw, issue.path);
    return `${keyPath(issue.path)}: got ${show(got)}; ${issue.message}`;
  });
}

/** Validates the plain (non-secret) part of a stack's config; throws ConfigError with every problem. */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const result = StackConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues, raw));
  return result.data;
}

// The SDK knows which keys the engine marked secret but keeps the check internal.
const isConfigSecret: (key: string) => boolean = require("@pulumi/pulumi/runtime/config").isConfigSecret;

/** Pulumi stores structured values as JSON text and scalars as plain text. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Reads the `qwen-serving:` namespace from the running Pulumi program's config. */
export function readStackConfig(): { config: StackConfig; secrets: ServingSecrets } {
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(`${PROJECT}:`)) continue;
    const name = key.slice(PROJECT.length + 1);
    if ((SECRET_KEYS as readonly string[]).includes(name)) continue;
    raw[name] = decode(value);
  }
  const config = parseStackConfig(raw);
  const cfg = new pulumi.Config(PROJECT);
  const apiKeys = cfg.getSecretObject<Record<string, string>>("apiKeys");
  const problems: string[] = [];
  const secrets: ServingSecrets = {
    hfToken: cfg.getSecret("hfToken"),
    modelscopeToken: cfg.getSecret("modelscopeToken"),
    grafanaAdminPassword: cfg.getSecret("grafanaAdminPassword"),
    apiKeys: apiKeyOutputs(apiKeys, config, problems),
    dockerTls: cfg.getSecretObject<Record<string, DockerTlsMaterial>>("dockerTls"),
  };
  for (const name of SECRET_KEYS) {
    if (all[`${PROJECT}:${name}`] !== undefined && !isConfigSecret(`${PROJECT}:${name}`))
      problems.push(`${PROJECT}:${name}: is stored in plain text; set it with 'pulumi config set --secret ${name} ...'`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { config, secrets };
}

function apiKeyOutputs(apiKeys: pulumi.Output<Record<string, string>> | undefined, config: StackConfig, problems: string[]) {
  if (!apiKeys) return undefined;
  const raw = pulumi.runtime.allConfig()[`${PROJECT}:apiKeys`];
  const names = Object.keys((decode(raw ?? "{}") as Record<string, unknown>) ?? {});
  const services = config.services.map((s) => s.name);
  for (const n of names) if (!services.includes(n)) problems.push(`${PROJECT}:apiKeys.${n}: no service is named '${n}'; valid: ${services.join(", ")}`);
  return Object.fromEntries(names.map((n) => [n, pulumi.secret(apiKeys.apply((k) => k[n]))]));
}
