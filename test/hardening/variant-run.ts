// Runs one stack's program under mocks with some config keys replaced, writes its artifacts and
// prints every registration with its resource options. Used by replacement.test.ts, one process per
// variant because Pulumi's mock state is process-wide.
import { installMocks, redactSecrets, settle, valueOf } from "../../infra/mocks";
import { writeArtifacts } from "../../infra/plan";
import { runProgram } from "../../infra/program";
import { readStackFile } from "../../infra/stack-file";

async function main() {
  const [stack, patchJson, outDir] = process.argv.slice(2);
  const file = readStackFile(process.cwd(), stack);
  const patch = JSON.parse(patchJson) as Record<string, unknown>;
  const config = { ...file.config, ...Object.fromEntries(Object.entries(patch).map(([k, v]) => [`${file.project}:${k}`, typeof v === "string" ? v : JSON.stringify(v)])) };
  const resources = installMocks({ project: file.project, stack, config, secretKeys: file.secretKeys });
  const { serving } = runProgram();
  writeArtifacts(outDir, await valueOf(serving.artifacts));
  await settle();
  process.stdout.write(JSON.stringify(resources.map((r) => ({ ...r, inputs: redactSecrets(r.inputs) }))));
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
