// Runs a stack's real program under the strict mocks and hands back every registration as the
// limits table reads it: logical name, inputs, the engine's answer (autonamed name, ARNs) and id.
import * as fs from "fs";
import { RegisteredResource } from "../../components/aws/limits";
import { Artifact } from "../../components/render/artifact";
import { installMocks, RecordedResource, settle, valueOf } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { readStackFile, StackFile } from "../../infra/stack-file";

export const DIR = process.cwd();

/** Stack files whose platform is aws. */
export function awsStacks(): string[] {
  return fs
    .readdirSync(DIR)
    .flatMap((f) => (/^Pulumi\.(.+)\.yaml$/.exec(f) ?? []).slice(1))
    .filter((s) => readStackFile(DIR, s).config["qwen-serving:platform"] === "aws")
    .sort();
}

export const asRegistered = (r: RecordedResource): RegisteredResource => ({ type: r.type, name: r.name, inputs: r.inputs, outputs: r.outputs, id: r.id || undefined });

export interface StackRun {
  readonly recorded: RecordedResource[];
  /** Every rendered artifact (cloud-init, units, scripts, monitoring files); [] in a preview. */
  readonly artifacts: Artifact[];
  readonly resources: RegisteredResource[];
  readonly endpoints: Record<string, string>;
}

/** `stack`'s program under mocks with `file`'s config (default: Pulumi.<stack>.yaml), with `edit` applied to it. */
export async function runStack(stack: string, opts: { file?: StackFile; edit?: (config: Record<string, string>) => Record<string, string>; preview?: boolean } = {}): Promise<StackRun> {
  const file = opts.file ?? readStackFile(DIR, stack);
  const config = opts.edit ? opts.edit({ ...file.config }) : file.config;
  const recorded = installMocks({ project: file.project, stack, config, secretKeys: file.secretKeys, preview: opts.preview });
  const { serving, outputs } = runProgram();
  // In a preview computed outputs stay unknown and their applies never run: only wait for the registrations.
  const artifacts = opts.preview ? [] : await valueOf(serving.artifacts);
  const endpoints = opts.preview ? {} : await valueOf(outputs.endpoints);
  await settle();
  return { recorded, resources: recorded.map(asRegistered), endpoints, artifacts };
}

/** The config of `from` moved to another region (a realistic second deployment): its certificate is reissued there. */
export function movedStack(from: string, region: string): StackFile {
  const file = readStackFile(DIR, from);
  const config = Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k, v.replace(/arn:aws:acm:[a-z0-9-]+:/g, `arn:aws:acm:${region}:`)]));
  return { ...file, config: { ...config, "aws:region": region } };
}
