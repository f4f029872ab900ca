import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeEach, describe, expect, it } from "vitest";
import { ebsDevicePath, renderMountCacheScript } from "../../../components/render/aws/mount-cache";
import { run, shellcheck, swapLines } from "../../support/tools";
import { NODE_PATHS } from "../../../components/contract";

// The deployed script run by bash in a sandbox: blkid, mkfs.xfs, mount, mountpoint and sleep are
// stubs over a fake device state, and the script's three system paths (the by-id device, the
// mount point, /etc/fstab) are swapped for sandbox paths. The test checks those three constant
// lines are the only difference from the deployed text.
const VOL = "vol-0123456789abcdef0";

const STUBS: Record<string, string> = {
  blkid: `#!/bin/bash
echo "blkid $*" >> "$STATE/calls"
dev="\${!#}"
[[ -e "$dev" ]] || exit 2
if [[ -f "$STATE/probe-exit" ]]; then exit "$(cat "$STATE/probe-exit")"; fi
[[ -f "$STATE/fs" ]] || exit 2
read -r type uuid < "$STATE/fs"
case "$*" in
  *"-s TYPE"*) echo "$type" ;;
  *"-s UUID"*) echo "$uuid" ;;
esac
`,
  "mkfs.xfs": `#!/bin/bash
echo "mkfs.xfs $*" >> "$STATE/calls"
if [[ -f "$STATE/fs" ]]; then echo "mkfs.xfs: existing filesystem, use -f" >&2; exit 1; fi
echo "xfs 11111111-2222-3333-4444-555555555555" > "$STATE/fs"
`,
  mount: `#!/bin/bash
echo "mount $*" >> "$STATE/calls"
grep -q " $1 " "$SANDBOX_FSTAB" || { echo "mount: $1 not in fstab" >&2; exit 1; }
touch "$STATE/mounted"
`,
  mountpoint: `#!/bin/bash
echo "mountpoint $*" >> "$STATE/calls"
[[ -f "$STATE/mounted" ]]
`,
  // systemd on the node: a mount unit exists for the mount point only after a boot that read its fstab line.
  systemctl: `#!/bin/bash
echo "systemctl $*" >> "$STATE/calls"
case "$1" in
  show) if [[ -f "$STATE/unit-loaded" ]]; then echo loaded; else echo not-found; fi ;;
  start) touch "$STATE/mounted" ;;
esac
`,
  // xfs_growfs reports a grown data section only when the volume under it was grown.
  xfs_growfs: `#!/bin/bash
echo "xfs_growfs $*" >> "$STATE/calls"
if [[ -f "$STATE/volume-grown" ]]; then echo "data blocks changed from 26214400 to 52428800"; else echo "data size unchanged, skipping"; fi
`,
  resize2fs: `#!/bin/bash
echo "resize2fs $*" >> "$STATE/calls"
echo "The filesystem is already 26214400 (4k) blocks long.  Nothing to do!"
`,
  sleep: `#!/bin/bash
echo "sleep $*" >> "$STATE/calls"
# The volume attaches while the script waits.
if [[ -f "$STATE/attach-on-sleep" ]]; then ln -sf "$STATE/nvme1n1" "$SANDBOX_DEVICE"; fi
`,
};

let box: string;
let state: string;
let device: string;
let mountPoint: string;
let fstab: string;
let stubs: string;

function sandboxed(script: string): string {
  const swaps: [string, string][] = [
    [`DEVICE='${ebsDevicePath(VOL)}'`, `DEVICE='${device}'`],
    [`MOUNT_POINT='${NODE_PATHS.models}'`, `MOUNT_POINT='${mountPoint}'`],
    ["FSTAB='/etc/fstab'", `FSTAB='${fstab}'`],
  ];
  return swapLines(script, swaps);
}

async function runMount(opts: { waitSeconds?: number } = {}) {
  const file = path.join(box, "mount-cache.sh");
  fs.writeFileSync(file, sandboxed(renderMountCacheScript({ volumeId: VOL, ...opts })), { mode: 0o755 });
  fs.writeFileSync(path.join(state, "calls"), "");
  const r = await run("bash", [file], { env: { PATH: `${stubs}:${process.env.PATH}`, STATE: state, SANDBOX_FSTAB: fstab, SANDBOX_DEVICE: device } });
  return { ...r, calls: fs.readFileSync(path.join(state, "calls"), "utf8").trim().split("\n").filter(Boolean) };
}

const called = (calls: string[], cmd: string) => calls.filter((c) => c.startsWith(`${cmd} `));

beforeEach(() => {
  box = fs.mkdtempSync(path.join(os.tmpdir(), "mount-cache-"));
  state = path.join(box, "state");
  stubs = path.join(box, "bin");
  fs.mkdirSync(state);
  fs.mkdirSync(stubs);
  fs.mkdirSync(path.join(box, "by-id"));
  device = path.join(box, "by-id", `nvme-Amazon_Elastic_Block_Store_${VOL.replace("-", "")}`);
  mountPoint = path.join(box, "models");
  fstab = path.join(box, "fstab");
  fs.writeFileSync(fstab, "LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1\n");
  fs.writeFileSync(path.join(state, "nvme1n1"), "");
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), body, { mode: 0o755 });
});

