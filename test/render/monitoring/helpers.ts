import { PORTS, TAGS } from "../../../components/contract";
import { MonitoringInput } from "../../../components/render/monitoring";

/** Two services like the seed's (one with a router), on docker. */
export function dockerInput(overrides: Partial<MonitoringInput> = {}): MonitoringInput {
  return {
    stack: "dev",
    platform: "docker",
    services: [
      { name: "qwen3-32b", model: "Qwen/Qwen3-32B", port: 9001, targets: ["qwen3-32b-0:9001", "qwen3-32b-1:9001"], routerTargets: [`qwen3-32b-router:${PORTS.routerMetricsBase}`] },
      { name: "qwen2.5-vl-32b", model: "Qwen/Qwen2.5-VL-32B-Instruct", port: 9002, targets: ["qwen2.5-vl-32b-0:9002"], routerTargets: [] },
    ],
    nodeExporterTargets: [`node-exporter:${PORTS.nodeExporter}`],
    dcgmTargets: [`dcgm-exporter:${PORTS.dcgmExporter}`],
    grafana: { prometheusUrl: `http://prometheus:${PORTS.prometheus}` },
    ...overrides,
  };
}

/** The same services on aws with EC2 discovery. */
export function awsInput(overrides: Partial<MonitoringInput> = {}): MonitoringInput {
  return {
    stack: "prod",
    platform: "aws",
    services: [
      { name: "qwen3-32b", model: "Qwen/Qwen3-32B", port: 9001, routerMetricsPort: PORTS.routerMetricsBase },
      { name: "qwen2.5-vl-32b", model: "Qwen/Qwen2.5-VL-32B-Instruct", port: 9002 },
    ],
    aws: { region: "us-east-1", tagKey: TAGS.stack, tagValue: "prod" },
    grafana: { prometheusUrl: `http://127.0.0.1:${PORTS.prometheus}` },
    retention: { time: "30d", size: "100GB" },
    ...overrides,
  };
}

export function kubernetesInput(overrides: Partial<MonitoringInput> = {}): MonitoringInput {
  return {
    stack: "k8s",
    platform: "kubernetes",
    services: [
      { name: "qwen3-32b", model: "Qwen/Qwen3-32B", port: 9001, routerMetricsPort: PORTS.routerMetricsBase },
      { name: "qwen2.5-vl-32b", model: "Qwen/Qwen2.5-VL-32B-Instruct", port: 9002 },
    ],
    grafana: { prometheusUrl: `http://prometheus-operated.monitoring:${PORTS.prometheus}` },
    ...overrides,
  };
}
