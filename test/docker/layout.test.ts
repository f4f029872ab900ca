// The docker layout is pure: these tests check the containers DockerPlatform creates without
// Pulumi; layout.tools.test.ts runs the real tools (promtool, shellcheck) on the files they receive.
import fc from "fast-check";
import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { DOCKER_LABELS, IMAGES, NODE_PATHS, PORTS } from "../../components/contract";
import { ContainerSpec } from "../../components/docker/containers";
import { DockerLayout, SecretsPresent, dockerLayout } from "../../components/docker/layout";
import { QwenServingError, formatProblem } from "../../components/problems";
import { renderWeightsScript } from "../../components/render/scripts/weights";
import { weightsRevisionDir } from "../../components/render/scripts/weights-revision";
import { planDeployment } from "../../components/sglang/planner";
import { ROUTER_REQUIREMENTS_FILE, parseRouterArgs, routerArgsFor } from "../../components/sglang/router-args";
import { routerRequirements } from "../../components/sglang/router-requirements";
import { packageRoot } from "../../components/render/scripts/sources";
import { SEED_ARGV, dockerConfig, stackConfig } from "./helpers";

const SECRETS: SecretsPresent = { hfToken: false, modelscopeToken: false, grafanaAdminPassword: true, dockerTls: false, apiKeys: [] };
const config = stackConfig("h20");
const plan = planDeployment("h20", config);
const layout = dockerLayout(plan, config, SECRETS);

const host = (l: DockerLayout, name: string) => l.hosts.find((h) => h.name === name)!;
const byRole = (l: DockerLayout, hostName: string, role: ContainerSpec["role"]) => host(l, hostName).containers.filter((c) => c.role === role);

