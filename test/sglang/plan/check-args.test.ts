import { describe, expect, test } from "vitest";
import { formatProblem } from "../../../components/problems";
import { parseServerArgs, SERVER_ARGS } from "../../../components/sglang/argparse";
import { launchArgs } from "../../../components/sglang/launch-args";
import { extraArgsProblems, PLANNER_OWNED } from "../../../components/sglang/plan/check-args";

const check = (...extraArgs: string[]) => extraArgsProblems(2, { extraArgs });
const lines = (...extraArgs: string[]) => check(...extraArgs).map(formatProblem);

/** Every flag name SGLang 0.4.9.post2 declares. */
const ALL_FLAGS = SERVER_ARGS.flatMap((a) => a.flags);
/** The shortest prefix of `flag` that no other flag name starts with (argparse's allow_abbrev), if any. */
function shortestPrefix(flag: string): string | undefined {
  for (let n = 3; n < flag.length; n++) {
    const p = flag.slice(0, n);
    if (ALL_FLAGS.filter((f) => f.startsWith(p)).length === 1) return p;
  }
  return undefined;
}
const sample = (type: string | null) => (type === "int" ? "7" : type === "float" ? "0.5" : "x");

describe("extraArgs may not set a flag the planner owns, under any spelling argparse accepts", () => {
  test("every flag launchArgs writes is owned", () => {
    const full = launchArgs({
      modelRepo: "r/m",
      servedModelName: "r/m",
      tp: 2,
      port: 1,
      contextLength: 1,
      ropeScaling: { factor: 2, originalMaxPositionEmbeddings: 1 },
      chatTemplate: "t",
      maxRunningRequests: 1,
      chunkedPrefillSize: 1,
      memFractionStatic: 0.5,
      kvCacheDtype: "fp8_e4m3",
    });
    expect(Object.keys(parseServerArgs(full).values).filter((d) => !(d in PLANNER_OWNED))).toEqual([]);
  });

  // The class: each owned flag by every name (aliases too), as --flag=value, and as its shortest unambiguous prefix.
  const spellings = SERVER_ARGS.filter((a) => a.dest in PLANNER_OWNED && a.dest !== "api_key").flatMap((a) =>
    a.flags.flatMap((flag) => {
      const v = sample(a.type);
      const prefix = shortestPrefix(flag);
      const forms: [string, string[]][] =
        a.action === "store_true"
          ? [[flag, [flag]]]
          : [
              [flag, [flag, v]],
              [`${flag}=${v}`, [`${flag}=${v}`]],
            ];
      if (prefix) forms.push([prefix, a.action === "store_true" ? [prefix] : [prefix, v]]);
      return forms.map(([label, argv]) => [label, argv, a.flags[0], a.dest] as const);
    }),
  );

  test("the table covers aliases and prefixes of --port, --host, --tp-size, --model-path, --context-length", () => {
    const labels = spellings.map(([l]) => l);
    for (const l of [
      "--port",
      "--host",
      "--tp-size",
      "--tensor-parallel-size",
      "--model",
      "--model-path",
      "--mem-fraction-static",
      "--context-length",
      "--served-model-name",
      "--tp-size=7",
      "--context-length=7",
    ])
      expect(labels).toContain(l);
    expect(spellings.length).toBeGreaterThan(60);
  });

  test.each(spellings)("%s", (_, argv, canonical, dest) => {
    const problems = check("--log-level", "info", ...argv);
    expect(problems[0]).toMatchObject({
      path: "qwen-serving:services[2].extraArgs[2]",
      rule: expect.stringMatching(new RegExp(`^sets ${canonical}( \\(argparse reads '[^']+' as ${canonical}\\))?, which the planner sets$`)),
    });
    expect(problems[0].advice).toBe(`remove it; the planner takes it from ${PLANNER_OWNED[dest]}`);
  });

  test.each([
    [
      ["--tp", "4"],
      "qwen-serving:services[2].extraArgs[0]: got \"--tp\"; sets --tensor-parallel-size (argparse reads '--tp' as --tensor-parallel-size), which the planner sets (remove it; the planner takes it from tp)",
    ],
    [
      ["--context-len=9000"],
      "qwen-serving:services[2].extraArgs[0]: got \"--context-len=9000\"; sets --context-length (argparse reads '--context-len' as --context-length), which the planner sets (remove it; the planner takes it from contextLength)",
    ],
    [
      ["--model", "/x"],
      "qwen-serving:services[2].extraArgs[0]: got \"--model\"; sets --model-path (argparse reads '--model' as --model-path), which the planner sets (remove it; the planner takes it from model and weights (the planner points it at the weight cache))",
    ],
  ])("%j reads as", (argv, line) => {
    expect(lines(...argv)).toEqual([line]);
  });

  test.each([[["--log-level", "warning"]], [["--enable-torch-compile"]], [["--schedule-policy=lpm"]], [["--disable-radix-cache", "--max-prefill-tokens", "16384"]]])(
    "%j is the user's to set",
    (argv) => {
      expect(check(...argv)).toEqual([]);
    },
  );

  test("what argparse would reject is reported on the user's part alone", () => {
    expect(lines("--no-such-flag")).toEqual(["qwen-serving:services[2].extraArgs: SGLang 0.4.9.post2 would reject it: unrecognized argument: --no-such-flag"]);
    expect(lines("--ep", "2")[0]).toMatch(/would reject it: ambiguous option: --ep could match --ep-size, /);
  });
});

describe("no secret in extraArgs, and the secret never in the problem", () => {
  const KEY = "sk-0123456789abcdefghijklmnop";
  const HF = "hf_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
  test.each([
    [["--api-key", KEY], 2],
    [[`--api-key=${KEY}`], 1],
    [["--api", KEY], 2],
    [["--api-key", "short"], 2],
    [["--json-model-override-args", `{"hf":"${HF}"}`], 2],
    [["--log-level", "info", `--tokenizer-path=${HF}`], 1],
    [["--chat-template", `Bearer ${KEY}`], 1],
    [[KEY], 1],
  ])("%j", (argv, count) => {
    const problems = check(...argv);
    expect(problems.length).toBeGreaterThanOrEqual(count);
    expect(problems.some((p) => /secret|token|API key/.test(p.rule))).toBe(true);
    const text = problems.map(formatProblem).join("\n");
    for (const secret of [KEY, HF, "short"]) expect(text).not.toContain(secret);
  });
});
