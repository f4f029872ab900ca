// The prod GPU node's first boot interrupted: a power cut mid-download (S4) and a model hub that is
// down for two minutes (S5), each on its own blank cache volume; see node-boot.e2e.test.ts.
import { describe, expect, it } from "vitest";
import { blankVolume, freshRoot } from "./harness";
import { BOOT_TIMEOUT, bootSuite, expectServing, hubRequests } from "./suite";

const suite = bootSuite("interrupted");
const { image, node } = suite;

describe.sequential("prod GPU node, interrupted downloads", () => {
  it(
    "S4 power cut mid-download, then boot: resumes and serves",
    async () => {
      const ebs = blankVolume(suite.work, "ebs-cut");
      const root = freshRoot(image(), suite.work, "root-s4");
      // Slow enough that the cut lands inside the first model.
      const slow = { hub: { shardBytes: 1 << 20, throttleBps: 1 << 20 } };
      const cut = await suite.run("S4-cut", root, ebs, node().instanceId, { ...slow, powerCutAtBytes: 4 << 20 });
      expect(cut.powerCut, "the power was cut mid-download").toBe(true);
      const r = await suite.run("S4", root, ebs, node().instanceId, slow);
      expectServing(r, node(), "S4");
      expect(r.report!.mkfs).toEqual([]);
    },
    2 * BOOT_TIMEOUT,
  );

  it(
    "S5 hub down for the first two minutes of a first boot: the download retries by itself and the node serves",
    async () => {
      const ebs = blankVolume(suite.work, "ebs-hub-down");
      const root = freshRoot(image(), suite.work, "root-s5");
      const r = await suite.run("S5", root, ebs, "i-0badc0ffeebadc0f", { hub: { downSeconds: 120 } });
      expectServing(r, node(), "S5");
      expect(r.report!.mkfs.length).toBe(1);
      const firstRequest = Math.min(...hubRequests(r).map((h) => h.t));
      expect(firstRequest).toBeGreaterThanOrEqual(120);
    },
    BOOT_TIMEOUT,
  );
});
