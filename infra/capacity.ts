// `qwen-serving capacity --model <id | config.json> (--gpu <id> | --gpu-memory-mib N) --tp N [...] [--json]`
// (from a checkout: `npm run -s capacity -- ...`): the planner's answer for one service, without a stack.
import { ACCELERATOR_IDS, findAccelerator, resolveModel } from "../components/catalog";
import { CacheSchema } from "../components/config/schema";
import { Platform, PLATFORM_NAMES } from "../components/platforms/traits";
import { MemoryPlan, planMemory } from "../components/sglang/memory";
import { ColdStart, COLD_START, NODE_BOOT, planColdStart } from "../components/sglang/plan/cold-start";
import { concurrency, Concurrency, tpProblems, TYPICAL_REQUEST_TOKENS, validTps } from "../components/sglang/planner";
import { CliIo, errorLine, EXIT, EXIT_CODES_HELP, exitCodeOf, parseFlags, PROCESS_IO, runAsProcess, UsageError } from "./cli";

/** `cache.throughputMiBps`'s default, as a stack gets it. */
const DEFAULT_CACHE_MIBPS = CacheSchema.parse({}).throughputMiBps;

export const USAGE = [
  "usage: qwen-serving capacity --model <id|path/config.json> (--gpu <id> | --gpu-memory-mib N) --tp N",
  "                             [--context-length N] [--mem-fraction-static F] [--kv-cache-dtype auto|fp8_e5m2|fp8_e4m3]",
  "                             [--avail-before-gib X --avail-after-gib Y] [--multimodal]",
  "                             [--platform aws|docker|kubernetes] [--cache-throughput-mibps N] [--hub-rate-mbps N] [--json]",
  "       (from a checkout: npm run -s capacity -- [options])",
  "",
  "SGLang 0.4.9.post2's memory math for one service: weights per GPU, mem_fraction_static, KV tokens,",
  `and how many requests fit at once (at the full context and at ${TYPICAL_REQUEST_TOKENS} tokens); and the`,
  'cold start in phases, first boot and warm boot (estimates from stated assumptions: README "Cold start").',
  "",
  "options:",
  `  --model                 a catalog id or a Hugging Face config.json path`,
  `  --gpu | --gpu-memory-mib  a catalog GPU (${ACCELERATOR_IDS.join(", ")}) or nvidia-smi's memory.total`,
  "  --tp                    tensor-parallel size",
  "  --context-length        the context to check (default: the model's max_position_embeddings)",
  "  --mem-fraction-static   instead of SGLang's default",
  "  --kv-cache-dtype        auto (bf16), fp8_e5m2 or fp8_e4m3",
  "  --avail-before-gib/--avail-after-gib  calibrate with a startup log's 'avail mem' figures",
  "  --multimodal            treat the model as multimodal (SGLang scales mem_fraction_static by 0.9)",
  "  --platform              the platform the cold start is for (instance boot, cache): aws (default), docker, kubernetes",
  `  --cache-throughput-mibps  the weight cache's read rate, as cache.throughputMiBps (default ${DEFAULT_CACHE_MIBPS})`,
  `  --hub-rate-mbps         the model hub's download rate, MB/s, for the first download (default ${COLD_START.hubRate.value}, an assumption)`,
  '  --json                  print one JSON document (README "Capacity JSON", schemaVersion 1)',
  "  --help                  print this help",
  "",
  EXIT_CODES_HELP.replace("or the model does not fit", "or the model does not fit: no KV cache, or a KV pool shorter than the context (the figures are still printed)"),
].join("\n");

/**
 * The `--json` document. Version 1 of the contract (README "Capacity JSON"): fields are only
 * added, never renamed or removed, without bumping `schemaVersion`.
 */
export interface CapacityDocument extends MemoryPlan {
  readonly schemaVersion: 1;
  readonly model: string;
  readonly gpu: string | null;
  readonly multimodal: boolean;
  /** The KV pool as concurrent requests (at most maxRunningRequests). */
  readonly concurrency: Concurrency;
  /** The platform `coldStart` is estimated for (`--platform`). */
  readonly platform: Platform;
  /** One replica's cold start, as the plan's `services[].coldStart` (README "Cold start"). */
  readonly coldStart: ColdStart;
}

