// What the boot test files share: one guest image and the prod plan per file, a boot that records
// a row of the scenario table, and what every scenario must end with (serving, no operator
// action). The scenarios are split over two files (node-boot, node-boot-interrupted) so that the
// e2e tier runs them side by side: much of a boot is the guest waiting (a throttled hub, a hub
// that is down, a back-off), not the emulated CPU.
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, expect } from "vitest";
import { NODE_PATHS } from "../../components/contract";
import { boot, BootResult, buildImage, CACHE_DIR, GuestImage, PlannedNode, planNode, Scenario } from "./harness";

export const BOOT_TIMEOUT = 12 * 60_000;

export interface BootSuite {
  /** This file's folder under .cache/boot/runs: its disks, runs and summary.txt. */
  readonly work: string;
  readonly image: () => GuestImage;
  readonly node: () => PlannedNode;
  run(label: string, rootDisk: string, ebsDisk: string, instanceId: string, scenario?: Scenario): Promise<BootResult>;
}

/**
 * The first boot's hub: 256 KiB shards (35 of them, 9 MB for both models) at 128 KiB/s per
 * connection, slow enough that the throttle, not the emulated CPU, sets the pace.
 */
export const MEASURED_HUB = { shardBytes: 256 << 10, throttleBps: 128 << 10 };

/** Sets up one boot test file: the image and the plan before its first scenario, the table after its last. */
export function bootSuite(name: string): BootSuite {
  const work = join(CACHE_DIR, "runs", name);
  let image: GuestImage;
  let node: PlannedNode;
  const table: { scenario: string; wallSeconds: number; healthyAtUptime: number | null; downloadSeconds: number | null; result: string }[] = [];
  beforeAll(() => {
    mkdirSync(work, { recursive: true });
    image = buildImage();
    node = planNode("prod", "gpu-0", work);
  }, 20 * 60_000);

  afterAll(() => {
    const lines = [
      "scenario  wall s  healthy at (uptime s)  download s  result",
      ...table.map(
        (r) => `${r.scenario.padEnd(8)}  ${r.wallSeconds.toFixed(0).padStart(6)}  ${String(r.healthyAtUptime ?? "-").padStart(21)}  ${String(r.downloadSeconds ?? "-").padStart(10)}  ${r.result}`,
      ),
    ];
    writeFileSync(join(work, "summary.txt"), `${lines.join("\n")}\n`);
    console.log(lines.join("\n"));
  });

  async function run(label: string, rootDisk: string, ebsDisk: string, instanceId: string, scenario: Scenario = {}): Promise<BootResult> {
    const r = await boot({ image, node, rootDisk, ebsDisk, instanceId, scenario, dir: work, label });
    table.push({
      scenario: label,
      wallSeconds: r.wallSeconds,
      healthyAtUptime: r.report?.allHealthyAt ?? null,
      downloadSeconds: r.report ? downloadSeconds(r) : null,
      result: r.powerCut ? "power cut" : r.report ? (r.report.failed.length ? "failed units" : "report") : "no report",
    });
    return r;
  }
  return { work, image: () => image, node: () => node, run };
}

/** Serving with no operator action: what every scenario ends with. */
export function expectServing(r: BootResult, node: PlannedNode, label: string): void {
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

export const hubRequests = (r: BootResult) => r.report!.hub.filter((h) => h.path !== undefined);
export const fsUuid = (r: BootResult) => /^UUID=(.*)$/m.exec(r.report!.ebs.blkid ?? "")?.[1];
