// Boots a node's rendered user-data for real: Debian 12 with cloud-init and systemd under QEMU,
// stand-ins only for the GPUs, Docker, the AWS CLI and the model hub (test/boot/guest/), an NVMe
// disk named like the node's EBS volume, and a JSON report read back from the guest's second
// serial port. The user-data is taken from the plan the project's own CLI prints (`npm run plan
// -- --json`): exactly what the instance would carry, gzipped.
import { execFileSync, spawn, spawnSync } from "child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { join, resolve } from "path";
import { PORTS, TAGS } from "../../components/contract";

export const ROOT = resolve(__dirname, "../..");
/** Built images (git-ignored), keyed by scripts/boot/build-image.sh on their inputs. */
export const CACHE_DIR = join(ROOT, ".cache/boot");

export function requireBootTools(): void {
  for (const tool of ["qemu-system-x86_64", "qemu-img", "cloud-localds", "mmdebstrap", "mkfs.ext4", "tar"]) {
    if (spawnSync("bash", ["-c", `command -v ${tool}`]).status !== 0)
      throw new Error(`${tool} is not installed: bash scripts/install-test-tools.sh installs the boot test's tools (qemu-system-x86, qemu-utils, cloud-image-utils, mmdebstrap)`);
  }
}

export interface GuestImage {
  readonly dir: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly rootImage: string;
}

/** Builds (or finds in the cache) the guest image; about 2 minutes from cold, seconds when cached. */
export function buildImage(): GuestImage {
  requireBootTools();
  const out = execFileSync("bash", [join(ROOT, "scripts/boot/build-image.sh"), CACHE_DIR], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 15 * 60_000 });
  const dir = resolve(ROOT, out.trim().split("\n").pop()!);
  return { dir, kernel: join(dir, "vmlinuz"), initrd: join(dir, "initrd.img"), rootImage: join(dir, "root.img") };
}

export interface PlannedReplica {
  readonly service: string;
  readonly replica: number;
  readonly unit: string;
  readonly container: string;
  readonly gpus: readonly number[];
  readonly port: number;
  readonly launchArgs: readonly string[];
}

export interface PlannedNode {
  readonly stack: string;
  readonly node: string;
  /** The instance's user data as EC2 gets it: the gzipped #cloud-config. */
  readonly userData: Buffer;
  readonly instanceId: string;
  readonly volumeId: string;
  readonly replicas: readonly PlannedReplica[];
  /** Every port the node should answer on, the path that says it is healthy, and the answers that count (default 200). */
  readonly checks: readonly { port: number; path: string; status?: readonly number[] }[];
  readonly routers: readonly { service: string; port: number; metricsPort: number }[];
}

interface PlanJson {
  services: { name: string; placement: { node: string; gpus: number[]; port: number; launchArgs: string[] }[]; router?: { node: string; port: number; metricsPort: number } }[];
  resources: { type: string; name: string; parent?: string; inputs: Record<string, unknown> }[];
}

/** Runs `npm run plan -- --stack <stack> --json` and picks one node's user data, volume and replicas. */
export function planNode(stack: string, node: string, workDir: string): PlannedNode {
  const out = join(workDir, `plan-${stack}`);
  rmSync(out, { recursive: true, force: true });
  const json = execFileSync("npm", ["run", "-s", "plan", "--", "--stack", stack, "--json", "--out", out], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20, timeout: 120_000 });
  const plan = JSON.parse(json) as PlanJson;
  const instance = plan.resources.find((r) => r.type === "aws:ec2/instance:Instance" && (r.inputs.tags as Record<string, string> | undefined)?.[TAGS.node] === node);
  if (!instance) throw new Error(`plan of ${stack} has no instance for node ${node}`);
  const attachment = plan.resources.find((r) => r.type === "aws:ec2/volumeAttachment:VolumeAttachment" && r.parent === instance.parent);
  if (!attachment) throw new Error(`plan of ${stack}: no volume attachment beside ${instance.name}`);
  const replicas: PlannedReplica[] = plan.services.flatMap((s) =>
    s.placement.flatMap((p, replica) =>
      p.node === node
        ? [{ service: s.name, replica, unit: `sglang-${s.name}-${replica}.service`, container: `sglang-${s.name}-${replica}`, gpus: p.gpus, port: p.port, launchArgs: p.launchArgs }]
        : [],
    ),
  );
  const routers = plan.services.flatMap((s) => (s.router && s.router.node === node ? [{ service: s.name, port: s.router.port, metricsPort: s.router.metricsPort }] : []));
  const checks = [
    ...replicas.map((r) => ({ port: r.port, path: "/health" })),
    ...routers.flatMap((r) => [
      { port: r.port, path: "/health" },
      // Behind the front proxy a router's metrics answer the monitoring subnet only: 403 to loopback.
      { port: r.metricsPort, path: "/metrics", status: [200, 403] },
    ]),
    { port: PORTS.nodeExporter, path: "/metrics" },
    { port: PORTS.dcgmExporter, path: "/metrics" },
  ];
  return {
    stack,
    node,
    userData: Buffer.from(instance.inputs.userDataBase64 as string, "base64"),
    instanceId: attachment.inputs.instanceId as string,
    volumeId: attachment.inputs.volumeId as string,
    replicas,
    checks,
    routers,
  };
}

