// The prod GPU node's rendered user-data, unchanged, booted on real cloud-init and systemd (Debian
// 12 under QEMU, stand-ins only for the GPUs, Docker, the AWS CLI and the model hub; see
// test/boot/harness.ts and test/boot/guest/). Each scenario is one boot, on the same EBS disk where
// the issue says so, and must end serving with no operator action.
import { writeFileSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_PATHS } from "../../components/contract";
import { blankVolume, boot, BootResult, buildImage, CACHE_DIR, freshRoot, GuestImage, PlannedNode, planNode, Scenario } from "./harness";

const WORK = join(CACHE_DIR, "runs");
const BOOT_TIMEOUT = 12 * 60_000;

let image: GuestImage;
let node: PlannedNode;
const table: { scenario: string; wallSeconds: number; healthyAtUptime: number | null; downloadSeconds: number | null; result: string }[] = [];
/**
 * The first boot's hub: 256 KiB shards (35 of them, 9 MB for both models) at 128 KiB/s per
 * connection, slow enough that the throttle, not the emulated CPU, sets the pace.
 */
const MEASURED_HUB = { shardBytes: 256 << 10, throttleBps: 128 << 10 };

beforeAll(() => {
  image = buildImage();
  node = planNode("prod", "gpu-0", WORK);
}, 20 * 60_000);

afterAll(() => {
  const lines = [
    "scenario  wall s  healthy at (uptime s)  download s  result",
    ...table.map(
      (r) => `${r.scenario.padEnd(8)}  ${r.wallSeconds.toFixed(0).padStart(6)}  ${String(r.healthyAtUptime ?? "-").padStart(21)}  ${String(r.downloadSeconds ?? "-").padStart(10)}  ${r.result}`,
    ),
  ];
  writeFileSync(join(WORK, "summary.txt"), `${lines.join("\n")}\n`);
  console.log(lines.join("\n"));
});

async function run(label: string, rootDisk: string, ebsDisk: string, instanceId: string, scenario: Scenario = {}): Promise<BootResult> {
  const r = await boot({ image, node, rootDisk, ebsDisk, instanceId, scenario, dir: WORK, label });
  table.push({
    scenario: label,
    wallSeconds: r.wallSeconds,
    healthyAtUptime: r.report?.allHealthyAt ?? null,
    downloadSeconds: r.report ? downloadSeconds(r) : null,
    result: r.powerCut ? "power cut" : r.report ? (r.report.failed.length ? "failed units" : "report") : "no report",
  });
  return r;
}

/** Serving with no operator action: what every scenario ends with. */
function expectServing(r: BootResult, label: string): void {
  expect(r.report, `${label}: the guest wrote no report; see ${r.resultsDir}/../console.log`).not.toBeNull();
  const rep = r.report!;
  const why = `${label}: ${JSON.stringify(rep.journals).slice(0, 4000)}`;
  expect(rep.cloudInit.status, label).toMatch(/^status: done/);
  expect(rep.cloudInit.result?.v1.errors, label).toEqual([]);
  expect(rep.failed, why).toEqual([]);
  // Every SGLang-side unit is up (the router image build is a oneshot: active/exited), and each
  // replica and router process runs.
  for (const unit of Object.keys(rep.units).filter((u) => /^sglang-.*\.service$/.test(u) && !u.endsWith("-workers.service")))
    expect(`${unit} ${rep.units[unit].ActiveState}`, why).toBe(`${unit} active`);
  for (const unit of [...node.replicas.map((r) => r.unit), ...node.routers.map((r) => `sglang-router-${r.service}.service`)])
    expect(`${unit} ${rep.units[unit]?.ActiveState}/${rep.units[unit]?.SubState}`, why).toBe(`${unit} active/running`);
  expect(
    Object.entries(rep.checks)
      .filter(([, ok]) => !ok)
      .map(([k]) => k),
    why,
  ).toEqual([]);

  // Each SGLang unit runs exactly the plan's replica: its GPUs, its port, the builder's argv.
  for (const p of node.replicas) {
    const runs = rep.docker.filter((d) => d.argv[0] === "run" && d.argv.includes(p.container));
    expect(runs.length, `${label}: docker run of ${p.container}`).toBeGreaterThan(0);
    const argv = runs[runs.length - 1].argv;
    expect(argv[argv.indexOf("--gpus") + 1]).toBe(`"device=${p.gpus.join(",")}"`);
    // The planned port is the container's (published as is, or on loopback behind the front proxy).
    expect(argv[argv.indexOf("--publish") + 1]).toMatch(new RegExp(`:${p.port}$`));
    expect(argv.slice(-p.launchArgs.length)).toEqual(p.launchArgs);
    const server = rep.servers.filter((s) => s.kind === "sglang" && s.argv.includes(String(p.port)) && s.argv[s.argv.indexOf("--port") + 1] === String(p.port)).pop();
    expect(server, `${label}: the SGLang process on port ${p.port}`).toBeDefined();
    expect(server!.argv.slice(0, p.launchArgs.length)).toEqual(p.launchArgs);
    const extra = server!.argv.slice(p.launchArgs.length);
    expect(extra.length === 0 || (extra.join(" ") === "--api-key <api-key>" && server!.apiKeyFromEnv === true), `${label}: extra SGLang args ${extra.join(" ")}`).toBe(true);
    expect(server!.gpus).toEqual(p.gpus.map(String));
  }

  // Secrets fetched at boot (download tokens, API keys) are files on tmpfs that only their one
  // reader (root, or the front proxy's user) may read.
  const secrets = rep.secrets.filter((s) => s.path.startsWith(`${NODE_PATHS.secrets}/`) || s.path.includes("api-key"));
  expect(secrets.length, label).toBeGreaterThan(0);
  for (const s of secrets) expect(`${s.path} ${["0o600", "0o400"].includes(s.mode)} ${s.fstype}`).toBe(`${s.path} true tmpfs`);
}

