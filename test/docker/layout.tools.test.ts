// The files the docker containers receive, checked by the real tools that consume them; what the
// containers are is asserted in layout.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { describe, expect, test } from "vitest";
import { ContainerSpec } from "../../components/docker/containers";
import { DockerLayout, SecretsPresent, dockerLayout } from "../../components/docker/layout";
import { planDeployment } from "../../components/sglang/planner";
import { PROMTOOL, requireTool, run, shellcheck } from "../support/tools";
import { dockerConfig, stackConfig } from "./helpers";

const SECRETS: SecretsPresent = { hfToken: false, modelscopeToken: false, grafanaAdminPassword: true, dockerTls: false, apiKeys: [] };
const config = stackConfig("h20");
const layout = dockerLayout(planDeployment("h20", config), config, SECRETS);
const byRole = (l: DockerLayout, hostName: string, role: ContainerSpec["role"]) => l.hosts.find((h) => h.name === hostName)!.containers.filter((c) => c.role === role);

/** Writes a container's uploaded files under a temp root at their in-container paths. */
function writeUploads(c: ContainerSpec): string {
  const root = mkdtempSync(join(tmpdir(), "qs-docker-"));
  for (const f of c.files) {
    mkdirSync(dirname(join(root, f.containerPath)), { recursive: true });
    writeFileSync(join(root, f.containerPath), f.content, { mode: parseInt(f.mode, 8) });
  }
  return root;
}

describe("the h20 stack is the seed", () => {
  test("the download scripts and the health check pass shellcheck", async () => {
    const scripts = layout.artifacts.filter((a) => a.path.endsWith(".sh"));
    expect(scripts.map((a) => a.path)).toEqual([
      expect.stringMatching(/^hosts\/h20-a\/weights\/rev-qwen3-32b-[0-9a-f]{12}\.sh$/),
      "hosts/h20-a/sglang-health.sh",
      expect.stringMatching(/^hosts\/h20-b\/weights\/rev-qwen2-5-vl-32b-instruct-[0-9a-f]{12}\.sh$/),
      "hosts/h20-b/sglang-health.sh",
    ]);
    const root = mkdtempSync(join(tmpdir(), "qs-docker-sh-"));
    const files = scripts.map((a, i) => {
      writeFileSync(join(root, `${i}.sh`), a.content);
      return join(root, `${i}.sh`);
    });
    expect(await shellcheck(files)).toBe("");
  });

  test("the Prometheus container's config passes promtool", async () => {
    const [prom] = byRole(layout, "h20-a", "prometheus");
    const root = writeUploads(prom);
    const check = await run(requireTool(PROMTOOL), ["check", "config", join(root, "etc/prometheus/prometheus.yml")]);
    expect(check.stderr + check.stdout).toContain("SUCCESS");
    expect(check.code).toBe(0);
  });
});

describe("a service with two replicas on two hosts", () => {
  const c = dockerConfig({
    hosts: [
      { name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2 },
      { name: "gpu-b", dockerHost: "ssh://ops@10.1.0.6", gpu: "h20", gpuCount: 2 },
    ],
    services: [{ name: "qwen3-32b", model: "Qwen/Qwen3-32B", weights: { source: "huggingface", revision: "9216db5781bf21249d130ec9da846c4624c16137" }, tp: 2, replicas: 2, port: 9001 }],
  });
  const l = dockerLayout(planDeployment("t", c), c, SECRETS);

  test("the router's install script passes shellcheck (smg takes returning workers in by itself: no registration script)", async () => {
    const scripts = l.artifacts.filter((a) => a.path.endsWith(".sh") && !a.path.includes("/weights/") && !a.path.endsWith("sglang-health.sh"));
    expect(scripts.map((a) => a.path)).toEqual(["hosts/gpu-a/install-router.sh"]);
    const root = mkdtempSync(join(tmpdir(), "qs-docker-router-"));
    const files = scripts.map((a, i) => {
      writeFileSync(join(root, `${i}.sh`), a.content);
      return join(root, `${i}.sh`);
    });
    expect(await shellcheck(files)).toBe("");
  });

  test("the install script installs the hash-pinned requirements, leaves SGLang's packages alone and fails when the router does not import", async () => {
    const [install] = byRole(l, "gpu-a", "router-install");
    const root = mkdtempSync(join(tmpdir(), "qs-docker-install-"));
    // A python3 that records its argv and PYTHONPATH, and fails the import check when told to.
    writeFileSync(join(root, "python3"), '#!/bin/bash\nprintf "%s|%s\\n" "${PYTHONPATH:-}" "$*" >> "$LOG"\n[[ "$1" == -c && -n "${BROKEN:-}" ]] && exit 1\nexit 0\n', { mode: 0o755 });
    writeFileSync(join(root, "install.sh"), install.files[0].content, { mode: 0o755 });
    const env = { PATH: `${root}:/usr/bin:/bin`, LOG: join(root, "log") };
    const ok = await run("bash", [join(root, "install.sh")], { env });
    expect(ok.code).toBe(0);
    expect(readFileSync(join(root, "log"), "utf8").trim().split("\n")).toEqual([
      "|-m pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: --upgrade --target /opt/sglang-router -r /opt/qwen-serving/router-requirements.txt",
      "/opt/sglang-router|-c import smg.launch_router",
    ]);
    const broken = await run("bash", [join(root, "install.sh")], { env: { ...env, BROKEN: "1" } });
    expect(broken.code).not.toBe(0);
  });
});
