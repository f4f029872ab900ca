// The real program for stack h20 under strict mocks: what `pulumi up` would register.
import { beforeAll, describe, expect, test } from "vitest";
import { prometheusArgs } from "../../components/render/monitoring";
import { RecordedResource } from "../../infra/mocks";
import { PlanRun, runPlan } from "../../infra/plan";
import { SEED_ARGV } from "./helpers";
import { DOCKER_LABELS, IMAGES, NODE_PATHS, PORTS } from "../../components/contract";

// One program run per file: Pulumi's mock state is process-wide.
let run: PlanRun;
let resources: PlanRun["document"]["resources"];

beforeAll(async () => {
  run = await runPlan({ dir: process.cwd(), stack: "h20", write: false });
  resources = run.document.resources;
});

type Inputs = Record<string, any>;
const containers = () => resources.filter((r) => r.type === "docker:index/container:Container") as unknown as (RecordedResource & { inputs: Inputs })[];
const container = (name: string) => containers().find((c) => c.inputs.name === name)!;
const labels = (c: { inputs: Inputs }) => Object.fromEntries((c.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
const artifact = (path: string) => run.artifacts.find((a) => a.path === path)!.content;

describe("h20: hosts, providers and images", () => {
  test("each host is a DockerHost with its own ssh Docker provider", () => {
    const hosts = resources.filter((r) => r.type === "qwen-serving:docker:DockerHost").map((r) => [r.name, r.parent]);
    expect(hosts).toEqual([
      ["qwen-h20-docker-h20-a", "qwen-h20-docker"],
      ["qwen-h20-docker-h20-b", "qwen-h20-docker"],
    ]);
    // Providers receive non-string settings as JSON text.
    const providers = resources.filter((r) => r.type === "pulumi:providers:docker").map((r) => [r.parent, (r.inputs as Inputs).host, JSON.parse((r.inputs as Inputs).sshOpts)]);
    // One shared ssh connection per host (ControlMaster), so many resources do not trip MaxStartups.
    const ssh = ["-o", "BatchMode=yes", "-o", "ServerAliveInterval=30", "-o", "ControlMaster=auto", "-o", "ControlPath=~/.ssh/qwen-serving-%C", "-o", "ControlPersist=600"];
    expect(providers).toEqual([
      ["qwen-h20-docker-h20-a", "ssh://deploy@192.0.2.11", ssh],
      ["qwen-h20-docker-h20-b", "ssh://deploy@192.0.2.12", ssh],
    ]);
  });

  test("images are pinned RemoteImages, and every container runs the pulled image of its own host", () => {
    const images = resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => [r.parent, (r.inputs as Inputs).name]);
    expect(images).toEqual(
      expect.arrayContaining([
        ["qwen-h20-docker-h20-a", IMAGES.sglang],
        ["qwen-h20-docker-h20-a", IMAGES.prometheus],
        ["qwen-h20-docker-h20-a", IMAGES.grafana],
        ["qwen-h20-docker-h20-a", IMAGES.alertmanager],
        ["qwen-h20-docker-h20-b", IMAGES.nodeExporter],
        ["qwen-h20-docker-h20-b", IMAGES.dcgmExporter],
        ["qwen-h20-docker-h20-a", IMAGES.proxy],
        ["qwen-h20-docker-h20-b", IMAGES.proxy],
      ]),
    );
    expect(images).toHaveLength(11);
    for (const [, ref] of images) expect(ref).not.toMatch(/:latest$|^[^:]+$/);
    for (const c of containers()) expect(c.inputs.image, c.name).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("h20: SGLang containers", () => {
  const servers = () => containers().filter((c) => labels(c)[DOCKER_LABELS.role] === "sglang");

  test("the command is exactly the builder's argv, which is the seed's command", () => {
    const byService = Object.fromEntries(run.document.services.map((s) => [s.name, s.placement[0]]));
    expect(servers().map((c) => [c.parent, c.inputs.command])).toEqual([
      ["qwen-h20-docker-h20-a", ["python3", "-m", "sglang.launch_server", ...byService["qwen3-32b"].launchArgs]],
      ["qwen-h20-docker-h20-b", ["python3", "-m", "sglang.launch_server", ...byService["qwen25-vl-32b"].launchArgs]],
    ]);
    expect(servers().map((c) => c.inputs.command.slice(3))).toEqual([SEED_ARGV["qwen3-32b"], SEED_ARGV["qwen25-vl-32b"]]);
  });

  test("device IDs are the planned GPUs, on the planned host", () => {
    const planned = run.document.services.flatMap((s) => s.placement.map((p) => [`qwen-h20-docker-${p.node}`, [{ driver: "nvidia", capabilities: ["gpu"], deviceIds: p.gpus.map(String) }]]));
    expect(servers().map((c) => [c.parent, c.inputs.deviceRequests])).toEqual(planned);
  });

  test("private IPC with /dev/shm, its revision's folder read-only, the planned port, /health_generate check, restart policy, wait for health", () => {
    const c = container("h20-qwen3-32b-0");
    const dir = labels(c)[DOCKER_LABELS.weightsDir];
    expect(dir).toMatch(/^rev-qwen3-32b-[0-9a-f]{12}$/);
    expect(c.inputs).toMatchObject({
      ipcMode: "private",
      shmSize: 32768,
      volumes: [{ hostPath: `/data/models/${dir}`, containerPath: NODE_PATHS.models, readOnly: true }],
      // Published on the host's loopback at the port's twin: the front proxy holds 9001.
      ports: [{ internal: 9001, external: 19001, ip: "127.0.0.1" }],
      healthcheck: { tests: ["CMD", "bash", "/opt/qwen-serving/sglang-health.sh", "9001"], interval: "30s", timeout: "30s", startPeriod: "900s", retries: 3 },
      restart: "unless-stopped",
      init: true,
      wait: true,
      waitTimeout: 930,
    });
    expect(c.inputs.envs).toBeUndefined();
    expect(c.inputs.uploads).toEqual([{ file: "/opt/qwen-serving/sglang-health.sh", content: artifact("hosts/h20-a/sglang-health.sh"), permissions: "0755" }]);
  });
});

describe("h20: the weights download", () => {
  test("one created (not started) container per host and revision, with its revision's folder writable", () => {
    for (const [h, repo] of [
      ["h20-a", "Qwen/Qwen3-32B"],
      ["h20-b", "Qwen/Qwen2.5-VL-32B-Instruct"],
    ]) {
      const c = containers().find((x) => x.parent === `qwen-h20-docker-${h}` && labels(x)[DOCKER_LABELS.role] === "weights")!;
      const dir = labels(c)[DOCKER_LABELS.weightsDir];
      expect(c.inputs).toMatchObject({
        name: `h20-weights-${dir}`,
        command: ["bash", "/opt/qwen-serving/fetch-weights.sh", repo],
        envs: ["NVIDIA_VISIBLE_DEVICES=void"],
        start: false,
        mustRun: false,
        restart: "no",
        volumes: [{ hostPath: `/data/models/${dir}`, containerPath: NODE_PATHS.models, readOnly: false }],
        uploads: [{ file: "/opt/qwen-serving/fetch-weights.sh", content: artifact(`hosts/${h}/weights/${dir}.sh`), permissions: "0755" }],
      });
    }
  });
});

describe("h20: monitoring containers carry the rendered configs", () => {
  test("Prometheus gets prometheus.yml and the rules exactly as rendered, the renderer's flags, and listens on the host network's loopback only", () => {
    const c = container("h20-prometheus");
    expect(c.parent).toBe("qwen-h20-docker-h20-a");
    expect(c.inputs.uploads).toEqual([
      { file: "/etc/prometheus/prometheus.yml", content: artifact("monitoring/prometheus.yml"), permissions: "0644" },
      { file: "/etc/prometheus/rules/sglang.rules.yml", content: artifact("monitoring/rules/sglang.rules.yml"), permissions: "0644" },
    ]);
    expect(artifact("monitoring/prometheus.yml")).toContain("192.0.2.12:9002");
    expect(c.inputs.command).toEqual([
      ...prometheusArgs(
        { stack: "h20", platform: "docker", services: [{ name: "x", model: "x", targets: ["a:1"] }], grafana: { prometheusUrl: "http://a:1" } },
        { configFile: "/etc/prometheus/prometheus.yml", storagePath: "/prometheus" },
      ),
      `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
    ]);
    expect(c.inputs.volumes).toEqual([{ volumeName: "h20-prometheus-data", containerPath: "/prometheus", readOnly: false }]);
    expect([c.inputs.networkMode, c.inputs.ports]).toEqual(["host", []]);
  });

  test("Grafana's uploads are a secret as a whole (they carry the password file); its env holds only the file's path", () => {
    // The uploaded files themselves are checked unredacted in secrets.test.ts.
    const c = container("h20-grafana");
    expect(c.inputs.uploads).toBe("[secret]");
    expect(c.inputs.envs).toEqual([
      "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password",
      "GF_SERVER_HTTP_ADDR=127.0.0.1",
      `GF_SERVER_HTTP_PORT=${PORTS.grafana}`,
      "GF_USERS_ALLOW_SIGN_UP=false",
    ]);
    expect([c.inputs.networkMode, c.inputs.ports]).toEqual(["host", []]);
  });

  test("node_exporter and dcgm-exporter run on every host, on its address only", () => {
    const exporters = containers()
      .filter((c) => /exporter$/.test(labels(c)[DOCKER_LABELS.role]))
      .map((c) => [c.parent, c.inputs.name]);
    expect(exporters.sort()).toEqual([
      ["qwen-h20-docker-h20-a", "h20-dcgm-exporter"],
      ["qwen-h20-docker-h20-a", "h20-node-exporter"],
      ["qwen-h20-docker-h20-b", "h20-dcgm-exporter"],
      ["qwen-h20-docker-h20-b", "h20-node-exporter"],
    ]);
    const on = (name: string, host: string) => containers().find((c) => c.inputs.name === name && c.parent === `qwen-h20-docker-${host}`)!.inputs;
    // Each at the address Prometheus scrapes it at (192.0.2.11, .12: the hosts' addresses).
    expect(on("h20-dcgm-exporter", "h20-b")).toMatchObject({
      deviceRequests: [{ driver: "nvidia", capabilities: ["gpu"], count: -1 }],
      capabilities: { adds: ["SYS_ADMIN"] },
      ports: [{ internal: 9400, external: 9400, ip: "192.0.2.12" }],
    });
    expect(on("h20-node-exporter", "h20-b")).toMatchObject({ networkMode: "host", pidMode: "host", command: ["--path.rootfs=/host", `--web.listen-address=192.0.2.12:${PORTS.nodeExporter}`] });
    expect(on("h20-node-exporter", "h20-a").command).toEqual(["--path.rootfs=/host", `--web.listen-address=192.0.2.11:${PORTS.nodeExporter}`]);
    expect(artifact("monitoring/prometheus.yml")).toContain(`192.0.2.12:${PORTS.nodeExporter}`);
  });
});

describe("h20: no secret in plain sight", () => {
  test("no container carries a secret in its env, labels or command", () => {
    for (const c of containers()) {
      for (const key of ["envs", "labels", "command"]) expect(JSON.stringify(c.inputs[key] ?? []), `${c.inputs.name}.${key}`).not.toMatch(/\[secret\]|REPLACE-WITH/);
    }
  });
});

describe("h20: the plan output", () => {
  test("lists each host's GPUs in use, its containers and their ports", () => {
    expect(run.text).toContain("docker hosts (containers as registered):");
    const lines = run.text.split("\n");
    const row = (container: string) =>
      lines
        .find((l) => l.includes(` ${container} `))
        ?.replace(/\s+/g, " ")
        .trim();
    // The host's columns are on its first row, whichever container registered first.
    expect(
      lines
        .find((l) => l.startsWith("h20-a "))
        ?.replace(/\s+/g, " ")
        .trim(),
    ).toMatch(/^h20-a 2 of 2 h20 \[0,1\] h20-/);
    expect(
      lines
        .find((l) => l.includes(" h20-weights-rev-qwen3-32b-"))
        ?.replace(/\s+/g, " ")
        .trim(),
    ).toMatch(/(^h20-a 2 of 2 h20 \[0,1\] )?h20-weights-rev-qwen3-32b-[0-9a-f]{12} weights - -$/);
    expect(row("h20-alertmanager")).toMatch(new RegExp(`h20-alertmanager alertmanager - ${PORTS.alertmanager} \\(host network\\)$`));
    // SGLang on the host's loopback at the port's twin; the front proxy holds the planned port.
    expect(row("h20-qwen3-32b-0")).toBe("h20-qwen3-32b-0 sglang [0,1] 19001->9001");
    expect(row("h20-qwen25-vl-32b-0")).toBe("h20-qwen25-vl-32b-0 sglang [0,1] 19002->9002");
    expect(row("h20-proxy")).toBe("h20-proxy proxy - 9001 (host network)");
    expect(row("h20-grafana")).toBe("h20-grafana grafana - 3000 (host network)");
    expect(row("h20-node-exporter")).toBe(`h20-node-exporter node-exporter - ${PORTS.nodeExporter} (host network)`);
    expect(run.text).toContain("qwen3-32b: http://192.0.2.11:9001");
    expect(run.document.artifacts).toEqual(
      expect.arrayContaining([expect.stringMatching(/^hosts\/h20-a\/weights\/rev-qwen3-32b-[0-9a-f]{12}\.sh$/), "hosts/h20-a/sglang-health.sh", "monitoring/prometheus.yml"]),
    );
  });
});
