// The docker monitoring containers under strict mocks, as `pulumi up` would register them: published
// on the monitoring host's loopback by default, and reaching each other by name on one network.
import { parse } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { PORTS } from "../../components/contract";
import { Artifact } from "../../components/render/artifact";
import { RecordedResource, installMocks, settle, valueOf } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { engineConfig } from "./helpers";

const QWEN3 = { name: "qwen3-8b", model: "Qwen/Qwen3-8B", weights: { source: "huggingface", revision: "b968826d9c46dd6066d109eabc6255188de91218" }, port: 9001 };
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
      services: [{ ...QWEN3, nodePool: "gpu-b" }],
      grafanaAdminPassword: "x",
    }),
    secretKeys: ["qwen-serving:grafanaAdminPassword"],
  });
  const { serving } = runProgram();
  artifacts = await valueOf(serving.artifacts);
  await settle();
});

const containers = () => recorded.filter((r) => r.type === "docker:index/container:Container");
const container = (name: string) => containers().find((r) => r.inputs.name === name)!;
const artifact = (path: string) => artifacts.find((a) => a.path === path)!.content;

describe("docker monitoring by default", () => {
  test("Prometheus, Grafana and Alertmanager publish their ports on 127.0.0.1 of the monitoring host only", () => {
    expect(MONITORING.map((n) => [container(n).parent, container(n).inputs.ports])).toEqual([
      ["qwen-mon-docker-gpu-a", [{ internal: PORTS.prometheus, external: PORTS.prometheus, ip: "127.0.0.1" }]],
      ["qwen-mon-docker-gpu-a", [{ internal: PORTS.grafana, external: PORTS.grafana, ip: "127.0.0.1" }]],
      ["qwen-mon-docker-gpu-a", [{ internal: PORTS.alertmanager, external: PORTS.alertmanager, ip: "127.0.0.1" }]],
    ]);
  });

  test("one user-defined bridge network, on the monitoring host, joined by exactly the three monitoring containers", () => {
    const networks = recorded.filter((r) => r.type === "docker:index/network:Network");
    expect(networks.map((n) => [n.parent, n.inputs.name, n.inputs.driver])).toEqual([["qwen-mon-docker-gpu-a", "mon-monitoring", "bridge"]]);
    const joined = containers()
      .filter((c) => c.inputs.networksAdvanced !== undefined)
      .map((c) => [c.inputs.name, c.inputs.networksAdvanced])
      .sort();
    expect(joined).toEqual([...MONITORING].sort().map((n) => [n, [{ name: "mon-monitoring" }]]));
  });

  test("Grafana's datasource and Prometheus's Alertmanager are addressed by container name on that network", () => {
    expect(parse(artifact("monitoring/grafana/provisioning/datasources/prometheus.yml")).datasources[0].url).toBe(`http://mon-prometheus:${PORTS.prometheus}`);
    const prom = parse(artifact("monitoring/prometheus.yml"));
    expect(prom.alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: [`mon-alertmanager:${PORTS.alertmanager}`] }] }] });
    // What Prometheus scrapes stays at the hosts' addresses.
    const targets = Object.fromEntries((prom.scrape_configs as { job_name: string; static_configs: { targets: string[] }[] }[]).map((j) => [j.job_name, j.static_configs[0].targets]));
    expect(targets["sglang-qwen3-8b"]).toEqual(["10.1.0.6:9001"]);
    expect(targets["node-exporter"]).toEqual([`10.1.0.5:${PORTS.nodeExporter}`, `10.1.0.6:${PORTS.nodeExporter}`]);
    // The uploaded prometheus.yml is this artifact.
    const uploads = container("mon-prometheus").inputs.uploads as { file: string; content: string }[];
    expect(uploads.find((u) => u.file === "/etc/prometheus/prometheus.yml")!.content).toBe(artifact("monitoring/prometheus.yml"));
  });
});
