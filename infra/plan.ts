// `qwen-serving plan [--stack <name>] [--json] [--out DIR]` (from a checkout: `npm run -s plan -- ...`):
// runs the real stack program under Pulumi mocks with the config of Pulumi.<name>.yaml, prints the
// resource tree, capacity, placement, budget and endpoints, and writes every rendered artifact for review.
import * as fs from "fs";
import * as path from "path";
import { PRICES_CHECKED } from "../components/catalog/instances";
import { Artifact } from "../components/render/artifact";
import { TYPICAL_REQUEST_TOKENS } from "../components/sglang/planner";
import { planBudget } from "./budget";
import { budgetTable, budgetTitle } from "./budget-report";
import { CliIo, errorLine, EXIT, EXIT_CODES_HELP, exitCodeOf, InputError, parseFlags, PROCESS_IO, runAsProcess } from "./cli";
import { configWarnings } from "./config-warnings";
import { installMocks, settle, UNMOCKED_INVOKES, valueOf } from "./mocks";
import { COLD_START_TITLE, coldStartInputLines, coldStartTable } from "./plan-cold-start";
import { capacityTable, placementTable, PLATFORM_SECTIONS, planDocument, PlanDocument, resourceTree } from "./plan-report";
import { runProgram } from "./program";
import { readStackFile, StackFile } from "./stack-file";

export const USAGE = [
  "usage: qwen-serving plan [--stack <name>] [--json] [--out DIR]",
  "       (from a checkout: npm run -s plan -- [options]; -s keeps npm's banner off stdout)",
  "",
  "Plans a stack offline: reads Pulumi.yaml and Pulumi.<stack>.yaml in the current folder, runs the",
  "stack program under Pulumi mocks (no cloud account, no credentials), prints the resource tree,",
  "capacity, placement, budget and endpoints (marked where a name is made up offline), and writes every",
  "rendered file to out/<stack>/.",
  "",
  "options:",
  "  --stack <name>  the stack to plan (Pulumi.<name>.yaml); default dev",
  '  --json          print the plan as one JSON document instead (README "Plan JSON", schemaVersion 1)',
  "  --out DIR       write the artifacts to DIR: only an empty folder or one an earlier plan wrote; default out/<stack>",
  "  --help          print this help",
  "",
  EXIT_CODES_HELP,
].join("\n");

export interface PlanRun {
  readonly document: PlanDocument;
  readonly artifacts: Artifact[];
  readonly outDir: string;
  readonly text: string;
}

