// Two replicas on two hosts under strict mocks: the router and its install, as registered.
import { beforeAll, describe, expect, test } from "vitest";
import { RecordedResource, installMocks, settle, valueOf } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { engineConfig } from "./helpers";
import { DOCKER_LABELS, PORTS } from "../../components/contract";

let recorded: RecordedResource[];

beforeAll(async () => {
  recorded = installMocks({
    project: "qwen-serving",
    stack: "routed",
    config: engineConfig({
      platform: "docker",
      hosts: [
        { name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2 },
        { name: "gpu-b", dockerHost: "ssh://ops@10.1.0.6", gpu: "h20", gpuCount: 2 },
      ],
      services: [{ name: "qwen3-32b", model: "Qwen/Qwen3-32B", weights: { source: "huggingface", revision: "9216db5781bf21249d130ec9da846c4624c16137" }, tp: 2, replicas: 2, port: 9001 }],
      monitoring: { enabled: false },
    }),
    secretKeys: [],
  });
  const { serving } = runProgram();
  await valueOf(serving.endpoints);
  await settle();
});

const container = (name: string) => recorded.find((r) => r.type === "docker:index/container:Container" && r.inputs.name === name)!;
const labels = (r: RecordedResource) => Object.fromEntries((r.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));

describe("a routed service on docker", () => {
  test("the install is created stopped, run once by its command, into a volume of the router's host", () => {
    const install = container("routed-router-install");
    expect(install.parent).toBe("qwen-routed-docker-gpu-a");
    expect(recorded.find((r) => r.type === "command:local:Command" && r.name === "qwen-routed-docker-gpu-a-router-install-run")).toBeDefined();
    expect(install.inputs).toMatchObject({ start: false, mustRun: false, restart: "no", volumes: [{ volumeName: "routed-sglang-router", containerPath: "/opt/sglang-router", readOnly: false }] });
    expect(recorded.filter((r) => r.type === "docker:index/volume:Volume").map((r) => [r.parent, r.inputs.name])).toEqual([["qwen-routed-docker-gpu-a", "routed-sglang-router"]]);
  });

  test("the router is created after the install's run, on the host network, reading the package read-only", () => {
    const r = container("routed-qwen3-32b-router");
    expect(r.parent).toBe("qwen-routed-docker-gpu-a");
    expect(labels(r)).toMatchObject({ [DOCKER_LABELS.hostPorts]: `19001,${PORTS.routerMetricsBase + PORTS.loopbackOffset}`, [DOCKER_LABELS.role]: "router" });
    expect(r.inputs).toMatchObject({
      networkMode: "host",
      envs: ["PYTHONPATH=/opt/sglang-router", "NVIDIA_VISIBLE_DEVICES=void"],
      volumes: [{ volumeName: "routed-sglang-router", containerPath: "/opt/sglang-router", readOnly: true }],
      restart: "unless-stopped",
    });
    expect((r.inputs.command as string[]).slice(0, 8)).toEqual(["python3", "-m", "smg.launch_router", "--host", "127.0.0.1", "--port", "19001", "--worker-urls"]);
  });

  test("each replica publishes its planned worker port; its host has its own download of the revision", () => {
    for (const [host, addr] of [
      ["gpu-a", "10.1.0.5"],
      ["gpu-b", "10.1.0.6"],
    ]) {
      const replica = recorded.find((r) => r.parent === `qwen-routed-docker-${host}` && r.type === "docker:index/container:Container" && labels(r)[DOCKER_LABELS.role] === "sglang")!;
      expect(replica.inputs.ports, addr).toEqual([{ internal: 30000, external: 30000 + PORTS.loopbackOffset, ip: "127.0.0.1" }]);
      const download = recorded.find((r) => r.parent === `qwen-routed-docker-${host}` && r.type === "docker:index/container:Container" && labels(r)[DOCKER_LABELS.role] === "weights")!;
      expect(labels(download)[DOCKER_LABELS.weightsDir]).toBe(labels(replica)[DOCKER_LABELS.weightsDir]);
    }
  });
});
