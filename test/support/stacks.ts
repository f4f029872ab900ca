// The repository's checked-in stacks (Pulumi.<stack>.yaml), as the tests read them.
import * as fs from "fs";
import { StackConfig, StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { PROJECT } from "../../components/contract";
import { DeploymentPlan, planDeployment } from "../../components/sglang/planner";
import { SECRET_KEYS, parseStackConfig } from "../../infra/config";
import { readStackFile } from "../../infra/stack-file";

/** Names of the stacks with a Pulumi.<stack>.yaml in `dir`, sorted. */
export function stackNames(dir = process.cwd()): string[] {
  return fs
    .readdirSync(dir)
    .flatMap((f) => (/^Pulumi\.(.+)\.yaml$/.exec(f) ?? []).slice(1))
    .sort();
}

/** The plain (non-secret) `qwen-serving:` keys of a checked-in stack, without the prefix, as the program reads them. */
export function stackInput(stack: string): StackConfigInput {
  const file = readStackFile(process.cwd(), stack);
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.config)) {
    const name = key.slice(PROJECT.length + 1);
    if (!key.startsWith(`${PROJECT}:`) || file.secretKeys.includes(key) || (SECRET_KEYS as readonly string[]).includes(name)) continue;
    try {
      raw[name] = JSON.parse(value);
    } catch {
      raw[name] = value;
    }
  }
  return raw as StackConfigInput;
}

/** The plain config of a checked-in stack, parsed exactly as the program parses it. */
export function stackConfig(stack: string): StackConfig {
  return parseStackConfig(stackInput(stack) as Record<string, unknown>);
}

/** A config input parsed by the real schema. */
export const parse = (c: StackConfigInput): StackConfig => StackConfigSchema.parse(c);

/** A config input parsed and planned by the real planner. */
export const plan = (c: StackConfigInput, stack = "prod"): DeploymentPlan => planDeployment(stack, parse(c));
