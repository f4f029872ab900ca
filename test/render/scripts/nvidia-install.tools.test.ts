import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeEach, describe, expect, it } from "vitest";
import { renderNvidiaInstallScript } from "../../../components/render/aws/nvidia-install";
import { run, swapLines } from "../../support/tools";
import { NODE_PATHS } from "../../../components/contract";

// The deployed install script in a sandbox: apt, dpkg, nvidia-ctk, systemctl and friends are stubs
// over a fake package database, and the four system paths it writes (keyring, apt list, Docker's
// daemon.json, the state folder) are swapped for sandbox paths, the only difference checked below.
let box: string;

const STUBS: Record<string, string> = {
  "dpkg-query": `# -W -f=FORMAT PKG: status or version from the fake database
pkg="\${!#}"; line=$(grep "^$pkg " "$DB" || true)
[[ -n "$line" ]] || exit 1
case "$*" in *Status*) echo "install ok installed" ;; *) echo "\${line#* }" ;; esac`,
  "apt-get": `for a in "$@"; do
  case "$a" in
    -*|install|update|DPkg*) ;;
    *=*) echo "\${a%%=*} \${a#*=}" >> "$DB" ;;
    nvidia-driver-580-server-open) echo "$a 580.95.05-0ubuntu0.24.04.2" >> "$DB" ;;
    *) echo "$a 1.0" >> "$DB" ;;
  esac
done`,
  "apt-cache": `[[ "$1" == madison ]] && cat "$MADISON"`,
  "apt-mark": "",
  curl: `echo "deb https://nvidia.github.io/libnvidia-container/stable/deb/\\$(ARCH) /"`,
  gpg: `out=""; while [[ $# -gt 0 ]]; do [[ "$1" == -o ]] && out="$2"; shift; done; cat > "$out"`,
  "nvidia-ctk": `cfg="\${!#}"; cfg="\${cfg#--config=}"; echo '{"runtimes":{"nvidia":{"path":"nvidia-container-runtime"}}}' > "$cfg"`,
  systemctl: "",
  "nvidia-smi": "echo 580.95.05",
  modprobe: "",
  docker: "",
  aws: "",
  uname: "echo 6.8.0-1044-aws",
};

function sandboxed(script: string): string {
  const swaps: [string, string][] = [
    ["KEYRING=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg", `KEYRING=${box}/keyring.gpg`],
    ["REPO_LIST=/etc/apt/sources.list.d/nvidia-container-toolkit.list", `REPO_LIST=${box}/nvidia.list`],
    ["DOCKER_CONFIG=/etc/docker/daemon.json", `DOCKER_CONFIG=${box}/daemon.json`],
    [`STATE_DIR='${NODE_PATHS.state}'`, `STATE_DIR='${box}/state'`],
  ];
  return swapLines(script, swaps);
}

async function install(nvswitch: boolean) {
  const file = path.join(box, "install.sh");
  fs.writeFileSync(file, sandboxed(renderNvidiaInstallScript({ nvswitch })));
  fs.writeFileSync(path.join(box, "calls"), "");
  const r = await run("bash", [file], { env: { PATH: `${box}/bin:/usr/bin:/bin`, DB: `${box}/db`, MADISON: `${box}/madison` } });
  return { ...r, calls: fs.readFileSync(path.join(box, "calls"), "utf8").trim().split("\n").filter(Boolean) };
}

beforeEach(() => {
  box = fs.mkdtempSync(path.join(os.tmpdir(), "nvidia-install-"));
  fs.mkdirSync(path.join(box, "bin"));
  fs.writeFileSync(path.join(box, "db"), "");
  fs.writeFileSync(
    path.join(box, "madison"),
    [
      " nvidia-fabricmanager-580 | 580.105.08-0ubuntu0.24.04.1 | http://archive.ubuntu.com/ubuntu noble-updates/multiverse amd64 Packages",
      " nvidia-fabricmanager-580 | 580.95.05-0ubuntu0.24.04.1 | http://archive.ubuntu.com/ubuntu noble-updates/multiverse amd64 Packages",
    ].join("\n") + "\n",
  );
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(box, "bin", name), `#!/bin/bash\necho "${name} $*" >> "${box}/calls"\n${body}\n`, { mode: 0o755 });
});

describe("NVIDIA install script (plain Ubuntu)", () => {
  it("installs driver, toolkit and the Fabric Manager build of the driver's exact version, holds them, and a second run changes nothing", async () => {
    const first = await install(true);
    expect(first.code).toBe(0);
    const db = fs.readFileSync(path.join(box, "db"), "utf8");
    expect(db).toContain("nvidia-driver-580-server-open 580.95.05-0ubuntu0.24.04.2\n");
    expect(db).toContain("nvidia-fabricmanager-580 580.95.05-0ubuntu0.24.04.1\n");
    expect(db).toContain("nvidia-container-toolkit 1.0\n");
    expect(first.calls).toContain("apt-mark hold nvidia-driver-580-server-open nvidia-utils-580-server nvidia-fabricmanager-580");
    expect(first.calls).toContain(`nvidia-ctk runtime configure --runtime=docker --config=${box}/daemon.json`);
    expect(first.calls.filter((c) => c === "systemctl restart docker")).toHaveLength(1);
    expect(fs.readFileSync(path.join(box, "nvidia.list"), "utf8")).toContain(`deb [signed-by=${box}/keyring.gpg] https://nvidia.github.io/`);

    const dbBefore = fs.readFileSync(path.join(box, "db"), "utf8");
    const second = await install(true);
    expect(second.code).toBe(0);
    expect(second.calls.filter((c) => c.startsWith("apt-get") || c.startsWith("curl") || c === "systemctl restart docker")).toEqual([]);
    expect(fs.readFileSync(path.join(box, "db"), "utf8")).toBe(dbBefore);
  });

  it("refuses an NVSwitch node when no Fabric Manager build matches the driver", async () => {
    fs.writeFileSync(path.join(box, "madison"), " nvidia-fabricmanager-580 | 580.105.08-0ubuntu0.24.04.1 | http://archive.ubuntu.com/ubuntu noble-updates/multiverse amd64 Packages\n");
    const r = await install(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no nvidia-fabricmanager-580 build for driver 580.95.05");
  });

  it("installs no Fabric Manager on a PCIe node", async () => {
    const r = await install(false);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(box, "db"), "utf8")).not.toContain("fabricmanager");
    expect(r.calls).toContain("apt-mark hold nvidia-driver-580-server-open nvidia-utils-580-server");
  });
});
