import { describe, expect, test } from "vitest";
import { QwenServingError, formatProblem } from "../../components/problems";
import { parseStackConfig } from "../../infra/config";
import { stackConfigProblems } from "../../components/config/checks";
import { readStackFile, SECRET_PLACEHOLDER } from "../../infra/stack-file";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGES } from "../../components/contract";

const service = { name: "qwen3-32b", model: "Qwen/Qwen3-32B", weights: { source: "huggingface", revision: "9216db5781bf21249d130ec9da846c4624c16137" }, tp: 2, port: 9001 };
const base = { platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge" }], services: [service] };

/** What a user sees of a config: its shape problems, or else the rules tying its keys together. */
function problems(raw: Record<string, unknown>): string[] {
  let config;
  try {
    config = parseStackConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(QwenServingError);
    expect((e as QwenServingError).stage).toBe("config");
    return (e as QwenServingError).problems.map(formatProblem);
  }
  const found = stackConfigProblems(config);
  if (found.length === 0) throw new Error("config was accepted");
  return found.map(formatProblem);
}

describe("stack config", () => {
  test("a minimal aws stack gets documented defaults", () => {
    const c = parseStackConfig(base);
    expect(c.image).toBe(IMAGES.sglang);
    expect(c.services[0]).toMatchObject({ replicas: 1, kvCacheDtype: "auto", extraArgs: [] });
    expect(c.nodePools[0].count).toBe(1);
    expect(c.cache).toMatchObject({ throughputMiBps: 1000, iops: 6000 });
    expect(c.monitoring).toMatchObject({ enabled: true, retentionDays: 15, kvUsageThreshold: 0.85 });
  });

  test("every problem is reported at once, each with key, value and the rule", () => {
    const p = problems({
      ...base,
      platform: "gcp",
      services: [
        { ...service, tp: 3.5, port: 80, weights: { source: "huggingface", revision: "main" } },
        { ...service, name: "Bad_Name" },
      ],
      colour: "blue",
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^qwen-serving:platform: got "gcp"; .*"aws".*"docker".*"kubernetes"/),
        expect.stringMatching(/^qwen-serving:services\[0\]\.tp: got 3\.5; .*int/i),
        expect.stringMatching(/^qwen-serving:services\[0\]\.port: got 80; ports below 1024 need root/),
        expect.stringMatching(/^qwen-serving:services\[0\]\.weights\.revision: got "main"; revision must be pinned/),
        expect.stringMatching(/^qwen-serving:services\[1\]\.name: got "Bad_Name"; service name must be/),
        "qwen-serving:colour: unknown key; remove or fix the spelling",
      ]),
    );
  });

  test("cross-field rules name the keys they tie together", () => {
    const p = problems({
      ...base,
      services: [
        { ...service, replicas: 2, placement: [{ node: "gpu-0", gpus: [0, 0] }], nodePool: "cpu" },
        { ...service, contextLength: 200000, ropeScaling: { type: "yarn", factor: 4, originalMaxPositionEmbeddings: 32768 } },
      ],
      cache: { throughputMiBps: 1000, iops: 3000 },
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringContaining("qwen-serving:services[0].placement: got"),
        expect.stringContaining("replica 0 lists a GPU twice: [0, 0]"),
        expect.stringContaining("qwen-serving:services[0].nodePool: got \"cpu\"; unknown nodePools entry 'cpu' (valid: gpu)"),
        expect.stringContaining('qwen-serving:services[1].name: got "qwen3-32b"; service name "qwen3-32b" is already used by services[0]'),
        expect.stringContaining("qwen-serving:services[1].port: got 9001"),
        expect.stringContaining("qwen-serving:cache.iops: got 3000; gp3 allows 0.25 MiB/s per IOPS: 1000 MiB/s needs iops >= 4000"),
      ]),
    );
  });

  test("the longest generation is one value: an older spelling that disagrees with proxy.maxGenerationSeconds is refused", () => {
    expect(problems({ ...base, proxy: { maxGenerationSeconds: 1800 }, aws: { frontDoor: { maxGenerationSeconds: 900 } } })).toEqual([
      "qwen-serving:aws.frontDoor.maxGenerationSeconds: got 900; differs from proxy.maxGenerationSeconds (1800), the longest generation every timeout follows (remove it, or set it to 1800)",
    ]);
    // The same value twice, or either alone, is one value.
    expect(stackConfigProblems(parseStackConfig({ ...base, proxy: { maxGenerationSeconds: 1800 }, aws: { frontDoor: { maxGenerationSeconds: 1800 } } }))).toEqual([]);
    expect(stackConfigProblems(parseStackConfig({ ...base, aws: { frontDoor: { maxGenerationSeconds: 1200 } } }))).toEqual([]);
  });

  test("platform-specific keys must match the platform", () => {
    expect(problems({ ...base, nodePools: [{ name: "gpu" }] })).toEqual([expect.stringContaining("qwen-serving:nodePools[0].instanceType: got nothing; platform 'aws' needs an instanceType")]);
    expect(problems({ ...base, platform: "docker" })).toEqual(expect.arrayContaining([expect.stringContaining("platform 'docker' needs at least one entry in hosts")]));
    expect(problems({ ...base, image: "lmsysorg/sglang:latest" })).toEqual([expect.stringContaining("image must be pinned")]);
  });
});

describe("stack files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-stack-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: qwen-serving\nruntime: nodejs\n");
  fs.writeFileSync(
    path.join(dir, "Pulumi.t.yaml"),
    "config:\n  aws:region: us-east-1\n  qwen-serving:platform: aws\n  qwen-serving:apiKeys:\n    a:\n      secure: v1:abc\n  qwen-serving:grafanaAdminPassword:\n    secure: v1:xyz\n",
  );
  fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  qwen-serving:platform: [aws\n");

  test("secure values become a secret placeholder and are listed as secret keys", () => {
    const f = readStackFile(dir, "t");
    expect(f.config["qwen-serving:grafanaAdminPassword"]).toBe(SECRET_PLACEHOLDER);
    expect(JSON.parse(f.config["qwen-serving:apiKeys"])).toEqual({ a: SECRET_PLACEHOLDER });
    expect(f.secretKeys.sort()).toEqual(["qwen-serving:apiKeys", "qwen-serving:grafanaAdminPassword"]);
    expect(f.config["aws:region"]).toBe("us-east-1");
  });

  test("a missing stack or malformed YAML is one clear line", () => {
    expect(() => readStackFile(dir, "nope")).toThrow("Pulumi.nope.yaml: not found: there is no stack 'nope' (stacks here: broken, t)");
    expect(() => readStackFile(dir, "broken")).toThrow(/^invalid stack config: Pulumi\.broken\.yaml: is not valid YAML: /);
    expect(() => readStackFile(dir, "../etc")).toThrow(/stack name: got "..\/etc"; may hold only/);
  });
});