describe("mount-cache script", () => {
  it("passes shellcheck with no findings", async () => {
    const file = path.join(box, "deployed.sh");
    fs.writeFileSync(file, renderMountCacheScript({ volumeId: VOL }));
    expect(await shellcheck([file])).toBe("");
  });

  it("waits for the volume, formats the blank device once, and a second run changes nothing", async () => {
    fs.writeFileSync(path.join(state, "attach-on-sleep"), "");
    const first = await runMount();
    expect(first.code).toBe(0);
    expect(called(first.calls, "sleep").length).toBeGreaterThan(0);
    expect(called(first.calls, "mkfs.xfs")).toEqual([`mkfs.xfs -q -L qwen-models ${path.join(state, "nvme1n1")}`]);
    expect(called(first.calls, "mount")).toEqual([`mount ${mountPoint}`]);
    const fstabAfterFirst = fs.readFileSync(fstab, "utf8");
    expect(fstabAfterFirst).toBe(`LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1\nUUID=11111111-2222-3333-4444-555555555555 ${mountPoint} xfs defaults,noatime,nofail 0 2\n`);
    expect(fs.statSync(mountPoint).isDirectory()).toBe(true);

    const second = await runMount();
    expect(second.code).toBe(0);
    expect(called(second.calls, "mkfs.xfs")).toEqual([]);
    expect(called(second.calls, "mount")).toEqual([]);
    expect(called(second.calls, "sleep")).toEqual([]);
    expect(fs.readFileSync(fstab, "utf8")).toBe(fstabAfterFirst);
  });

  it("never formats a device that already holds a filesystem, and mounts it with its own type", async () => {
    fs.symlinkSync(path.join(state, "nvme1n1"), device);
    fs.writeFileSync(path.join(state, "fs"), "ext4 99999999-8888-7777-6666-555555555555\n");
    const r = await runMount();
    expect(r.code).toBe(0);
    expect(called(r.calls, "mkfs.xfs")).toEqual([]);
    expect(fs.readFileSync(fstab, "utf8")).toContain(`UUID=99999999-8888-7777-6666-555555555555 ${mountPoint} ext4 defaults,noatime,nofail 0 2\n`);
    expect(fs.readFileSync(path.join(state, "fs"), "utf8")).toBe("ext4 99999999-8888-7777-6666-555555555555\n");
  });

  it("refuses to format when blkid cannot tell (ambivalent probe)", async () => {
    fs.symlinkSync(path.join(state, "nvme1n1"), device);
    fs.writeFileSync(path.join(state, "probe-exit"), "8");
    const r = await runMount();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not formatting it");
    expect(called(r.calls, "mkfs.xfs")).toEqual([]);
  });

  it("replaces a stale fstab line for the mount point instead of adding a second one", async () => {
    fs.symlinkSync(path.join(state, "nvme1n1"), device);
    fs.appendFileSync(fstab, `UUID=00000000-0000-0000-0000-000000000000 ${mountPoint} xfs defaults,nofail 0 2\n`);
    fs.writeFileSync(path.join(state, "fs"), "xfs 11111111-2222-3333-4444-555555555555\n");
    expect((await runMount()).code).toBe(0);
    const lines = fs.readFileSync(fstab, "utf8").trim().split("\n");
    expect(lines.filter((l) => l.split(/\s+/)[1] === mountPoint)).toEqual([`UUID=11111111-2222-3333-4444-555555555555 ${mountPoint} xfs defaults,noatime,nofail 0 2`]);
    expect(lines).toHaveLength(2);
  });

  it("grows the filesystem into a grown volume at boot (cache.sizeGiB raised), and says so; on an unchanged volume it is a no-op", async () => {
    fs.symlinkSync(path.join(state, "nvme1n1"), device);
    fs.writeFileSync(path.join(state, "fs"), "xfs 11111111-2222-3333-4444-555555555555\n");
    const same = await runMount();
    expect(same.code).toBe(0);
    expect(called(same.calls, "xfs_growfs")).toEqual([`xfs_growfs -d ${mountPoint}`]);
    expect(same.stderr).not.toContain("grew the filesystem");
    fs.writeFileSync(path.join(state, "volume-grown"), "");
    const grown = await runMount();
    expect(grown.code).toBe(0);
    expect(called(grown.calls, "xfs_growfs")).toEqual([`xfs_growfs -d ${mountPoint}`]);
    expect(grown.stderr).toContain(`grew the filesystem at ${mountPoint} to the volume's size`);
    expect(called(grown.calls, "mkfs.xfs")).toEqual([]);
  });

  it("says plainly when the volume never attaches", async () => {
    const r = await runMount({ waitSeconds: 10 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`volume ${VOL} is still not attached after 10s`);
    expect(called(r.calls, "sleep")).toHaveLength(2);
    expect(called(r.calls, "mkfs.xfs")).toEqual([]);
  });

  it("after a boot that read its fstab line, joins systemd's own mount of it instead of racing it with a second mount", async () => {
    fs.symlinkSync(path.join(state, "nvme1n1"), device);
    fs.writeFileSync(path.join(state, "fs"), "xfs 11111111-2222-3333-4444-555555555555\n");
    fs.appendFileSync(fstab, `UUID=11111111-2222-3333-4444-555555555555 ${mountPoint} xfs defaults,noatime,nofail 0 2\n`);
    fs.writeFileSync(path.join(state, "unit-loaded"), "");
    const r = await runMount();
    expect(r.code).toBe(0);
    const unit = (await run("systemd-escape", ["--path", "--suffix=mount", mountPoint])).stdout.trim();
    expect(called(r.calls, "systemctl").filter((c) => c.startsWith("systemctl start"))).toEqual([`systemctl start ${unit}`]);
    expect(called(r.calls, "mount")).toEqual([]);
  });
});