function number(flags: Record<string, string | boolean>, key: string, kind: "int" | "float"): number | undefined {
  const v = flags[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n) || (kind === "int" && !Number.isInteger(n)) || n <= 0)
    throw new UsageError(`${key} must be a positive ${kind === "int" ? "integer" : "number"}, got '${String(v)}'`);
  return n;
}

export function capacity(argv: readonly string[]): CapacityDocument {
  const flags = parseFlags(argv, {
    "--model": "string",
    "--gpu": "string",
    "--gpu-memory-mib": "string",
    "--tp": "string",
    "--context-length": "string",
    "--mem-fraction-static": "string",
    "--kv-cache-dtype": "string",
    "--avail-before-gib": "string",
    "--avail-after-gib": "string",
    "--multimodal": "boolean",
    "--platform": "string",
    "--cache-throughput-mibps": "string",
    "--hub-rate-mbps": "string",
    "--json": "boolean",
    "--help": "boolean",
  });
  if (typeof flags["--model"] !== "string") throw new UsageError("--model is required");
  const gpuMemFlag = number(flags, "--gpu-memory-mib", "int");
  if ((flags["--gpu"] === undefined) === (gpuMemFlag === undefined)) throw new UsageError("give exactly one of --gpu and --gpu-memory-mib");
  const gpu = flags["--gpu"] === undefined ? undefined : findAccelerator(String(flags["--gpu"]));
  if (flags["--gpu"] !== undefined && !gpu) throw new UsageError(`unknown GPU '${String(flags["--gpu"])}'; valid: ${ACCELERATOR_IDS.join(", ")}`);
  const tp = number(flags, "--tp", "int");
  if (tp === undefined) throw new UsageError("--tp is required");
  const before = number(flags, "--avail-before-gib", "float");
  const after = number(flags, "--avail-after-gib", "float");
  if ((before === undefined) !== (after === undefined)) throw new UsageError("--avail-before-gib and --avail-after-gib go together");
  if (before !== undefined && after !== undefined && after >= before) throw new UsageError(`--avail-after-gib (${after}) must be below --avail-before-gib (${before}): weights use memory`);
  const mfs = number(flags, "--mem-fraction-static", "float");
  if (mfs !== undefined && mfs >= 1) throw new UsageError(`--mem-fraction-static must be below 1, got ${mfs}`);
  const dtype = (flags["--kv-cache-dtype"] as string | undefined) ?? "auto";
  if (!["auto", "fp8_e5m2", "fp8_e4m3"].includes(dtype)) throw new UsageError(`--kv-cache-dtype must be auto, fp8_e5m2 or fp8_e4m3, got '${dtype}'`);

  const platform = (flags["--platform"] as string | undefined) ?? "aws";
  if (!(PLATFORM_NAMES as readonly string[]).includes(platform)) throw new UsageError(`--platform must be one of ${PLATFORM_NAMES.join(", ")}, got '${platform}'`);
  const hubRate = number(flags, "--hub-rate-mbps", "float");

  const base = resolveModel(flags["--model"]);
  const model = flags["--multimodal"] ? { ...base, multimodal: true } : base;
  const problems = tpProblems(model, tp);
  if (problems.length) throw new UsageError(`${problems.join("; ")}; valid tp: ${validTps(model).join(", ")}`);
  const plan = planMemory({
    model,
    gpuMemoryMiB: gpu?.memoryMiB ?? gpuMemFlag!,
    tp,
    contextLength: number(flags, "--context-length", "int"),
    memFractionStatic: mfs,
    kvCacheDtype: dtype as "auto",
    calibration: before !== undefined && after !== undefined ? { availBeforeGiB: before, availAfterGiB: after } : undefined,
  });
  const coldStart = planColdStart({
    checkpointBytes: model.checkpointBytes,
    cacheThroughputMiBps: number(flags, "--cache-throughput-mibps", "int") ?? DEFAULT_CACHE_MIBPS,
    boot: NODE_BOOT[platform as Platform],
    hubRate: hubRate === undefined ? undefined : { value: hubRate, unit: "MB/s", source: "--hub-rate-mbps", assumption: false },
  });
  return { schemaVersion: 1, model: model.id, gpu: gpu?.id ?? null, multimodal: model.multimodal, ...plan, concurrency: concurrency(plan), platform: platform as Platform, coldStart };
}