/** Runs a stack's program under mocks; shared by the CLI and the tests. */
export async function runPlan(opts: { dir: string; stack: string; outDir?: string; write?: boolean }): Promise<PlanRun> {
  let stackFile: StackFile;
  try {
    stackFile = readStackFile(opts.dir, opts.stack);
  } catch (e) {
    // No such stack, or a file that is not YAML: the command cannot run (exit 2), nothing was refused.
    throw new InputError((e as Error).message);
  }
  const warnings = configWarnings(Object.keys(stackFile.config));
  const resources = installMocks({ project: stackFile.project, stack: stackFile.stack, config: stackFile.config, secretKeys: stackFile.secretKeys });
  const { serving, outputs } = runProgram();
  const artifacts = await valueOf(serving.artifacts);
  const endpoints = await valueOf(outputs.endpoints);
  await settle();
  const outDir = path.resolve(opts.dir, opts.outDir ?? path.join("out", opts.stack));
  if (opts.write !== false) writeArtifacts(outDir, artifacts, { ownFolder: opts.outDir === undefined });
  const budget = planBudget(serving.plan, resources, stackFile.config["aws:region"]);
  // Offline, the load balancer's and hosts' names come from the mocks: real only after `pulumi up`.
  const mocked = mockedEndpoints(endpoints, [JSON.stringify(stackFile.config), JSON.stringify(resources.map((r) => r.inputs))]);
  const document = planDocument(serving.plan, resources, artifacts, { budget, endpoints: { mock: mocked.length > 0, urls: endpoints, mocked }, warnings });
  const section = PLATFORM_SECTIONS[serving.plan.platform];
  const text = [
    `stack ${document.stack} (platform ${document.platform}, environment ${serving.plan.environment})`,
    "",
    "resources (* component, + resource):",
    resourceTree(resources),
    "",
    `capacity (SGLang 0.4.9.post2 memory math; reqs: requests one replica's KV pool holds at full context and at ${TYPICAL_REQUEST_TOKENS} tokens, up to max_running_requests; first/warm boot s: the cold start, in phases below; $/h: the service's share of its nodes, prices checked ${PRICES_CHECKED}):`,
    capacityTable(serving.plan.services),
    "",
    COLD_START_TITLE,
    coldStartTable(serving.plan.services),
    "what the estimate assumed ([assumption]: not measured) and what the stack sets ([set]: config or catalog):",
    ...coldStartInputLines(serving.plan.services.map((s) => [s.name, s.coldStart] as const)),
    "",
    "placement:",
    placementTable(serving.plan.services),
    "",
    ...(section ? [section.title, section.render(serving.plan, resources), ""] : []),
    budgetTitle(budget),
    budgetTable(budget),
    "",
    mocked.length
      ? "endpoints (mock: a name the offline plan made up, such as the load balancer's DNS name; `pulumi stack output endpoints` shows the real ones):"
      : "endpoints (from the config: `pulumi stack output endpoints` shows them once deployed):",
    ...Object.entries(endpoints).map(([k, v]) => `  ${k}: ${v}${mocked.includes(k) ? "  (mock)" : ""}`),
    "",
    `${artifacts.length} artifacts written to ${path.relative(process.cwd(), outDir) || "."}/`,
  ].join("\n");
  return { document, artifacts, outDir, text };
}

/**
 * The services whose endpoint the offline plan made up: its host is neither written in the config
 * or any resource's inputs (a domain, a host's address) nor a Kubernetes Service name
 * (`<service>.<namespace>.svc.cluster.local`, fixed by the cluster's DNS); what is left came from a
 * mocked output, such as a load balancer's DNS name.
 */
export function mockedEndpoints(endpoints: Readonly<Record<string, string>>, known: readonly string[]): string[] {
  return Object.entries(endpoints)
    .filter(([, url]) => {
      const host = URL.canParse(url) ? new URL(url).hostname : url;
      return !host.endsWith(".svc.cluster.local") && !known.some((k) => k.includes(host));
    })
    .map(([name]) => name);
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

/** The CLI: writes the plan (or the problems) to `io` and returns the exit code (0, 1 refused, 2 bad input). */
export async function main(argv: readonly string[], io: CliIo & { readonly cwd?: string } = PROCESS_IO): Promise<number> {
  try {
    const flags = parseFlags(argv, { "--stack": "string", "--json": "boolean", "--out": "string", "--help": "boolean" });
    if (flags["--help"]) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const run = await runPlan({ dir: io.cwd ?? process.cwd(), stack: (flags["--stack"] as string) ?? "dev", outDir: flags["--out"] as string | undefined });
    for (const w of run.document.warnings) io.stderr.write(`warning: ${w}\n`);
    io.stdout.write(flags["--json"] ? `${JSON.stringify(run.document, null, 2)}\n` : `${run.text}\n`);
    return EXIT.ok;
  } catch (e) {
    io.stderr.write(errorLine(e));
    return exitCodeOf(e);
  }
}

/** A rejection inside a Pulumi callback; an invoke the mocks lack is named. */
export const explainRejection = (e: unknown): unknown =>
  UNMOCKED_INVOKES.length ? new Error(`the program called invokes the offline plan does not mock: ${[...new Set(UNMOCKED_INVOKES)].join(", ")} (add them to infra/mocks.ts)`) : e;

if (require.main === module) runAsProcess(main, { onRejection: explainRejection });