/** What the guest reports (test/boot/guest/rootfs/usr/lib/qtest/report.py). */
export interface BootReport {
  uptime: number;
  allHealthyAt: number | null;
  firstHealthy: Record<string, number>;
  checks: Record<string, boolean>;
  cloudInit: { result: { v1: { errors: string[]; datasource: string } } | null; status: string };
  instanceId: string;
  failed: string[];
  units: Record<string, Record<string, string>>;
  docker: { t: number; argv: string[] }[];
  servers: { t: number; kind: string; argv: string[]; apiKeyFromEnv?: boolean; gpus?: string[] }[];
  hub: { t: number; host?: string; method?: string; path?: string; status?: number; bytes?: number; event?: string; auth?: boolean }[];
  mkfs: string[];
  aws: string[];
  nvidiaSmi: string[];
  secrets: { path: string; mode: string; uid: number; fstype: string }[];
  ebs: { links: string[]; blkid: string | null };
  models: { mount: string | null; markers: string[] };
  fstab: string | null;
  journals: Record<string, string>;
}

/** Scenario settings the guest's stand-ins read (defaults in guest/rootfs/usr/lib/qtest/scenario.py). */
export interface Scenario {
  gpus?: number;
  gpuFailOnce?: boolean;
  nvswitch?: boolean;
  fabricSeconds?: number;
  registryDown?: boolean;
  pullSeconds?: number;
  sglangLoadSeconds?: number;
  hub?: { downSeconds?: number; shardBytes?: number; throttleBps?: number; failOnce?: boolean };
  checks?: readonly { port: number; path: string; status?: readonly number[] }[];
  deadlineSeconds?: number;
  settleSeconds?: number;
  powerCutAtBytes?: number;
}

export interface BootResult {
  /** Null when the guest never wrote one (a power cut, a hang). */
  readonly report: BootReport | null;
  readonly powerCut: boolean;
  readonly wallSeconds: number;
  readonly console: string;
  /** Where the guest's logs and journal were unpacked. */
  readonly resultsDir: string;
}

export interface Machine {
  readonly name: string;
  readonly dir: string;
  readonly rootDisk: string;
  readonly ebsDisk: string;
}

/** A fresh root disk (a copy-on-write overlay of the image: what a new instance boots from). */
export function freshRoot(image: GuestImage, dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.qcow2`);
  rmSync(path, { force: true });
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", image.rootImage, path]);
  return path;
}

/** A blank EBS volume (sparse). */
export function blankVolume(dir: string, name: string, sizeMiB = 1024): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.img`);
  rmSync(path, { force: true });
  execFileSync("truncate", ["-s", `${sizeMiB}M`, path]);
  return path;
}

/** KVM only where it really runs guests: on PVM hosts (kvm_pvm, no vmx/svm) a guest never starts. */
export function kvmWorks(): boolean {
  if (!existsSync("/dev/kvm") || existsSync("/sys/module/kvm_pvm")) return false;
  return /\b(vmx|svm)\b/.test(readFileSync("/proc/cpuinfo", "utf8"));
}

const BEGIN = "=====QTEST-REPORT-BEGIN=====";
const END = "=====QTEST-REPORT-END=====";