/** The cold start as two rows: the totals, then the phases with the rates they assumed. */
function coldStartRows(d: CapacityDocument): [string, string][] {
  const c = d.coldStart;
  const tag = (i: { assumption: boolean }) => (i.assumption ? "assumed" : "set");
  return [
    [`cold start s (${d.platform}, estimate)`, `first boot ${c.firstBootSeconds}, warm boot ${c.warmBootSeconds} (replacement), reboot ${c.rebootSeconds}`],
    [
      "cold start phases s",
      `instance boot ${c.instanceBootSeconds} (${tag(c.inputs.instanceBootSeconds)}) + image pull ${c.imagePullSeconds} (${c.inputs.imageGiB.value} GiB at ${c.inputs.imagePullMiBps.value} MiB/s, ${tag(c.inputs.imagePullMiBps)})` +
        ` + first download ${c.firstDownloadSeconds} (hub ${c.inputs.hubRateMBps.value} MB/s, ${tag(c.inputs.hubRateMBps)}) + load from cache ${c.loadFromCacheSeconds} (${c.inputs.cacheThroughputMiBps.value} MiB/s, ${tag(c.inputs.cacheThroughputMiBps)})` +
        ` + warm-up ${c.warmupSeconds} (${tag(c.inputs.warmupSeconds)})`,
    ],
  ];
}

export function capacityText(d: CapacityDocument): string {
  const rows: [string, string][] = [
    ["model", d.model],
    ["gpu", `${d.gpu ?? "custom"} (${d.gpuMemoryMiB} MiB) x tp ${d.tp}`],
    ["mem_fraction_static", `${d.memFractionStatic.toFixed(4)} (${d.memFractionSource}${d.multimodal && d.memFractionSource === "sglang-default" ? ", multimodal x0.9" : ""})`],
    ["avail before/after weights", `${d.availBeforeGiB.toFixed(2)} / ${d.availAfterGiB.toFixed(2)} GiB${d.calibrated ? " (measured)" : " (estimated)"}`],
    ["weights per GPU", `${d.weightsGiBPerGpu.toFixed(2)} GiB`],
    ["KV cell", `${d.kvCellBytes} bytes/token/GPU`],
    ["KV tokens (max_total_num_tokens)", d.kvTokens.toLocaleString("en-US")],
    ["K size / KV per GPU", `${d.kSizeGiB.toFixed(2)} / ${d.kvGiBPerGpu.toFixed(2)} GiB`],
    ["context length", `${d.contextLength.toLocaleString("en-US")} (${d.fitsContext ? "fits" : "DOES NOT FIT"})`],
    ["chunked_prefill_size / max_prefill_tokens", `${d.chunkedPrefillSize} / ${d.maxPrefillTokens}`],
    ["max_running_requests", String(d.maxRunningRequests)],
    ["requests at once", `${d.concurrency.atContextLength} at the full context, ${d.concurrency.atTypicalRequest} at ${d.concurrency.typicalRequestTokens} tokens`],
    ...coldStartRows(d),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n");
}

/** The CLI: writes the answer (or one error line) to `io` and returns the exit code: 1 when the model does not fit. */
export function main(argv: readonly string[], io: CliIo = PROCESS_IO): number {
  try {
    if (argv.includes("--help")) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const doc = capacity(argv);
    io.stdout.write(argv.includes("--json") ? `${JSON.stringify(doc, null, 2)}\n` : `${capacityText(doc)}\n`);
    if (doc.kvTokens > 0 && doc.fitsContext) return EXIT.ok;
    io.stderr.write(
      doc.kvTokens <= 0
        ? `does not fit: ${doc.model}'s weights take ${doc.weightsGiBPerGpu.toFixed(2)} GiB per GPU and leave no KV cache at tp ${doc.tp}\n`
        : `does not fit: the KV pool holds ${doc.kvTokens} tokens, fewer than the context length ${doc.contextLength}\n`,
    );
    return EXIT.refused;
  } catch (e) {
    io.stderr.write(errorLine(e));
    return exitCodeOf(e);
  }
}

if (require.main === module) runAsProcess(main);
