// Runs one stack's program under mocks per variant (some config keys replaced), writes each
// variant's artifacts and prints every registration with its resource options, as one JSON object
// keyed by variant. Used by replacement.e2e.test.ts: one process for the whole batch, apart from the
// test runner, with the variants run one after another (each installs fresh mocks first; the same
// stack gives byte-identical registrations whether it runs first or after others).
import * as fs from "fs";
import { installMocks, RecordedResource, redactSecrets, settle, valueOf } from "../../infra/mocks";
import { writeArtifacts } from "../../infra/plan";
import { runProgram } from "../../infra/program";
import { readStackFile } from "../../infra/stack-file";

/** One variant of the batch read from stdin. */
export interface Variant {
  readonly key: string;
  readonly stack: string;
  /** Config keys (without the project prefix) to replace, with their new values. */
  readonly patch: Record<string, unknown>;
  readonly outDir: string;
}

async function render(v: Variant): Promise<RecordedResource[]> {
  const file = readStackFile(process.cwd(), v.stack);
  const config = { ...file.config, ...Object.fromEntries(Object.entries(v.patch).map(([k, x]) => [`${file.project}:${k}`, typeof x === "string" ? x : JSON.stringify(x)])) };
  const resources = installMocks({ project: file.project, stack: v.stack, config, secretKeys: file.secretKeys });
  const { serving } = runProgram();
  writeArtifacts(v.outDir, await valueOf(serving.artifacts));
  await settle();
  return resources.map((r) => ({ ...r, inputs: redactSecrets(r.inputs) as Record<string, unknown> }));
}

async function main() {
  const variants = JSON.parse(fs.readFileSync(0, "utf8")) as Variant[];
  const out: Record<string, RecordedResource[]> = {};
  for (const v of variants) {
    try {
      out[v.key] = await render(v);
    } catch (e) {
      throw new Error(`variant ${v.key} (${JSON.stringify(v.patch)}) failed: ${(e as Error).stack ?? e}`);
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
