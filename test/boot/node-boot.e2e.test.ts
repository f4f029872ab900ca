// The prod GPU node's rendered user-data, unchanged, booted on real cloud-init and systemd (Debian
// 12 under QEMU, stand-ins only for the GPUs, Docker, the AWS CLI and the model hub; see
// test/boot/harness.ts and test/boot/guest/). Each scenario is one boot, on the same EBS disk where
// the issue says so, and must end serving with no operator action. S4, S5 (fresh disks) and S6 are in
// node-boot-interrupted.e2e.test.ts, which the e2e tier runs beside this file.
import { describe, expect, it } from "vitest";
import { blankVolume, freshRoot } from "./harness";
import { BOOT_TIMEOUT, bootSuite, expectServing, fsUuid, hubRequests, MEASURED_HUB } from "./suite";

const suite = bootSuite("main");
const { image, node } = suite;

describe.sequential("prod GPU node, booted for real", () => {
  let rootA = "";
  let rootB = "";
  let ebs = "";
  const uuids: (string | undefined)[] = [];

  it(
    "S1 first boot: formats the blank cache volume once, downloads both models, serves every port",
    async () => {
      ebs = blankVolume(suite.work, "ebs-main");
      rootA = freshRoot(image(), suite.work, "root-s1");
      const r = await suite.run("S1", rootA, ebs, node().instanceId, { hub: MEASURED_HUB });
      expectServing(r, node(), "S1");
      expect(r.report!.mkfs.length).toBe(1);
      expect(r.report!.ebs.links).toEqual([`/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${node().volumeId.replace("-", "")}`]);
      expect(hubRequests(r).length).toBeGreaterThan(0);
      // Credentials never follow the hub's redirect to the CDN (a different host).
      expect(hubRequests(r).filter((h) => h.host === "127.0.0.2" && h.auth)).toEqual([]);
      uuids.push(fsUuid(r));
    },
    BOOT_TIMEOUT,
  );

  it(
    "S2 reboot: no mkfs, no hub request, serving again",
    async () => {
      const r = await suite.run("S2", rootA, ebs, node().instanceId);
      expectServing(r, node(), "S2");
      expect(r.report!.mkfs).toEqual([]);
      expect(hubRequests(r)).toEqual([]);
      uuids.push(fsUuid(r));
    },
    BOOT_TIMEOUT,
  );

  it(
    "S3 replacement (new instance id, fresh root, same EBS): no mkfs, no hub request, serving",
    async () => {
      rootB = freshRoot(image(), suite.work, "root-s3");
      const r = await suite.run("S3", rootB, ebs, "i-0feedfacefeedface");
      expectServing(r, node(), "S3");
      expect(r.report!.instanceId).toBe("i-0feedfacefeedface");
      expect(r.report!.mkfs).toEqual([]);
      expect(hubRequests(r)).toEqual([]);
      uuids.push(fsUuid(r));
      // mkfs ran exactly once across S1-S3: the filesystem S1 made is the one S3 mounts.
      expect(new Set(uuids).size).toBe(1);
      expect(uuids[0]).toMatch(/^[0-9a-f-]{36}$/);
    },
    BOOT_TIMEOUT,
  );

  it(
    "S7 Docker Hub unreachable, image already present (reboot of S3's instance): no pull, no hub request, serving",
    async () => {
      const r = await suite.run("S7", rootB, ebs, "i-0feedfacefeedface", { registryDown: true });
      expectServing(r, node(), "S7");
      expect(r.report!.docker.filter((d) => d.argv[0] === "pull")).toEqual([]);
      expect(hubRequests(r)).toEqual([]);
    },
    BOOT_TIMEOUT,
  );
});
