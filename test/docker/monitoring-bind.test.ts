// docker.monitoringBindAddress under strict mocks: an address that is not a private IPv4 address is
// refused before the first resource; a private one is the one address the monitoring servers listen on.
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { PORTS } from "../../components/contract";
import { QwenServingError } from "../../components/problems";
import { installMocks, settle, valueOf } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { engineConfig } from "./helpers";

const QWEN3 = { name: "qwen3-8b", model: "Qwen/Qwen3-8B", weights: { source: "huggingface", revision: "b968826d9c46dd6066d109eabc6255188de91218" }, port: 9001 };
const ADVICE = "use 127.0.0.1 (the default; reach it through an SSH tunnel) or a private IPv4 address of the monitoring host (its LAN or VPN address)";

/** Installs fresh mocks with a docker stack whose monitoring binds `address`; returns the program and what it registers. */
function program(address: string, monitoring: Record<string, unknown> = {}) {
  const recorded = installMocks({
    project: "qwen-serving",
    stack: "bind",
    config: engineConfig({
      platform: "docker",
      hosts: [{ name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2 }],
      services: [QWEN3],
      docker: { monitoringBindAddress: address },
      grafanaAdminPassword: "x",
      ...monitoring,
    }),
    secretKeys: ["qwen-serving:grafanaAdminPassword"],
  });
  return { run: () => runProgram(), recorded };
}

function problemsOf(run: () => unknown) {
  try {
    run();
  } catch (e) {
    if (e instanceof QwenServingError) return e.problems.map((p) => ({ path: p.path, value: p.value, rule: p.rule, advice: p.advice }));
    throw e;
  }
  throw new Error("the program was not refused");
}

describe("docker.monitoringBindAddress", () => {
  test.each([
    ["a public address", "34.120.10.20", "Prometheus and Alertmanager have no login and would answer anyone who reaches this public address"],
    ["every address", "0.0.0.0", "Prometheus and Alertmanager have no login and would answer anyone who reaches any address of the host, public ones included"],
    ["a name", "grafana.example.com", "Prometheus, Grafana and Alertmanager are published on one IPv4 address of the monitoring host"],
  ])("%s is refused before any resource, with the setting's path and what to use", async (_what, address, rule) => {
    const { run, recorded } = program(address);
    expect(problemsOf(run)).toEqual([{ path: "qwen-serving:docker.monitoringBindAddress", value: address, rule, advice: ADVICE }]);
    await settle();
    expect(recorded).toEqual([]);
  });

  test("with monitoring disabled the setting publishes nothing and is not checked", async () => {
    const { run, recorded } = program("34.120.10.20", { monitoring: { enabled: false } });
    run();
    await settle();
    expect(recorded.filter((r) => r.type === "docker:index/container:Container").map((r) => r.inputs.name)).not.toContain("bind-prometheus");
  });

  // Last, because it registers the stack that the other cases refused.
  test("a private address of the host is the one address Prometheus, Grafana and Alertmanager listen on, and where they reach each other", async () => {
    const { run, recorded } = program("10.1.0.5");
    const { serving } = run();
    const artifacts = await valueOf(serving.artifacts);
    await settle();
    const inputs = Object.fromEntries(recorded.filter((r) => r.type === "docker:index/container:Container").map((r) => [r.inputs.name, r.inputs]));
    const [prom, grafana, am] = [inputs["bind-prometheus"], inputs["bind-grafana"], inputs["bind-alertmanager"]];
    expect([prom, grafana, am].map((c) => [c.networkMode, c.ports])).toEqual([
      ["host", []],
      ["host", []],
      ["host", []],
    ]);
    expect(prom.command).toContain(`--web.listen-address=10.1.0.5:${PORTS.prometheus}`);
    expect(am.command).toContain(`--web.listen-address=10.1.0.5:${PORTS.alertmanager}`);
    expect(grafana.envs).toEqual(expect.arrayContaining(["GF_SERVER_HTTP_ADDR=10.1.0.5", `GF_SERVER_HTTP_PORT=${PORTS.grafana}`]));
    const artifact = (path: string) => parse(artifacts.find((a) => a.path === path)!.content);
    expect(artifact("monitoring/grafana/provisioning/datasources/prometheus.yml").datasources[0].url).toBe(`http://10.1.0.5:${PORTS.prometheus}`);
    expect(artifact("monitoring/prometheus.yml").alerting.alertmanagers[0].static_configs[0].targets).toEqual([`10.1.0.5:${PORTS.alertmanager}`]);
  });
});
