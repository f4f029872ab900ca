import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { PORTS } from "../../../components/contract";
import { formatProblem, QwenServingError } from "../../../components/problems";
import { DeploymentPlan, planDeployment } from "../../../components/sglang/planner";
import { stack, svcInput } from "./fixtures";

const pools = {
  aws: { nodePools: [{ name: "gpu", instanceType: "p5.48xlarge" }] },
  kubernetes: { nodePools: [{ name: "gpu", gpu: "h100-80gb", gpusPerNode: 8 }] },
  docker: {
    hosts: [
      { name: "h-a", dockerHost: "ssh://ops@h-a", gpu: "h100-80gb", gpuCount: 4 },
      { name: "h-b", dockerHost: "ssh://ops@h-b", gpu: "h100-80gb", gpuCount: 4 },
    ],
  },
} as const;
type Platform = keyof typeof pools;

const config = (platform: Platform, services: Record<string, unknown>[], extra: Record<string, unknown> = {}) => stack({ platform, ...pools[platform], services, ...extra });

/** The port problems of a plan, or [] when it is accepted. */
function portProblems(platform: Platform, services: Record<string, unknown>[], extra: Record<string, unknown> = {}): string[] {
  try {
    planDeployment("t", config(platform, services, extra));
    return [];
  } catch (e) {
    if (!(e instanceof QwenServingError)) throw e;
    return e.problems.filter((p) => /is taken twice/.test(p.rule)).map(formatProblem);
  }
}

const one = (port: number, over: Record<string, unknown> = {}) => svcInput({ port, ...over });
const routed = (port: number, over: Record<string, unknown> = {}) => svcInput({ port, replicas: 2, ...over });

