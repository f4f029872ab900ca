import * as fs from "fs";
import { describe, expect, test } from "vitest";
import { parseServerArgs, SERVER_ARGS } from "../../components/sglang/argparse";
import { launchArgs, yarnOverride } from "../../components/sglang/launch-args";
import { planDeployment } from "../../components/sglang/planner";
import { StackConfigSchema } from "../../components/config/schema";
import { NODE_PATHS, PORTS, PROJECT } from "../../components/contract";
import { parseStackConfig } from "../../infra/config";
import { readStackFile } from "../../infra/stack-file";
import { SEED_ARGV } from "../support/seed-argv";

// The seed's two commands, verbatim but for its models folder (DIGEST.md).
const SEED_QWEN3 = [
  "--model",
  `${NODE_PATHS.models}/Qwen/Qwen3-32B/`,
  "--trust-remote-code",
  "--tp",
  "2",
  "--host",
  "0.0.0.0",
  "--port",
  "9001",
  "--json-model-override-args",
  '{"rope_scaling":{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":32768}}',
  "--context-length",
  "131072",
  "--chunked-prefill-size",
  "8192",
];
const SEED_VL = [
  "--model",
  `${NODE_PATHS.models}/Qwen/Qwen2.5-VL-32B-Instruct/`,
  "--trust-remote-code",
  "--tp",
  "2",
  "--host",
  "0.0.0.0",
  "--port",
  "9002",
  "--chat-template",
  "qwen2-vl",
  "--max-running-requests",
  "2048",
  "--context-len",
  "128000",
];

/** The seed's machines: two hosts of 2 x H20, one service each. */
const seedConfig = StackConfigSchema.parse({
  platform: "docker",
  hosts: [
    { name: "h20-a", dockerHost: "ssh://ops@h20-a", gpu: "h20", gpuCount: 2 },
    { name: "h20-b", dockerHost: "ssh://ops@h20-b", gpu: "h20", gpuCount: 2 },
  ],
  services: [
    {
      name: "qwen3-32b",
      model: "Qwen/Qwen3-32B",
      weights: { source: "modelscope", revision: "v1" },
      tp: 2,
      port: 9001,
      contextLength: 131072,
      ropeScaling: { type: "yarn", factor: 4.0, originalMaxPositionEmbeddings: 32768 },
      chunkedPrefillSize: 8192,
      nodePool: "h20-a",
    },
    {
      name: "qwen25-vl-32b",
      model: "Qwen/Qwen2.5-VL-32B-Instruct",
      weights: { source: "modelscope", revision: "v1" },
      tp: 2,
      port: 9002,
      contextLength: 128000,
      chatTemplate: "qwen2-vl",
      maxRunningRequests: 2048,
      nodePool: "h20-b",
    },
  ],
});

describe("launch args are argparse-equivalent to the seed's commands", () => {
  const plan = planDeployment("seed", seedConfig);
  test.each([
    ["qwen3-32b", SEED_QWEN3],
    ["qwen25-vl-32b", SEED_VL],
  ])("%s: every flag of the seed parses to the same value, plus --enable-metrics", (name, seedArgv) => {
    const ours = plan.services.find((s) => s.name === name)!.launchArgs;
    const seed = parseServerArgs(seedArgv);
    const mine = parseServerArgs(ours);
    expect(seed.errors).toEqual([]);
    expect(mine.errors).toEqual([]);
    for (const [dest, value] of Object.entries(seed.values)) expect(mine.values[dest], dest).toEqual(value);
    expect(mine.values.enable_metrics).toBe(true);
    // Nothing beyond the seed but metrics and the name clients already send as `model`.
    expect(Object.keys(mine.values).sort()).toEqual([...Object.keys(seed.values), "enable_metrics", "served_model_name"].sort());
  });

  test("both argvs are exactly the seed's in canonical spelling", () => {
    expect(plan.services.map((s) => s.launchArgs)).toEqual([SEED_ARGV["qwen3-32b"], SEED_ARGV["qwen25-vl-32b"]]);
  });

  test("YaRN factors keep Python's float spelling", () => {
    expect(yarnOverride(4, 32768)).toContain('"factor":4.0');
    expect(yarnOverride(2.5, 32768)).toContain('"factor":2.5');
  });

  test("absent options are omitted, not written as defaults, and extraArgs come last", () => {
    const argv = launchArgs({ modelRepo: "Qwen/Qwen3-8B", servedModelName: "Qwen/Qwen3-8B", tp: 1, port: PORTS.workerBase, extraArgs: ["--log-level", "warning"] });
    expect(argv).not.toContain("--context-length");
    expect(argv).not.toContain("--kv-cache-dtype");
    expect(argv.slice(-2)).toEqual(["--log-level", "warning"]);
  });
});

describe("every service of every stack yields a valid SGLang 0.4.9.post2 command line", () => {
  const stacks = fs.readdirSync(process.cwd()).flatMap((f) => (/^Pulumi\.(.+)\.yaml$/.exec(f) ?? []).slice(1));
  test("there are stacks to check", () => expect(stacks).toEqual(expect.arrayContaining(["dev", "prod"])));
  const canonical = new Set(SERVER_ARGS.map((a) => a.flags[0]));
  test.each(stacks)("stack %s", (stack) => {
    const file = readStackFile(process.cwd(), stack);
    const raw = Object.fromEntries(
      Object.entries(file.config)
        .filter(([k]) => k.startsWith(`${PROJECT}:`) && !file.secretKeys.includes(k))
        .map(([k, v]) => [
          k.slice(PROJECT.length + 1),
          (() => {
            try {
              return JSON.parse(v);
            } catch {
              return v;
            }
          })(),
        ]),
    );
    const plan = planDeployment(stack, parseStackConfig(raw));
    for (const svc of plan.services)
      for (const replica of svc.placement) {
        const parsed = parseServerArgs(replica.launchArgs);
        expect(parsed.errors, `${stack}/${svc.name}/${replica.replica}`).toEqual([]);
        expect(parsed.values.port).toBe(replica.port);
        expect(parsed.values.tensor_parallel_size).toBe(svc.tp);
        const flags = replica.launchArgs.filter((a) => a.startsWith("--"));
        for (const f of flags.slice(0, flags.length - svc.spec.extraArgs.filter((a) => a.startsWith("--")).length)) expect(canonical.has(f), f).toBe(true);
      }
  });
});

describe("the argparse model rejects what SGLang would", () => {
  test.each([
    [["--model-path", "/m", "--tp-size", "two"], "argument --tp-size: invalid int value: 'two'"],
    [["--model-path", "/m", "--kv-cache-dtype", "fp16"], "argument --kv-cache-dtype: invalid choice: 'fp16' (choose from 'auto', 'fp8_e5m2', 'fp8_e4m3')"],
    [["--model-path", "/m", "--no-such-flag", "1"], "unrecognized argument: --no-such-flag"],
    [["--model-path", "/m", "--max-r", "8", "--max", "8"], "ambiguous option: --max could match --max-running-requests"],
    [["--trust-remote-code"], "the following arguments are required: --model-path/--model"],
    [["--model-path", "/m", "--port"], "argument --port: expected one argument"],
  ])("%j", (argv, message) => {
    expect(parseServerArgs(argv).errors.join("\n")).toContain(message);
  });

  test("prefixes and --flag=value are accepted like argparse does", () => {
    const r = parseServerArgs(["--model=/m", "--context-len", "4096", "--mem-fraction-s", "0.8"]);
    expect(r.errors).toEqual([]);
    expect(r.values).toMatchObject({ model_path: "/m", context_length: 4096, mem_fraction_static: 0.8 });
  });
});