/** Boots once: the node's user data on a NoCloud seed, the given root and EBS disks. */
export async function boot(opts: {
  image: GuestImage;
  node: PlannedNode;
  rootDisk: string;
  ebsDisk: string;
  instanceId: string;
  scenario: Scenario;
  dir: string;
  label: string;
  timeoutSeconds?: number;
}): Promise<BootResult> {
  const dir = join(opts.dir, opts.label);
  // BOOT_REPLAY=1 re-reads the last run's serial output instead of booting (to work on assertions).
  if (process.env.BOOT_REPLAY === "1" && existsSync(join(dir, "report.log"))) return readResult(dir, 0);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "user-data"), opts.node.userData);
  writeFileSync(join(dir, "meta-data"), `instance-id: ${opts.instanceId}\nlocal-hostname: ${opts.node.node}\n`);
  execFileSync("cloud-localds", [join(dir, "seed.img"), join(dir, "user-data"), join(dir, "meta-data")]);
  const results = join(dir, "results.img");
  execFileSync("truncate", ["-s", "64M", results]);
  const scenario = { checks: opts.node.checks, ...opts.scenario };
  const cmdline = ["root=/dev/vda", "rw", "console=ttyS0", "quiet", "modprobe.blacklist=floppy", "systemd.show_status=0", `qtest=${Buffer.from(JSON.stringify(scenario)).toString("base64")}`].join(
    " ",
  );
  const accel = kvmWorks() ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg,thread=multi", "-cpu", "max"];
  const args = [
    ...accel,
    "-smp",
    "2",
    "-m",
    "3072",
    "-nic",
    "none",
    "-no-reboot",
    "-display",
    "none",
    "-monitor",
    "none",
    "-serial",
    `file:${join(dir, "console.log")}`,
    "-serial",
    `file:${join(dir, "report.log")}`,
    "-kernel",
    opts.image.kernel,
    "-initrd",
    opts.image.initrd,
    "-append",
    cmdline,
    "-drive",
    `if=none,id=root,file=${opts.rootDisk},format=qcow2`,
    "-device",
    "virtio-blk-pci,drive=root",
    "-drive",
    `if=none,id=seed,file=${join(dir, "seed.img")},format=raw,readonly=on`,
    "-device",
    "virtio-blk-pci,drive=seed",
    "-drive",
    `if=none,id=results,file=${results},format=raw`,
    "-device",
    "virtio-blk-pci,drive=results,serial=qtest-results",
    // Nitro exposes an EBS volume as NVMe with the volume id (without the dash) as serial.
    "-drive",
    `if=none,id=ebs,file=${opts.ebsDisk},format=raw`,
    "-device",
    `nvme,serial=${opts.node.volumeId.replace("-", "")},drive=ebs`,
  ];
  const started = Date.now();
  const timeout = (opts.timeoutSeconds ?? (scenario.deadlineSeconds ?? 480) + 120) * 1000;
  await new Promise<void>((done, fail) => {
    const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
    // A guest must not outlive the test run that started it.
    const orphan = () => qemu.kill("SIGKILL");
    process.once("exit", orphan);
    qemu.on("exit", () => process.removeListener("exit", orphan));
    let stderr = "";
    qemu.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => qemu.kill("SIGKILL"), timeout);
    qemu.on("error", fail);
    qemu.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal) fail(new Error(`${opts.label}: QEMU killed after ${timeout / 1000}s (${signal}); console: ${join(dir, "console.log")}`));
      else if (code !== 0) fail(new Error(`${opts.label}: QEMU exited ${code}: ${stderr}`));
      else done();
    });
  });
  const result = readResult(dir, (Date.now() - started) / 1000);
  rmSync(results, { force: true });
  return result;
}

function readResult(dir: string, wallSeconds: number): BootResult {
  const results = join(dir, "results.img");
  const serial = readFileSync(join(dir, "report.log"), "utf8");
  const a = serial.indexOf(BEGIN);
  const b = serial.indexOf(END);
  const report = a >= 0 && b > a ? (JSON.parse(serial.slice(a + BEGIN.length, b)) as BootReport) : null;
  const resultsDir = join(dir, "results");
  mkdirSync(resultsDir, { recursive: true });
  if (report && existsSync(results)) spawnSync("tar", ["-xf", results, "-C", resultsDir]);
  return { report, powerCut: serial.includes("=====QTEST-POWER-CUT====="), wallSeconds, console: readFileSync(join(dir, "console.log"), "utf8"), resultsDir };
}
