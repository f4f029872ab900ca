// A docker config that names GPUs a host does not have is refused by the planner, before the
// first resource (not even QwenServing) is registered.
import { describe, expect, test } from "vitest";
import { QwenServingError } from "../../components/problems";
import { installMocks, settle } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { engineConfig } from "./helpers";

const HOSTS = [
  { name: "h20-a", dockerHost: "ssh://deploy@192.0.2.11", gpu: "h20", gpuCount: 2 },
  { name: "h20-b", dockerHost: "ssh://deploy@192.0.2.12", gpu: "h20", gpuCount: 2 },
];
const QWEN3 = { name: "qwen3-32b", model: "Qwen/Qwen3-32B", weights: { source: "huggingface", revision: "9216db5781bf21249d130ec9da846c4624c16137" }, tp: 2, port: 9001 };

/** Installs fresh mocks with a docker stack config; returns the program to run and what it registers. */
function program(values: Record<string, unknown>) {
  const recorded = installMocks({
    project: "qwen-serving",
    stack: "refused",
    config: engineConfig({ platform: "docker", hosts: HOSTS, grafanaAdminPassword: "x", ...values }),
    secretKeys: ["qwen-serving:grafanaAdminPassword"],
  });
  return { run: () => runProgram(), recorded };
}

describe("more GPUs than a host has", () => {
  test("an explicit placement on GPUs 2 and 3 of a 2-GPU host is refused, naming the host and the GPUs", async () => {
    const { run, recorded } = program({ services: [{ ...QWEN3, placement: [{ node: "h20-a", gpus: [2, 3] }] }] });
    expect(run).toThrow(QwenServingError);
    expect(run).toThrow("qwen-serving:services[0].placement[0].gpus: node 'h20-a' has 2 GPUs (0-1); [2, 3] do not exist");
    await settle();
    expect(recorded).toEqual([]);
  });

  test("tp 4 on hosts of 2 GPUs is refused with what is free on each host", async () => {
    const { run, recorded } = program({ services: [{ ...QWEN3, tp: 4 }] });
    expect(run).toThrow("qwen-serving:services[0].replicas: replica 0 of 'qwen3-32b' needs 4 GPUs but none are left (h20-a: 2 free of 2, h20-b: 2 free of 2)");
    await settle();
    expect(recorded).toEqual([]);
  });

  // Last, because it registers: the same placement on GPUs that exist goes through.
  test("control: placement on GPUs 0 and 1 registers the stack", async () => {
    const { run, recorded } = program({ services: [{ ...QWEN3, placement: [{ node: "h20-a", gpus: [0, 1] }] }] });
    run();
    await settle();
    expect(recorded.filter((r) => r.type === "docker:index/container:Container").map((r) => r.inputs.name)).toContain("refused-qwen3-32b-0");
  });
});
