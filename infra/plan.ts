// `npm run plan -- --stack <name> [--json] [--out DIR]`: runs the real stack program under
// Pulumi mocks with the config of Pulumi.<name>.yaml, prints the resource tree and capacity,
// and writes every rendered artifact for review.
import * as fs from "fs";
import * as path from "path";
import { PRICES_CHECKED } from "../components/catalog/instances";
import { Artifact } from "../components/render/artifact";
import { CliIo, errorLine, EXIT_ERROR, fail, parseFlags, PROCESS_IO } from "./cli";
import { installMocks, settle, UNMOCKED_INVOKES, valueOf } from "./mocks";
import { capacityTable, placementTable, PLATFORM_SECTIONS, planDocument, PlanDocument, resourceTree } from "./plan-report";
import { runProgram } from "./program";
import { readStackFile } from "./stack-file";

const USAGE = "usage: npm run plan -- [--stack <name>] [--json] [--out DIR]   (default stack: dev; artifacts go to out/<stack>/)";

export interface PlanRun {
  readonly document: PlanDocument;
  readonly artifacts: Artifact[];
  readonly outDir: string;
  readonly text: string;
}

/** Runs a stack's program under mocks; shared by the CLI and the tests. */
export async function runPlan(opts: { dir: string; stack: string; outDir?: string; write?: boolean }): Promise<PlanRun> {
  const stackFile = readStackFile(opts.dir, opts.stack);
  const resources = installMocks({ project: stackFile.project, stack: stackFile.stack, config: stackFile.config, secretKeys: stackFile.secretKeys });
  const { serving, outputs } = runProgram();
  const artifacts = await valueOf(serving.artifacts);
  const endpoints = await valueOf(outputs.endpoints);
  await settle();
  const outDir = path.resolve(opts.dir, opts.outDir ?? path.join("out", opts.stack));
  if (opts.write !== false) writeArtifacts(outDir, artifacts, { ownFolder: opts.outDir === undefined });
  const document = planDocument(serving.plan, resources, artifacts);
  const section = PLATFORM_SECTIONS[serving.plan.platform];
  const text = [
    `stack ${document.stack} (platform ${document.platform}, environment ${serving.plan.environment})`,
    "",
    "resources (* component, + resource):",
    resourceTree(resources),
    "",
    `capacity (SGLang 0.4.9.post2 memory math; $/h on-demand us-east-1, prices checked ${PRICES_CHECKED}):`,
    capacityTable(serving.plan.services),
    "",
    "placement:",
    placementTable(serving.plan.services),
    "",
    ...(section ? [section.title, section.render(serving.plan, resources), ""] : []),
    "endpoints:",
    ...Object.entries(endpoints).map(([k, v]) => `  ${k}: ${v}`),
    "",
    `${artifacts.length} artifacts written to ${path.relative(process.cwd(), outDir) || "."}/`,
  ].join("\n");
  return { document, artifacts, outDir, text };
}

/** Marks a folder as written by the plan, so a later run may clear it and nothing else. */
export const PLAN_MARKER = ".qwen-serving-plan";

/**
 * Replaces `outDir` with the artifacts. A folder the user named is cleared only if it is empty or
 * an earlier plan wrote it; the default `out/<stack>` (git-ignored, ours) is always replaced.
 */
export function writeArtifacts(outDir: string, artifacts: readonly Artifact[], opts: { ownFolder?: boolean } = {}): void {
  if (fs.existsSync(outDir)) {
    const entries = fs.readdirSync(outDir);
    if (!opts.ownFolder && entries.length > 0 && !entries.includes(PLAN_MARKER))
      throw new Error(`refusing to clear ${outDir}: it is not empty and was not written by the plan (no ${PLAN_MARKER}); pick an empty or new --out folder`);
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, PLAN_MARKER), "Written by `npm run plan`; the next run replaces this folder.\n");
  for (const a of artifacts) {
    if (path.isAbsolute(a.path) || a.path.split("/").includes("..")) throw new Error(`artifact path escapes the output folder: ${a.path}`);
    const file = path.join(outDir, a.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, a.content, { mode: a.mode ?? 0o644 });
  }
}

/** The CLI: writes the plan (or one error line) to `io` and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo & { readonly cwd?: string } = PROCESS_IO): Promise<number> {
  try {
    const flags = parseFlags(argv, { "--stack": "string", "--json": "boolean", "--out": "string", "--help": "boolean" });
    if (flags["--help"]) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const run = await runPlan({ dir: io.cwd ?? process.cwd(), stack: (flags["--stack"] as string) ?? "dev", outDir: flags["--out"] as string | undefined });
    io.stdout.write(flags["--json"] ? `${JSON.stringify(run.document, null, 2)}\n` : `${run.text}\n`);
    return 0;
  } catch (e) {
    io.stderr.write(errorLine(e));
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  // Errors raised inside Pulumi callbacks surface as rejections; report them the same way.
  process.on("unhandledRejection", (e) =>
    fail(UNMOCKED_INVOKES.length ? new Error(`the program called invokes the offline plan does not mock: ${[...new Set(UNMOCKED_INVOKES)].join(", ")} (add them to infra/mocks.ts)`) : e),
  );
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
