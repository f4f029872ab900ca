import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { coerceScalars } from "../components/config/coerce";
import { StackConfig, StackConfigSchema } from "../components/config/schema";
import { PROJECT } from "../components/contract";
import { DockerTlsMaterial, ServingSecrets } from "../components/platform";
import { Problem, Problems, QwenServingError, keyPath } from "../components/problems";
import { configWarnings } from "./config-warnings";
import { problemsOfTheRest } from "./partial-check";

/** Config keys that hold secrets: read with getSecret, never validated as plain values. */
export const SECRET_KEYS = ["hfToken", "modelscopeToken", "grafanaAdminPassword", "apiKeys", "dockerTls", "alertingSecrets"] as const;

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k as string] : undefined), obj);
}

/** Turns zod issues into problems: key, value got, and the rule it broke. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((k) => ({ path: keyPath([...issue.path, k]), rule: "unknown key; remove or fix the spelling" }));
    return [{ path: keyPath(issue.path), value: valueAt(raw, issue.path), rule: issue.message }];
  });
}

/** Validates the plain (non-secret) part of a stack's config; throws a QwenServingError with every problem. */
export function parseStackConfig(given: Record<string, unknown>): StackConfig {
  const raw = coerceScalars(StackConfigSchema, given) as Record<string, unknown>;
  const result = StackConfigSchema.safeParse(raw);
  if (!result.success) throw new QwenServingError("config", formatIssues(result.error.issues, raw));
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

/**
 * Reads the `qwen-serving:` namespace from the running Pulumi program's config. A config of the
 * wrong shape throws (with any secret problems); otherwise the secret problems come back for
 * `QwenServing` to report together with the config's, the plan's and the platform's.
 */
export function readStackConfig(): { config: StackConfig; secrets: ServingSecrets; problems: readonly Problem[] } {
  const all = pulumi.runtime.allConfig();
  // Under a real engine (pulumi preview/up); the offline plan prints the same lines itself.
  if (pulumi.runtime.hasEngine()) for (const w of configWarnings(Object.keys(all))) void pulumi.log.warn(w);
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(`${PROJECT}:`)) continue;
    const name = key.slice(PROJECT.length + 1);
    if ((SECRET_KEYS as readonly string[]).includes(name)) continue;
    raw[name] = decode(value);
  }
  const problems = new Problems();
  for (const name of SECRET_KEYS) {
    if (all[`${PROJECT}:${name}`] !== undefined && !isConfigSecret(`${PROJECT}:${name}`))
      problems.add({ path: name, rule: "is stored in plain text", advice: `set it with 'pulumi config set --secret ${name} ...'` });
  }
  const input = coerceScalars(StackConfigSchema, raw) as Record<string, unknown>;
  const parsed = StackConfigSchema.safeParse(input);
  const cfg = new pulumi.Config(PROJECT);
  if (!parsed.success) {
    const secrets = { hfToken: cfg.getSecret("hfToken"), modelscopeToken: cfg.getSecret("modelscopeToken"), grafanaAdminPassword: cfg.getSecret("grafanaAdminPassword") };
    const rest = problemsOfTheRest(input, parsed.error.issues, { stack: pulumi.getStack(), secrets });
    throw new QwenServingError("config", [...formatIssues(parsed.error.issues, input), ...problems.all, ...rest]);
  }
  const config = parsed.data;
  const apiKeys = cfg.getSecretObject<Record<string, string>>("apiKeys");
  const secrets: ServingSecrets = {
    hfToken: cfg.getSecret("hfToken"),
    modelscopeToken: cfg.getSecret("modelscopeToken"),
    grafanaAdminPassword: cfg.getSecret("grafanaAdminPassword"),
    apiKeys: apiKeyOutputs(apiKeys, config, problems),
    dockerTls: cfg.getSecretObject<Record<string, DockerTlsMaterial>>("dockerTls"),
    alertingSecrets: alertingSecretOutputs(cfg),
  };
  return { config, secrets, problems: problems.all };
}

function apiKeyOutputs(apiKeys: pulumi.Output<Record<string, string>> | undefined, config: StackConfig, problems: Problems) {
  if (!apiKeys) return undefined;
  const raw = pulumi.runtime.allConfig()[`${PROJECT}:apiKeys`];
  const names = Object.keys((decode(raw ?? "{}") as Record<string, unknown>) ?? {});
  const services = config.services.map((s) => s.name);
  for (const n of names) if (!services.includes(n)) problems.add({ path: ["apiKeys", n], rule: `no service is named '${n}'`, advice: `valid: ${services.join(", ")}` });
  return Object.fromEntries(names.map((n) => [n, pulumi.secret(apiKeys.apply((k) => k[n]))]));
}

/** One Pulumi secret per receiver named in `alertingSecrets` (its names are checked against the receivers by the pre-flight). */
function alertingSecretOutputs(cfg: pulumi.Config): Record<string, pulumi.Output<string>> | undefined {
  const all = cfg.getSecretObject<Record<string, string>>("alertingSecrets");
  if (!all) return undefined;
  const names = Object.keys((decode(pulumi.runtime.allConfig()[`${PROJECT}:alertingSecrets`] ?? "{}") as Record<string, unknown>) ?? {});
  return Object.fromEntries(names.map((n) => [n, pulumi.secret(all.apply((s) => s[n]))]));
}
