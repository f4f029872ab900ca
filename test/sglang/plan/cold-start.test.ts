import { describe, expect, test } from "vitest";
import { legacyColdStartSeconds, NODE_BOOT, planColdStart } from "../../../components/sglang/plan/cold-start";
import { PLATFORM_NAMES } from "../../../components/platforms/traits";

const GB = 1e9;

describe("cold start, in phases", () => {
  test("each phase from its input, the first boot is every phase, a warm boot skips the download, a reboot the pull too", () => {
    // 80 GB of weights: 800 s from the hub at 100 MB/s, 80e9 / 2^20 / 500 = 153 s from a 500 MiB/s cache.
    const c = planColdStart({ checkpointBytes: 80 * GB, cacheThroughputMiBps: 500, boot: NODE_BOOT.aws });
    expect(c).toMatchObject({
      instanceBootSeconds: 120,
      imagePullSeconds: Math.round((11 * 1024) / 150),
      firstDownloadSeconds: 800,
      loadFromCacheSeconds: 153,
      warmupSeconds: 90,
      firstBootSeconds: 120 + 75 + 800 + 153 + 90,
      warmBootSeconds: 120 + 75 + 153 + 90,
      rebootSeconds: 120 + 153 + 90,
    });
    // The plan JSON's first field keeps its meaning: image pull + load from cache + warm-up.
    expect(legacyColdStartSeconds(c)).toBe(75 + 153 + 90);
  });

  test("the hub rate is an input: a stated one replaces the assumed default, and is reported as given", () => {
    const given = { value: 400, unit: "MB/s" as const, source: "--hub-rate-mbps", assumption: false };
    const c = planColdStart({ checkpointBytes: 80 * GB, cacheThroughputMiBps: 500, boot: NODE_BOOT.aws, hubRate: given });
    expect(c.firstDownloadSeconds).toBe(200);
    expect(c.inputs.hubRateMBps).toBe(given);
    expect(planColdStart({ checkpointBytes: 80 * GB, cacheThroughputMiBps: 500, boot: NODE_BOOT.aws }).inputs.hubRateMBps).toMatchObject({ value: 100, unit: "MB/s", assumption: true });
  });

  test("every input says where it comes from, and only config and catalog values are not assumptions", () => {
    for (const platform of PLATFORM_NAMES) {
      const { inputs } = planColdStart({ checkpointBytes: 80 * GB, cacheThroughputMiBps: 1000, boot: NODE_BOOT[platform] });
      for (const [k, i] of Object.entries(inputs)) expect(i.source, `${platform} ${k}`).not.toBe("");
      const set = Object.entries(inputs)
        .filter(([, i]) => !i.assumption)
        .map(([k]) => k);
      // A docker host's folder has no provisioned rate: cache.throughputMiBps is assumed there.
      expect(set, platform).toEqual(platform === "docker" ? ["checkpointBytes"] : ["checkpointBytes", "cacheThroughputMiBps"]);
      expect(inputs.cacheThroughputMiBps).toMatchObject({ value: 1000, unit: "MiB/s", source: expect.stringContaining("cache.throughputMiBps") });
    }
  });

  test("the stack launches machines only on aws; docker hosts and kubernetes nodes already run", () => {
    expect(Object.fromEntries(PLATFORM_NAMES.map((p) => [p, NODE_BOOT[p].instanceBoot.value]))).toEqual({ aws: 120, docker: 0, kubernetes: 0 });
    const docker = planColdStart({ checkpointBytes: 80 * GB, cacheThroughputMiBps: 500, boot: NODE_BOOT.docker });
    expect(docker.rebootSeconds).toBe(153 + 90);
  });
});
