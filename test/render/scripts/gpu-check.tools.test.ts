import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeEach, describe, expect, it } from "vitest";
import { renderGpuCheckScript } from "../../../components/render/aws/gpu-check";
import { run } from "../../support/tools";
import { IMAGES } from "../../../components/contract";

// The GPU check as deployed, with nvidia-smi, docker and systemctl stubbed to describe a node.
const IMAGE = IMAGES.sglang;
let box: string;

function stub(name: string, body: string) {
  fs.writeFileSync(path.join(box, "bin", name), `#!/bin/bash\necho "${name} $*" >> "${box}/calls"\n${body}\n`, { mode: 0o755 });
}
const gpus = (n: number) => Array.from({ length: n }, (_, i) => `GPU ${i}: NVIDIA H100 80GB HBM3 (UUID: GPU-${i})`).join("\\n");

async function check(opts: { hostGpus: number; containerGpus: number; fabric?: "active" | "dead"; nvswitch?: boolean }) {
  stub("nvidia-smi", `printf '${gpus(opts.hostGpus)}\\n'`);
  stub("docker", `case "$1" in pull) exit 0 ;; run) echo "${opts.containerGpus}" ;; esac`);
  stub("systemctl", opts.fabric === "dead" ? "exit 3" : "exit 0");
  stub("sleep", "");
  const file = path.join(box, "gpu-check.sh");
  fs.writeFileSync(file, renderGpuCheckScript({ expectedGpus: 8, instanceType: "p5.48xlarge", nvswitch: opts.nvswitch ?? true, image: IMAGE }));
  const r = await run("bash", [file], { env: { PATH: `${path.join(box, "bin")}:/usr/bin:/bin` } });
  return { ...r, calls: fs.existsSync(path.join(box, "calls")) ? fs.readFileSync(path.join(box, "calls"), "utf8") : "" };
}

beforeEach(() => {
  box = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-check-"));
  fs.mkdirSync(path.join(box, "bin"));
});

describe("GPU check", () => {
  it("passes when the host and a CUDA container both see every planned GPU", async () => {
    const r = await check({ hostGpus: 8, containerGpus: 8 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("ok: 8 GPUs answer on the host and initialise CUDA");
    expect(r.calls).toContain(`docker run --rm --gpus all ${IMAGE} python3 -c`);
  });

  it("says plainly how many GPUs are missing and fails before pulling anything", async () => {
    const r = await check({ hostGpus: 6, containerGpus: 6 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("FAILED: p5.48xlarge has 8 GPUs but nvidia-smi sees 6");
    expect(r.stderr).toContain("SGLang services on this node stay stopped");
    expect(r.calls).not.toContain("docker");
  });

  it("fails when nvidia-smi is missing entirely (no driver)", async () => {
    const r = await run("bash", [
      "-c",
      `printf '%s' "$0" > ${box}/s.sh && PATH=${box}/bin:/usr/bin:/bin bash ${box}/s.sh`,
      renderGpuCheckScript({ expectedGpus: 4, instanceType: "g6.12xlarge", nvswitch: false, image: IMAGE }),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nvidia-smi is missing: no NVIDIA driver is installed");
  });

  it("fails on an NVSwitch node whose Fabric Manager will not run", async () => {
    const r = await check({ hostGpus: 8, containerGpus: 8, fabric: "dead" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nvidia-fabricmanager is not running");
  });

  it("fails when a container initialises CUDA on fewer GPUs than the host shows", async () => {
    const r = await check({ hostGpus: 8, containerGpus: 0 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("a container initialises CUDA on 0 of 8 GPUs");
  });

  // The node's unit passes a stamp path; SGLang and dcgm-exporter wait for the stamp (render/aws/gpu-units.ts).
  async function checkWith(nvidiaSmi: string, docker: string) {
    stub("nvidia-smi", nvidiaSmi);
    stub("docker", docker);
    stub("systemctl", "exit 0");
    stub("sleep", "");
    const file = path.join(box, "gpu-check.sh");
    const stamp = path.join(box, "run", "gpu-ok");
    fs.writeFileSync(file, renderGpuCheckScript({ expectedGpus: 8, instanceType: "p5.48xlarge", nvswitch: true, image: IMAGE }));
    const r = await run("bash", [file, stamp], { env: { PATH: `${path.join(box, "bin")}:/usr/bin:/bin` } });
    return { ...r, stamp: fs.existsSync(stamp), calls: fs.existsSync(path.join(box, "calls")) ? fs.readFileSync(path.join(box, "calls"), "utf8") : "" };
  }
  const smi = (fabric: string) => `if [[ "$1" == -q ]]; then ${fabric}; else printf '${gpus(8)}\\n'; fi`;

  it("writes its stamp only when every check passed, and removes a stale one when a check fails", async () => {
    const ok = await checkWith(smi("printf '    Fabric\\n        State : Completed\\n'"), 'case "$1" in run) echo 8 ;; esac');
    expect(ok.code).toBe(0);
    expect(ok.stamp).toBe(true);
    const bad = await checkWith(`printf '${gpus(7)}\\n'`, 'case "$1" in run) echo 8 ;; esac');
    expect(bad.code).toBe(1);
    expect(bad.stamp).toBe(false);
  });

  it("pulls the serving image only when it is missing (a reboot needs no registry)", async () => {
    const present = await checkWith(smi("true"), 'case "$1" in image) exit 0 ;; run) echo 8 ;; esac');
    expect(present.code).toBe(0);
    expect(present.calls).not.toContain("docker pull");
    fs.rmSync(path.join(box, "calls"));
    const missing = await checkWith(smi("true"), 'case "$1" in image) exit 1 ;; pull) exit 0 ;; run) echo 8 ;; esac');
    expect(missing.code).toBe(0);
    expect(missing.calls).toContain(`docker pull -q ${IMAGE}`);
  });

  it("waits for Fabric Manager to complete the NVSwitch fabric before it asks CUDA", async () => {
    const count = path.join(box, "fabric-calls");
    // "In Progress" twice, then "Completed".
    const fabric = `n=$(cat ${count} 2>/dev/null || echo 0); echo $((n + 1)) > ${count}; if (( n < 2 )); then s='In Progress'; else s=Completed; fi; printf '    Fabric\\n        State : %s\\n' "$s"`;
    const r = await checkWith(smi(fabric), 'case "$1" in run) echo 8 ;; esac');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(count, "utf8").trim()).toBe("3");
    expect(r.calls.indexOf("nvidia-smi -q")).toBeLessThan(r.calls.indexOf("docker run"));
  });
});