describe("every listener of a node, host, pod or load balancer has its own port", () => {
  test.each([
    ["aws: a service on node_exporter's port", "aws", [one(PORTS.nodeExporter)], {}, 1],
    ["aws: a service on dcgm-exporter's port", "aws", [one(PORTS.dcgmExporter)], {}, 1],
    ["aws: a routed service on node_exporter's port (the router binds it)", "aws", [routed(PORTS.nodeExporter)], {}, 1],
    ["aws: a service on Grafana's load-balancer listener", "aws", [one(PORTS.grafana)], { aws: { monitoring: { grafanaAllowedCidrs: ["203.0.113.0/24"] } } }, 1],
    ["aws: a service on a moved Grafana listener", "aws", [one(9005)], { aws: { monitoring: { grafanaAllowedCidrs: ["203.0.113.0/24"], grafanaPort: 9005 } } }, 1],
    ["aws: Grafana's port is free without its listener", "aws", [one(PORTS.grafana)], {}, 0],
    ["aws: a service on Prometheus's port (Prometheus has its own instance)", "aws", [one(PORTS.prometheus)], {}, 0],
    ["aws: a routed service on 29000: its metrics step over it", "aws", [routed(PORTS.routerMetricsBase)], {}, 0],
    ["aws: a service on 30000 beside a routed one: the workers step over it", "aws", [one(PORTS.workerBase), routed(9002, { name: "other" })], {}, 0],
    ["docker: a service on Prometheus's port on the monitoring host", "docker", [one(PORTS.prometheus, { nodePool: "h-a" })], {}, 1],
    ["docker: the same port on another host", "docker", [one(PORTS.prometheus, { nodePool: "h-b" })], {}, 0],
    ["docker: on the moved monitoring host", "docker", [one(PORTS.grafana, { nodePool: "h-b" })], { docker: { monitoringHost: "h-b" } }, 1],
    ["docker: a moved exporter port onto a service", "docker", [one(9001)], { docker: { nodeExporterPort: 9001 } }, 1],
    ["docker: exporters are not run without monitoring", "docker", [one(PORTS.nodeExporter)], { monitoring: { enabled: false } }, 0],
    ["docker: an exporter moved onto a service's loopback twin behind the front proxy", "docker", [one(9001)], { docker: { nodeExporterPort: 9001 + PORTS.loopbackOffset } }, 1],
    ["aws: a service on another's loopback twin", "aws", [one(9001), one(9001 + PORTS.loopbackOffset, { name: "other" })], {}, 1],
    ["docker: a routed service on dcgm-exporter's port", "docker", [routed(PORTS.dcgmExporter, { tp: 1 })], {}, 1],
    ["kubernetes: each pod has its own network", "kubernetes", [one(PORTS.nodeExporter), routed(PORTS.dcgmExporter, { name: "other" })], {}, 0],
    ["kubernetes: a routed service on 29000: router and metrics differ", "kubernetes", [routed(PORTS.routerMetricsBase)], {}, 0],
  ] as const)("%s", (_, platform, services, extra, count) => {
    expect(portProblems(platform, [...services], extra as Record<string, unknown>)).toHaveLength(count);
  });

  test("the problem names the node, both listeners and what is taken there", () => {
    expect(portProblems("aws", [one(PORTS.nodeExporter)])).toEqual([
      "qwen-serving:services[0].port: got 9100; port 9100 on gpu-0 is taken twice: qwen3-32b's server and node_exporter (PORTS.nodeExporter) (pick a port not in use there (taken on gpu-0: 9100, 9400, 19100))",
    ]);
    expect(portProblems("docker", [one(9001)], { docker: { nodeExporterPort: 9001 } })[0]).toMatch(
      /^qwen-serving:services\[0\]\.port: got 9001; port 9001 on h-a is taken twice: qwen3-32b's server and node_exporter \(docker\.nodeExporterPort\)/,
    );
  });

  /** Every (scope, port) an accepted plan binds, computed from the plan and the platform's documented fixed ports. */
  function bound(plan: DeploymentPlan, platform: Platform, extra: Record<string, unknown>): [string, number][] {
    const out: [string, number][] = [];
    const pod = platform === "kubernetes";
    for (const s of plan.services) {
      s.placement.forEach((p) => out.push([pod ? `${s.name}-${p.replica}` : p.node, p.port]));
      if (s.router) out.push([pod ? `${s.name}-router` : s.router.node, s.router.port], [pod ? `${s.name}-router` : s.router.node, s.router.metricsPort]);
    }
    if (!pod) for (const [scope, port] of [...out]) if (port + PORTS.loopbackOffset <= 65535) out.push([scope, port + PORTS.loopbackOffset]);
    const monitoring = (extra.monitoring as { enabled?: boolean } | undefined)?.enabled !== false;
    for (const n of plan.nodes) {
      if (platform === "aws" || (platform === "docker" && monitoring)) out.push([n.name, PORTS.nodeExporter], [n.name, PORTS.dcgmExporter]);
      if (platform === "docker" && monitoring && n.name === plan.nodes[0].name) out.push([n.name, PORTS.prometheus], [n.name, PORTS.grafana]);
    }
    return out;
  }

  test("property: an accepted plan never binds a port twice in one scope, on any platform", () => {
    const fixed = [
      PORTS.grafana,
      PORTS.prometheus,
      PORTS.alertmanager,
      PORTS.nodeExporter,
      PORTS.dcgmExporter,
      PORTS.routerMetricsBase,
      PORTS.routerMetricsBase + 1,
      PORTS.workerBase,
      PORTS.workerBase + 1,
      9001,
      9002,
      9001 + PORTS.loopbackOffset,
      PORTS.workerBase + PORTS.loopbackOffset,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom<Platform>("aws", "docker", "kubernetes"),
        fc.uniqueArray(fc.constantFrom(...fixed), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        (platform, ports, replicas, monitoring) => {
          const services = ports.map((port, i) => svcInput({ name: `svc-${i}`, port, replicas: replicas[i], tp: 1, contextLength: 8192 }));
          const extra = { monitoring: { enabled: monitoring } };
          let plan: DeploymentPlan;
          try {
            plan = planDeployment("t", config(platform, services, extra));
          } catch (e) {
            if (!(e instanceof QwenServingError)) throw e;
            return; // refused: fine, as long as an accepted plan is clean
          }
          const seen = bound(plan, platform, extra).map(([scope, port]) => `${scope}:${port}`);
          expect(new Set(seen).size).toBe(seen.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});
