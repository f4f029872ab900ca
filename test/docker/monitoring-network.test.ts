// The docker monitoring containers under strict mocks, as `pulumi up` would register them: in the
// monitoring host's network namespace, listening on its loopback only by default, so Prometheus's
// scrapes (its own host's proxy included) come from that host's address, the one the proxies admit.
import { parse } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { PORTS } from "../../components/contract";
import { dockerLayout } from "../../components/docker/layout";
import { Artifact } from "../../components/render/artifact";
import { planDeployment } from "../../components/sglang/planner";
import { RecordedResource, installMocks, settle, valueOf } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { dockerConfig, engineConfig } from "./helpers";

const QWEN3 = { name: "qwen3-8b", model: "Qwen/Qwen3-8B", weights: { source: "huggingface" as const, revision: "b968826d9c46dd6066d109eabc6255188de91218" }, port: 9001 };
const MONITORING = ["mon-prometheus", "mon-grafana", "mon-alertmanager"];

let recorded: RecordedResource[];
let artifacts: Artifact[];

// One program run per file: Pulumi's mock state is process-wide.
beforeAll(async () => {
  recorded = installMocks({
    project: "qwen-serving",
    stack: "mon",
    config: engineConfig({
      platform: "docker",
      hosts: [
        { name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2 },
        { name: "gpu-b", dockerHost: "ssh://ops@10.1.0.6", gpu: "h20", gpuCount: 2 },
      ],
      // One service on the monitoring host (gpu-a, the first host), one on the other.
      services: [
        { ...QWEN3, name: "qwen3-8b-a", port: 9002, nodePool: "gpu-a" },
        { ...QWEN3, nodePool: "gpu-b" },
      ],
      grafanaAdminPassword: "x",
    }),
    secretKeys: ["qwen-serving:grafanaAdminPassword"],
  });
  const { serving } = runProgram();
  artifacts = await valueOf(serving.artifacts);
  await settle();
});

const containers = () => recorded.filter((r) => r.type === "docker:index/container:Container");
const container = (name: string, host = "gpu-a") => containers().find((r) => r.inputs.name === name && r.parent === `qwen-mon-docker-${host}`)!;
const artifact = (path: string) => artifacts.find((a) => a.path === path)!.content;
const targets = () =>
  Object.fromEntries(
    (parse(artifact("monitoring/prometheus.yml")).scrape_configs as { job_name: string; static_configs: { targets: string[] }[] }[]).map((j) => [j.job_name, j.static_configs[0].targets]),
  );

