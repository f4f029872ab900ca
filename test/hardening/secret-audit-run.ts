// Runs each given stack's program under mocks with a distinct sentinel in every secret config value
// and prints what a leak could reach: resource inputs (secret-wrapped values masked), stack outputs
// (secret outputs masked) and the artifact folder, as one JSON object keyed by stack. Used by
// secret-audit.e2e.test.ts: one process for all stacks, apart from the test runner (Pulumi's mock
// state is process-wide), the stacks run one after another, each on fresh mocks.
import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecretValue, redactSecrets, settle, valueOf } from "../../infra/mocks";
import { writeArtifacts } from "../../infra/plan";
import { runProgram } from "../../infra/program";
import { readStackFile, SECRET_PLACEHOLDER } from "../../infra/stack-file";

export const sentinel = (key: string) => `SENTINEL-${key.replace(/[^A-Za-z0-9]/g, "_")}-c0ffee`;

/** Replaces every "[secret]" placeholder in a config value by a sentinel named after its path. */
function withSentinels(key: string, value: string): string {
  if (value === SECRET_PLACEHOLDER) return sentinel(key);
  const walk = (v: unknown, path: string): unknown =>
    v === SECRET_PLACEHOLDER
      ? sentinel(path)
      : Array.isArray(v)
        ? v.map((x, i) => walk(x, `${path}.${i}`))
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${path}.${k}`)]))
          : v;
  return JSON.stringify(walk(JSON.parse(value), key));
}

async function audit(stack: string, outDir: string) {
  const file = readStackFile(process.cwd(), stack);
  const config = Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k, file.secretKeys.includes(k) ? withSentinels(k, v) : v]));
  const resources = installMocks({ project: file.project, stack, config, secretKeys: file.secretKeys });
  const { serving, outputs } = runProgram();
  writeArtifacts(outDir, await valueOf(serving.artifacts));
  const shownOutputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs)) {
    const out = pulumi.output(v);
    shownOutputs[k] = (await pulumi.isSecret(out)) ? "[secret output]" : await valueOf(out);
  }
  await settle();
  // Positive control: the sentinels did reach resources, inside secret-wrapped inputs.
  const secretInputsWithSentinel = resources.flatMap((r) => Object.values(r.inputs)).filter((v) => isSecretValue(v) && JSON.stringify(v).includes("SENTINEL-")).length;
  return { sentinels: file.secretKeys, secretInputsWithSentinel, resources: resources.map((r) => ({ type: r.type, name: r.name, inputs: redactSecrets(r.inputs) })), outputs: shownOutputs };
}

/** argv: pairs of <stack> <artifact folder>. */
async function main() {
  const args = process.argv.slice(2);
  const report: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i += 2) report[args[i]] = await audit(args[i], args[i + 1]);
  process.stdout.write(JSON.stringify(report));
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
