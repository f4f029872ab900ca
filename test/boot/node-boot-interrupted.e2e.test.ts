// The prod GPU node's first boot interrupted: a power cut mid-download (S4) and a model hub that is
// down for two minutes (S5), each on its own blank cache volume, and a reboot of S5's instance whose
// GPU check fails once (S6); see node-boot.e2e.test.ts.
import { describe, expect, it } from "vitest";
import { blankVolume, freshRoot } from "./harness";
import { BOOT_TIMEOUT, bootSuite, expectServing, hubRequests } from "./suite";

const suite = bootSuite("interrupted");
const { image, node } = suite;

describe.sequential("prod GPU node, interrupted downloads and a failing GPU check", () => {
  // S5's instance, rebooted by S6.
  let root = "";
  let ebs = "";

  it(
    "S4 power cut mid-download, then boot: resumes and serves",
    async () => {
      const cutEbs = blankVolume(suite.work, "ebs-cut");
      const cutRoot = freshRoot(image(), suite.work, "root-s4");
      // Slow enough that the cut lands inside the first model.
      const slow = { hub: { shardBytes: 1 << 20, throttleBps: 1 << 20 } };
      const cut = await suite.run("S4-cut", cutRoot, cutEbs, node().instanceId, { ...slow, powerCutAtBytes: 4 << 20 });
      expect(cut.powerCut, "the power was cut mid-download").toBe(true);
      const r = await suite.run("S4", cutRoot, cutEbs, node().instanceId, slow);
      expectServing(r, node(), "S4");
      expect(r.report!.mkfs).toEqual([]);
    },
    2 * BOOT_TIMEOUT,
  );

  it(
    "S5 hub down for the first two minutes of a first boot: the download retries by itself and the node serves",
    async () => {
      ebs = blankVolume(suite.work, "ebs-hub-down");
      root = freshRoot(image(), suite.work, "root-s5");
      const r = await suite.run("S5", root, ebs, "i-0badc0ffeebadc0f", { hub: { downSeconds: 120 } });
      expectServing(r, node(), "S5");
      expect(r.report!.mkfs.length).toBe(1);
      const firstRequest = Math.min(...hubRequests(r).map((h) => h.t));
      expect(firstRequest).toBeGreaterThanOrEqual(120);
    },
    BOOT_TIMEOUT,
  );

  it(
    "S6 the GPU check fails once (one GPU missing while the fabric comes up; a reboot of S5's instance): it retries and the node serves",
    async () => {
      const r = await suite.run("S6", root, ebs, "i-0badc0ffeebadc0f", { gpuFailOnce: true });
      expectServing(r, node(), "S6");
      expect(r.report!.nvidiaSmi.filter((c) => c === "-L").length).toBeGreaterThan(1);
      expect(Number(r.report!.units["qwen-gpu-check.service"].NRestarts)).toBeGreaterThan(0);
    },
    BOOT_TIMEOUT,
  );
});