describe("docker monitoring by default", () => {
  test("Prometheus, Grafana and Alertmanager run in the monitoring host's network namespace, publish nothing, and listen on its 127.0.0.1 only", () => {
    expect(MONITORING.map((n) => [container(n).parent, container(n).inputs.networkMode, container(n).inputs.ports])).toEqual(MONITORING.map(() => ["qwen-mon-docker-gpu-a", "host", []]));
    expect((container("mon-prometheus").inputs.command as string[]).filter((a) => a.startsWith("--web.listen-address="))).toEqual([`--web.listen-address=127.0.0.1:${PORTS.prometheus}`]);
    expect((container("mon-alertmanager").inputs.command as string[]).filter((a) => /^--(web|cluster)\.listen-address=/.test(a))).toEqual([
      `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
      // Empty: no gossip listener (port 9094) on any address.
      "--cluster.listen-address=",
    ]);
    expect((container("mon-grafana").inputs.envs as string[]).filter((e) => e.startsWith("GF_SERVER_"))).toEqual(["GF_SERVER_HTTP_ADDR=127.0.0.1", `GF_SERVER_HTTP_PORT=${PORTS.grafana}`]);
  });

  test("no Docker network is created and no container joins one", () => {
    expect(recorded.filter((r) => r.type === "docker:index/network:Network")).toEqual([]);
    expect(containers().filter((c) => c.inputs.networksAdvanced !== undefined)).toEqual([]);
  });

  test("Grafana's datasource and Prometheus's Alertmanager are where they listen, on the same host network", () => {
    expect(parse(artifact("monitoring/grafana/provisioning/datasources/prometheus.yml")).datasources[0].url).toBe(`http://127.0.0.1:${PORTS.prometheus}`);
    expect(parse(artifact("monitoring/prometheus.yml")).alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${PORTS.alertmanager}`] }] }] });
    // The uploaded prometheus.yml is this artifact.
    const uploads = container("mon-prometheus").inputs.uploads as { file: string; content: string }[];
    expect(uploads.find((u) => u.file === "/etc/prometheus/prometheus.yml")!.content).toBe(artifact("monitoring/prometheus.yml"));
  });

  test("the monitoring host's own proxy admits the address Prometheus scrapes it from", () => {
    // Prometheus scrapes the gpu-a replica through gpu-a's proxy, at gpu-a's address...
    expect(targets()["sglang-qwen3-8b-a"]).toEqual(["10.1.0.5:9002"]);
    expect(artifact("hosts/gpu-a/proxy/nginx.conf")).toContain("listen 10.1.0.5:9002");
    // ...from the host network namespace, where a connection to a local address leaves from that
    // address: the one gpu-a's /metrics allows (a bridge container's would leave from 172.x).
    expect(container("mon-prometheus").inputs.networkMode).toBe("host");
    expect(container("mon-prometheus").inputs.networksAdvanced).toBeUndefined();
    expect(artifact("hosts/gpu-a/proxy/nginx.conf")).toContain("    location = /metrics {\n      allow 10.1.0.5/32;\n      deny all;\n");
    // The other host's proxy admits the same address.
    expect(targets()["sglang-qwen3-8b"]).toEqual(["10.1.0.6:9001"]);
    expect(artifact("hosts/gpu-b/proxy/nginx.conf")).toContain("    location = /metrics {\n      allow 10.1.0.5/32;\n      deny all;\n");
  });

  test("node_exporter and dcgm-exporter listen on their host's address only, where Prometheus scrapes them", () => {
    expect(targets()["node-exporter"]).toEqual([`10.1.0.5:${PORTS.nodeExporter}`, `10.1.0.6:${PORTS.nodeExporter}`]);
    expect(targets()["dcgm-exporter"]).toEqual([`10.1.0.5:${PORTS.dcgmExporter}`, `10.1.0.6:${PORTS.dcgmExporter}`]);
    for (const [host, address] of [
      ["gpu-a", "10.1.0.5"],
      ["gpu-b", "10.1.0.6"],
    ]) {
      expect(container("mon-node-exporter", host).inputs).toMatchObject({ networkMode: "host", command: ["--path.rootfs=/host", `--web.listen-address=${address}:${PORTS.nodeExporter}`] });
      expect(container("mon-dcgm-exporter", host).inputs.ports).toEqual([{ internal: PORTS.dcgmExporter, external: PORTS.dcgmExporter, ip: address }]);
    }
  });
});

describe("a host known by name only", () => {
  test("its exporters keep every address: Docker publishes on an IP address, and Prometheus scrapes the name", () => {
    const config = dockerConfig({
      hosts: [
        { name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2 },
        { name: "gpu-c", dockerHost: "ssh://ops@gpu-c.lan", gpu: "h20", gpuCount: 2 },
      ],
      services: [{ ...QWEN3, nodePool: "gpu-a" }],
    });
    const layout = dockerLayout(planDeployment("mon", config), config, { hfToken: false, modelscopeToken: false, grafanaAdminPassword: true, dockerTls: false, apiKeys: [] });
    const on = (role: string) => layout.hosts.find((h) => h.name === "gpu-c")!.containers.find((c) => c.role === role)!;
    expect(on("node-exporter").command).toEqual(["--path.rootfs=/host", `--web.listen-address=:${PORTS.nodeExporter}`]);
    expect(on("dcgm-exporter").ports).toEqual([{ internal: PORTS.dcgmExporter, external: PORTS.dcgmExporter }]);
    expect(layout.artifacts.find((a) => a.path === "monitoring/prometheus.yml")!.content).toContain(`gpu-c.lan:${PORTS.nodeExporter}`);
  });
});
