// QwenServing reports every problem a config has, whatever stage finds it (the config reader, the
// config's cross-key rules, the planner, the platform adapter), in one error and before any resource.
import { describe, expect, test } from "vitest";
import { StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { PROJECT } from "../../components/contract";
import { formatProblem } from "../../components/problems";
import { QwenServing, preflight } from "../../components/qwen-serving";
import { installMocks, settle } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { qwen3, vl } from "../support/seed-services";
import { refusal } from "../support/refusal";

const parse = (c: StackConfigInput) => StackConfigSchema.parse(c);

describe("one error for every stage", () => {
  test("aws: a port used twice (config), a tp the model cannot split (plan) and no Grafana password (platform)", async () => {
    const recorded = installMocks({ project: PROJECT, stack: "pre", config: {}, secretKeys: [] });
    const config = parse({
      platform: "aws",
      nodePools: [{ name: "gpu", instanceType: "p5.48xlarge" }],
      services: [
        { ...qwen3, tp: 3 },
        { ...vl, port: qwen3.port },
      ],
    });
    const e = refusal(() => new QwenServing("pre", { config, stack: "pre" }));
    expect(e.stage).toBe("config");
    const lines = e.problems.map(formatProblem);
    expect(lines).toEqual([
      "qwen-serving:services[1].port: got 9001; port 9001 is already used by services[0]",
      "qwen-serving:services[0].tp: tp 3 does not divide Qwen/Qwen3-32B's 64 attention heads (valid tp for this model: 1, 2, 4, 8)",
      "qwen-serving:services[0].tp: tp 3 neither divides nor is a multiple of Qwen/Qwen3-32B's 8 KV heads (valid tp for this model: 1, 2, 4, 8)",
      expect.stringMatching(/^qwen-serving:grafanaAdminPassword: monitoring is enabled and Grafana must not keep its default admin password/),
    ]);
    expect(e.message).toMatch(/^invalid stack config \(4 problems\):\n {2}- qwen-serving:services\[1\]\.port/);
    await settle();
    expect(recorded).toEqual([]);
  });

  test("a plan problem and a platform problem: the stage is the plan's, both are listed", () => {
    const config = parse({ platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge" }], services: [{ ...qwen3, replicas: 5 }] });
    const found = preflight({ config, stack: "pre" });
    expect(found.stage).toBe("plan");
    expect(found.plan).toBeUndefined();
    expect(found.problems.map((p) => p.path)).toEqual(["qwen-serving:services[0].replicas", "qwen-serving:grafanaAdminPassword"]);
  });

  test("docker: the adapter's plan-free checks still run when the planner refuses", () => {
    const config = parse({
      platform: "docker",
      hosts: [{ name: "h20-a", dockerHost: "unix:///var/run/docker.sock", gpu: "h20", gpuCount: 2 }],
      services: [{ ...qwen3, tp: 4 }],
      monitoring: { enabled: false },
    });
    const found = preflight({ config, stack: "pre" });
    expect(found.problems.map((p) => p.path)).toEqual(["qwen-serving:services[0].replicas", "qwen-serving:hosts[0].address"]);
  });

  test("kubernetes: a config rule and a missing Grafana password together; API keys are accepted (the pods' front proxies check them)", () => {
    const config = parse({
      platform: "kubernetes",
      nodePools: [{ name: "h100", gpu: "h100-80gb", gpusPerNode: 8 }],
      services: [{ ...qwen3, placement: [{ node: "h100-0", gpus: [0, 0] }] }],
    });
    const found = preflight({ config, stack: "pre", secrets: { apiKeys: { "qwen3-32b": "k" } } });
    expect(found.stage).toBe("config");
    expect(found.problems.map((p) => p.path)).toEqual(expect.arrayContaining(["qwen-serving:services[0].placement[0].gpus", "qwen-serving:grafanaAdminPassword"]));
    expect(found.problems.map((p) => p.path)).not.toContain("qwen-serving:apiKeys");
  });

  test("a config that passes every check yields its plan and no problems", () => {
    const found = preflight({ config: parse({ platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge" }], services: [qwen3] }), stack: "ok", secrets: { grafanaAdminPassword: "x" } });
    expect(found).toMatchObject({ problems: [], stage: undefined });
    expect(found.plan?.services.map((s) => s.name)).toEqual(["qwen3-32b"]);
  });

  test("the stack program: a plain-text secret is reported with the plan's problems", async () => {
    const recorded = installMocks({
      project: PROJECT,
      stack: "pre2",
      config: {
        [`${PROJECT}:platform`]: "aws",
        [`${PROJECT}:nodePools`]: JSON.stringify([{ name: "gpu", instanceType: "p5.48xlarge" }]),
        [`${PROJECT}:services`]: JSON.stringify([{ ...qwen3, tp: 3 }]),
        [`${PROJECT}:grafanaAdminPassword`]: "in-clear",
      },
      secretKeys: [],
    });
    const e = refusal(() => runProgram());
    expect(e.problems.map((p) => p.path)).toEqual(["qwen-serving:grafanaAdminPassword", "qwen-serving:services[0].tp", "qwen-serving:services[0].tp"]);
    expect(e.problems[0].rule).toBe("is stored in plain text");
    await settle();
    expect(recorded).toEqual([]);
  });
});