describe("the h20 stack is the seed", () => {
  test("its plan shows the seed's KV-cache token numbers (logged 413,827 and ~340,276)", () => {
    const kv = Object.fromEntries(plan.services.map((s) => [s.name, s.capacity.kvTokens]));
    expect(kv).toEqual({ "qwen3-32b": 414_425, "qwen25-vl-32b": 342_719 });
    expect(Math.abs(kv["qwen3-32b"] / 413_827 - 1)).toBeLessThan(0.002);
    expect(Math.abs(kv["qwen25-vl-32b"] / 340_276 - 1)).toBeLessThan(0.008);
  });

  test("each host runs one SGLang server with the seed's exact command, on GPUs 0 and 1", () => {
    const servers = layout.hosts.map((h) => byRole(layout, h.name, "sglang").map((c) => [c.host, c.command, c.gpus, c.ports]));
    expect(servers).toEqual([
      [["h20-a", ["python3", "-m", "sglang.launch_server", ...SEED_ARGV["qwen3-32b"]], ["0", "1"], [{ internal: 9001, external: 19001, ip: "127.0.0.1" }]]],
      [["h20-b", ["python3", "-m", "sglang.launch_server", ...SEED_ARGV["qwen25-vl-32b"]], ["0", "1"], [{ internal: 9002, external: 19002, ip: "127.0.0.1" }]]],
    ]);
    expect(layout.hosts.map((h) => [h.name, h.gpusUsed])).toEqual([
      ["h20-a", [0, 1]],
      ["h20-b", [0, 1]],
    ]);
  });

  test("SGLang gets private IPC with /dev/shm, its revision's folder read-only, a /health_generate check that restarts it, a restart policy and a stop grace", () => {
    const c = byRole(layout, "h20-a", "sglang")[0];
    const dir = weightsRevisionDir({ source: "huggingface", repo: "Qwen/Qwen3-32B", revision: "9216db5781bf21249d130ec9da846c4624c16137" });
    expect(c).toMatchObject({
      image: IMAGES.sglang,
      hostIpc: false,
      shmSizeMiB: 32768,
      binds: [{ hostPath: `/data/models/${dir}`, containerPath: NODE_PATHS.models, readOnly: true }],
      restart: "unless-stopped",
      init: true,
      stopGraceSec: 900,
      after: `weights-${dir}`,
      env: [],
      secretFiles: [],
    });
    expect(c.healthcheck).toEqual({ test: ["CMD", "bash", "/opt/qwen-serving/sglang-health.sh", "9001"], intervalSec: 30, timeoutSec: 30, retries: 3, startPeriodSec: 900 });
    // A new weights revision changes the label and the folder, so the container is replaced and loads the new files.
    expect(c.labels[DOCKER_LABELS.weights]).toBe("huggingface:Qwen/Qwen3-32B@9216db5781bf21249d130ec9da846c4624c16137");
    expect(c.labels[DOCKER_LABELS.weightsDir]).toBe(dir);
  });

  test("each host downloads only its own model, first, into its revision's folder, with a script for that model only", () => {
    for (const [name, repo, revision] of [
      ["h20-a", "Qwen/Qwen3-32B", "9216db5781bf21249d130ec9da846c4624c16137"],
      ["h20-b", "Qwen/Qwen2.5-VL-32B-Instruct", "7cfb30d71a1f4f49a57592323337a4a4727301da"],
    ]) {
      const [first] = host(layout, name).containers;
      const model = { source: "huggingface" as const, repo, revision };
      const dir = weightsRevisionDir(model);
      expect(first).toMatchObject({
        key: `weights-${dir}`,
        name: `h20-weights-${dir}`,
        role: "weights",
        command: ["bash", "/opt/qwen-serving/fetch-weights.sh", repo],
        env: ["NVIDIA_VISIBLE_DEVICES=void"],
        runOnce: true,
        restart: "no",
        createTimeoutMin: 360,
        binds: [{ hostPath: `/data/models/${dir}`, containerPath: NODE_PATHS.models, readOnly: false }],
      });
      expect(first.files).toEqual([
        { containerPath: "/opt/qwen-serving/fetch-weights.sh", artifactPath: `hosts/${name}/weights/${dir}.sh`, content: renderWeightsScript({ models: [model] }), mode: "0755" },
      ]);
      // No hfToken in this stack: the Qwen repositories are public, so no token file is mounted.
      expect(first.secretFiles).toEqual([]);
    }
  });

  test("Prometheus and Grafana run on the first host; exporters on both", () => {
    expect(layout.hosts.map((h) => [h.name, h.containers.map((c) => c.role)])).toEqual([
      ["h20-a", ["weights", "sglang", "proxy", "node-exporter", "dcgm-exporter", "prometheus", "grafana", "alertmanager"]],
      ["h20-b", ["weights", "sglang", "proxy", "node-exporter", "dcgm-exporter"]],
    ]);
    // Published on the monitoring host's loopback (docker.monitoringBindAddress).
    expect(layout.monitoring).toEqual({ host: "h20-a", prometheusUrl: `http://127.0.0.1:${PORTS.prometheus}`, grafanaUrl: `http://127.0.0.1:${PORTS.grafana}` });
    expect(layout.endpoints).toEqual({ "qwen3-32b": "http://192.0.2.11:9001", "qwen25-vl-32b": "http://192.0.2.12:9002" });
  });

  test("the Prometheus container gets the rendered config and rules, and scrapes every replica and exporter by host address", () => {
    const [prom] = byRole(layout, "h20-a", "prometheus");
    expect(prom.files.map((f) => f.containerPath)).toEqual(["/etc/prometheus/prometheus.yml", "/etc/prometheus/rules/sglang.rules.yml"]);
    const doc = parse(prom.files[0].content) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    expect(Object.fromEntries(doc.scrape_configs.map((j) => [j.job_name, j.static_configs[0].targets]))).toEqual({
      "sglang-qwen3-32b": ["192.0.2.11:9001"],
      "sglang-qwen25-vl-32b": ["192.0.2.12:9002"],
      "node-exporter": [`192.0.2.11:${PORTS.nodeExporter}`, `192.0.2.12:${PORTS.nodeExporter}`],
      "dcgm-exporter": [`192.0.2.11:${PORTS.dcgmExporter}`, `192.0.2.12:${PORTS.dcgmExporter}`],
    });
    expect(prom.command).toEqual([
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=15d",
      `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
    ]);
  });

  test("Grafana is provisioned from the rendered files and reads its admin password from a secret file", () => {
    const [g] = byRole(layout, "h20-a", "grafana");
    const artifact = Object.fromEntries(layout.artifacts.map((a) => [a.path, a.content]));
    expect(g.files.map((f) => [f.containerPath, f.content === artifact[f.artifactPath]])).toEqual([
      ["/etc/grafana/provisioning/datasources/prometheus.yml", true],
      ["/etc/grafana/provisioning/dashboards/qwen-serving.yml", true],
      ["/var/lib/grafana/dashboards/qwen-serving-sglang.json", true],
      ["/var/lib/grafana/dashboards/qwen-serving-gpu.json", true],
    ]);
    // Both on the monitoring host's network, Prometheus listening on its loopback only.
    expect(parse(artifact["monitoring/grafana/provisioning/datasources/prometheus.yml"]).datasources[0].url).toBe(`http://127.0.0.1:${PORTS.prometheus}`);
    expect(g.env).toEqual([
      "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password",
      "GF_SERVER_HTTP_ADDR=127.0.0.1",
      `GF_SERVER_HTTP_PORT=${PORTS.grafana}`,
      "GF_USERS_ALLOW_SIGN_UP=false",
    ]);
    expect(g.secretFiles).toEqual([{ containerPath: "/run/secrets/grafana-admin-password", secret: "grafanaAdminPassword", mode: "0440" }]);
  });

  test("every monitoring file but the rule unit tests is uploaded into exactly one container", () => {
    const uploaded = layout.hosts.flatMap((h) => h.containers.flatMap((c) => c.files.map((f) => f.artifactPath)));
    const monitoring = layout.artifacts.map((a) => a.path).filter((p) => p.startsWith("monitoring/") && p !== "monitoring/rules/sglang.rules.test.yml");
    expect(uploaded.filter((p) => p.startsWith("monitoring/")).sort()).toEqual([...monitoring].sort());
  });
});

describe("configs the docker platform refuses, with every problem named", () => {
  const cases: [string, Parameters<typeof dockerConfig>[0], Partial<SecretsPresent>, string[]][] = [
    [
      "a service port that node_exporter already listens on",
      { services: [{ name: "qwen3-8b", model: "Qwen/Qwen3-8B", weights: { source: "huggingface", revision: "b968826d9c46dd6066d109eabc6255188de91218" }, port: PORTS.nodeExporter }] },
      {},
      // The planner finds it first: the exporters' and monitoring servers' ports are taken on every host.
      [
        `qwen-serving:services[0].port: got ${PORTS.nodeExporter}; port ${PORTS.nodeExporter} on gpu-a is taken twice: qwen3-8b's server and node_exporter (docker.nodeExporterPort) (pick a port not in use there (taken on gpu-a: ${PORTS.grafana}, ${PORTS.prometheus}, ${PORTS.alertmanager}, ${PORTS.nodeExporter}, ${PORTS.dcgmExporter}, ${PORTS.nodeExporter + PORTS.loopbackOffset}))`,
      ],
    ],
    ["an unknown monitoring host", { docker: { monitoringHost: "gpu-z" } }, {}, ['qwen-serving:docker.monitoringHost: got "gpu-z"; no host has this name (valid: gpu-a)']],
    [
      "a tcp:// daemon without TLS material, and Grafana without a password",
      { hosts: [{ name: "gpu-a", dockerHost: "tcp://10.1.0.5:2376", gpu: "h20", gpuCount: 2 }] },
      { grafanaAdminPassword: false },
      [
        `qwen-serving:hosts[0].dockerHost: got "tcp://10.1.0.5:2376"; without TLS gives root on 'gpu-a' to anyone who can reach the port (set the secret dockerTls.gpu-a {ca, cert, key}, or use ssh://)`,
        "qwen-serving:grafanaAdminPassword: monitoring is enabled and Grafana must not keep its default admin password (set it with 'pulumi config set --secret grafanaAdminPassword ...', or set monitoring.enabled false)",
      ],
    ],
    [
      "a unix socket host without an address",
      { hosts: [{ name: "gpu-a", dockerHost: "unix:///var/run/docker.sock", gpu: "h20", gpuCount: 2 }] },
      {},
      ["qwen-serving:hosts[0].address: host 'gpu-a' is reached through unix:///var/run/docker.sock, which has no network address (set address so Prometheus and routers can reach its ports)"],
    ],
    [
      "weights in S3, which docker hosts have no credentials for",
      { services: [{ name: "qwen3-8b", model: "Qwen/Qwen3-8B", weights: { source: "s3", revision: "v1", s3Uri: "s3://bucket/qwen3-8b/" }, port: 9001 }] },
      {},
      ['qwen-serving:services[0].weights.source: got "s3"; docker hosts have no AWS credentials to read s3://bucket/qwen3-8b/ (use huggingface or modelscope)'],
    ],
  ];
  test.each(cases)("refuses %s", (_what, overrides, secrets, problems) => {
    const c = dockerConfig(overrides);
    const build = () => dockerLayout(planDeployment("t", c), c, { ...SECRETS, ...secrets });
    expect(build).toThrow(QwenServingError);
    try {
      build();
    } catch (e) {
      expect((e as QwenServingError).problems.map(formatProblem)).toEqual(problems);
    }
  });

  test("monitoring disabled needs no Grafana password and runs no monitoring containers", () => {
    const c = dockerConfig({ monitoring: { enabled: false } });
    const l = dockerLayout(planDeployment("t", c), c, { ...SECRETS, grafanaAdminPassword: false });
    expect(l.hosts[0].containers.map((x) => x.role)).toEqual(["weights", "sglang", "proxy"]);
    expect(l.monitoring).toBeUndefined();
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
  const p = planDeployment("t", c);
  const l = dockerLayout(p, c, SECRETS);

  test("the front proxy holds the planned ports on each host; replicas and the router sit behind it on loopback", () => {
    const off = PORTS.loopbackOffset;
    expect(
      l.hosts.map((h) => [h.name, h.containers.filter((x) => x.role !== "node-exporter" && x.role !== "dcgm-exporter").map((x) => [x.role, x.ports.map((q) => q.external), x.hostPorts])]),
    ).toEqual([
      [
        "gpu-a",
        [
          ["weights", [], []],
          ["sglang", [30000 + off], []],
          ["proxy", [], [30000, 9001, 29000]],
          ["router-install", [], []],
          ["router", [], [9001 + off, 29000 + off]],
          // On the host network: they listen on docker.monitoringBindAddress, nothing is published.
          ["prometheus", [], [PORTS.prometheus]],
          ["grafana", [], [PORTS.grafana]],
          ["alertmanager", [], [PORTS.alertmanager]],
        ],
      ],
      [
        "gpu-b",
        [
          ["weights", [], []],
          ["sglang", [30000 + off], []],
          ["proxy", [], [30000]],
        ],
      ],
    ]);
    expect(l.hosts.flatMap((h) => h.containers.filter((x) => x.role === "sglang").flatMap((x) => x.ports.map((q) => q.ip)))).toEqual(["127.0.0.1", "127.0.0.1"]);
    expect(l.endpoints).toEqual({ "qwen3-32b": "http://10.1.0.5:9001" });
  });

  test("the router runs the planned router argv on the host network, from the installed package, after the install", () => {
    const [r] = byRole(l, "gpu-a", "router");
    expect(r.command).toEqual([
      "python3",
      "-m",
      "smg.launch_router",
      ...routerArgsFor(p.services[0], (n) => ({ "gpu-b": "10.1.0.6" })[n]!, { host: "127.0.0.1", port: 19001, metricsPort: 39000, requestTimeoutSecs: 900 }),
    ]);
    // Workers through their hosts' proxies: this host's on its 127.0.0.1 listener, the other at its address.
    expect(r.command.slice(3, 9)).toEqual(["--host", "127.0.0.1", "--port", "19001", "--worker-urls", `http://127.0.0.1:${PORTS.workerBase}`]);
    expect(r.command[9]).toBe(`http://10.1.0.6:${PORTS.workerBase}`);
    expect(parseRouterArgs(r.command.slice(3)).errors).toEqual([]);
    expect(r).toMatchObject({
      hostNetwork: true,
      env: ["PYTHONPATH=/opt/sglang-router", "NVIDIA_VISIBLE_DEVICES=void"],
      stopGraceSec: 900,
      volumes: [{ volume: "t-sglang-router", containerPath: "/opt/sglang-router", readOnly: true }],
      after: "router-install",
      restart: "unless-stopped",
    });
    const [install] = byRole(l, "gpu-a", "router-install");
    expect(install).toMatchObject({
      runOnce: true,
      command: ["bash", "/opt/qwen-serving/install-router.sh"],
      volumes: [{ volume: "t-sglang-router", containerPath: "/opt/sglang-router", readOnly: false }],
    });
    // What to install where: the script's header (layout.tools.test.ts runs it).
    expect(install.files[0].content).toContain("REQUIREMENTS='/opt/qwen-serving/router-requirements.txt'\nSITE='/opt/sglang-router'\nMODULE='smg.launch_router'\n");
  });

  test("the router install is hash-pinned: --require-hashes with the aws node's router-requirements.txt, every wheel hash of the source file", () => {
    const [install] = byRole(l, "gpu-a", "router-install");
    const [script, requirements] = install.files;
    expect(script.content).toMatch(/^python3 -m pip install .*--require-hashes --no-deps --only-binary=:all: .*-r "\$REQUIREMENTS"$/m);
    expect([requirements.containerPath, requirements.artifactPath, requirements.content]).toEqual([
      "/opt/qwen-serving/router-requirements.txt",
      "hosts/gpu-a/router-requirements.txt",
      routerRequirements(),
    ]);
    const source = readFileSync(join(packageRoot(), ROUTER_REQUIREMENTS_FILE), "utf8");
    const hashes = source.split("\n").filter((line) => /--hash=sha256:[0-9a-f]{64}/.test(line));
    expect(hashes.length).toBeGreaterThanOrEqual(3);
    for (const line of hashes) expect(requirements.content.split("\n"), line).toContain(line);
    expect(requirements.content).toContain("smg==1.13.0 \\\n");
  });

  test("Prometheus scrapes both replicas and the router's metrics port", () => {
    const doc = parse(l.artifacts.find((a) => a.path === "monitoring/prometheus.yml")!.content) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const targets = Object.fromEntries(doc.scrape_configs.map((j) => [j.job_name, j.static_configs[0].targets]));
    expect(targets["sglang-qwen3-32b"]).toEqual([`10.1.0.5:${PORTS.workerBase}`, `10.1.0.6:${PORTS.workerBase}`]);
    expect(targets["sglang-router-qwen3-32b"]).toEqual([`10.1.0.5:${PORTS.routerMetricsBase}`]);
  });
});

describe("for any hosts and services the planner accepts", () => {
  const arb = fc.record({
    gpuCounts: fc.array(fc.constantFrom(1, 2, 4, 8), { minLength: 1, maxLength: 3 }),
    services: fc.array(fc.record({ tp: fc.constantFrom(1, 2, 4), replicas: fc.constantFrom(1, 2) }), { minLength: 1, maxLength: 4 }),
  });
  test("SGLang containers get exactly the planned GPUs, never one twice on a host, and no host port twice", () => {
    fc.assert(
      fc.property(arb, ({ gpuCounts, services }) => {
        const c = dockerConfig({
          hosts: gpuCounts.map((n, i) => ({ name: `gpu-${i}`, dockerHost: `ssh://ops@10.1.0.${i + 5}`, gpu: "h20", gpuCount: n })),
          services: services.map((s, i) => ({
            name: `svc-${i}`,
            model: "Qwen/Qwen3-8B",
            weights: { source: "huggingface", revision: "b968826d9c46dd6066d109eabc6255188de91218" },
            port: 9001 + i,
            tp: s.tp,
            replicas: s.replicas,
          })),
        });
        let p;
        try {
          p = planDeployment("t", c);
        } catch (e) {
          if (e instanceof QwenServingError && e.stage === "plan") return; // not enough GPUs: the planner's refusal is tested elsewhere
          throw e;
        }
        const l = dockerLayout(p, c, SECRETS);
        const planned = p.services.flatMap((s) => s.placement.map((r) => [r.node, `${s.name}-${r.replica}`, r.gpus.map(String)]));
        const containers = l.hosts.flatMap((h) => h.containers.filter((x) => x.role === "sglang").map((x) => [x.host, x.name.slice("t-".length), x.gpus]));
        expect(containers.sort()).toEqual(planned.sort());
        for (const h of l.hosts) {
          const gpus = h.containers.flatMap((x) => (Array.isArray(x.gpus) ? x.gpus.map(Number) : []));
          expect(new Set(gpus).size).toBe(gpus.length);
          expect(gpus.every((g) => g >= 0 && g < h.gpuCount)).toBe(true);
          const ports = h.containers.flatMap((x) => [...x.ports.map((q) => q.external), ...x.hostPorts]);
          expect(new Set(ports).size).toBe(ports.length);
        }
      }),
      { numRuns: 60 },
    );
  });
});