/** The download as the hub saw it: from the first request (a listing) to the last file request's end. */
function downloadSeconds(r: BootResult): number | null {
  const t = r.report!.hub.filter((h) => h.path !== undefined).map((h) => h.t);
  return t.length ? Math.round((Math.max(...t) - Math.min(...t)) * 10) / 10 : null;
}

const hubRequests = (r: BootResult) => r.report!.hub.filter((h) => h.path !== undefined);
const fsUuid = (r: BootResult) => /^UUID=(.*)$/m.exec(r.report!.ebs.blkid ?? "")?.[1];

describe.sequential("prod GPU node, booted for real", () => {
  let rootA = "";
  let rootB = "";
  let ebs = "";
  const uuids: (string | undefined)[] = [];

  it(
    "S1 first boot: formats the blank cache volume once, downloads both models, serves every port",
    async () => {
      ebs = blankVolume(WORK, "ebs-main");
      rootA = freshRoot(image, WORK, "root-s1");
      const r = await run("S1", rootA, ebs, node.instanceId, { hub: MEASURED_HUB });
      expectServing(r, "S1");
      expect(r.report!.mkfs.length).toBe(1);
      expect(r.report!.ebs.links).toEqual([`/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${node.volumeId.replace("-", "")}`]);
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
      const r = await run("S2", rootA, ebs, node.instanceId);
      expectServing(r, "S2");
      expect(r.report!.mkfs).toEqual([]);
      expect(hubRequests(r)).toEqual([]);
      uuids.push(fsUuid(r));
    },
    BOOT_TIMEOUT,
  );

  it(
    "S3 replacement (new instance id, fresh root, same EBS): no mkfs, no hub request, serving",
    async () => {
      rootB = freshRoot(image, WORK, "root-s3");
      const r = await run("S3", rootB, ebs, "i-0feedfacefeedface");
      expectServing(r, "S3");
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
      const r = await run("S7", rootB, ebs, "i-0feedfacefeedface", { registryDown: true });
      expectServing(r, "S7");
      expect(r.report!.docker.filter((d) => d.argv[0] === "pull")).toEqual([]);
      expect(hubRequests(r)).toEqual([]);
    },
    BOOT_TIMEOUT,
  );

  it(
    "S6 the GPU check fails once (one GPU missing while the fabric comes up): it retries and the node serves",
    async () => {
      const r = await run("S6", rootB, ebs, "i-0feedfacefeedface", { gpuFailOnce: true });
      expectServing(r, "S6");
      expect(r.report!.nvidiaSmi.filter((c) => c === "-L").length).toBeGreaterThan(1);
      expect(Number(r.report!.units["qwen-gpu-check.service"].NRestarts)).toBeGreaterThan(0);
    },
    BOOT_TIMEOUT,
  );
});

describe.sequential("prod GPU node, interrupted downloads", () => {
  it(
    "S4 power cut mid-download, then boot: resumes and serves",
    async () => {
      const ebs = blankVolume(WORK, "ebs-cut");
      const root = freshRoot(image, WORK, "root-s4");
      // Slow enough that the cut lands inside the first model.
      const slow = { hub: { shardBytes: 1 << 20, throttleBps: 1 << 20 } };
      const cut = await run("S4-cut", root, ebs, node.instanceId, { ...slow, powerCutAtBytes: 4 << 20 });
      expect(cut.powerCut, "the power was cut mid-download").toBe(true);
      const r = await run("S4", root, ebs, node.instanceId, slow);
      expectServing(r, "S4");
      expect(r.report!.mkfs).toEqual([]);
    },
    2 * BOOT_TIMEOUT,
  );

  it(
    "S5 hub down for the first two minutes of a first boot: the download retries by itself and the node serves",
    async () => {
      const ebs = blankVolume(WORK, "ebs-hub-down");
      const root = freshRoot(image, WORK, "root-s5");
      const r = await run("S5", root, ebs, "i-0badc0ffeebadc0f", { hub: { downSeconds: 120 } });
      expectServing(r, "S5");
      expect(r.report!.mkfs.length).toBe(1);
      const firstRequest = Math.min(...hubRequests(r).map((h) => h.t));
      expect(firstRequest).toBeGreaterThanOrEqual(120);
    },
    BOOT_TIMEOUT,
  );
});
