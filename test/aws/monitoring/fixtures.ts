// Stack configs for the monitoring tests, parsed by the real schema and planned by the real planner.
import { StackConfigInput } from "../../../components/config/schema";
import { awsMonitoringInput } from "../../../components/render/aws/monitoring-input";
import { MonitoringNodeInput } from "../../../components/render/aws/monitoring-node";
import { planDeployment } from "../../../components/sglang/planner";
import { qwen3, vl } from "../../support/seed-services";
import { parse, plan } from "../../support/stacks";
import { IMAGES } from "../../../components/contract";

export { parse, plan };

/** Like Pulumi.prod.yaml: both services, 2 replicas each, on one p5.48xlarge (routers on gpu-0). */
export function prodConfig(extra: Partial<StackConfigInput> = {}): StackConfigInput {
  return {
    platform: "aws",
    nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 1 }],
    services: [
      { ...qwen3, replicas: 2 },
      { ...vl, replicas: 2 },
    ],
    monitoring: { retentionDays: 30 },
    ...extra,
  };
}

/** Qwen3 with one replica on each of two nodes (both on worker port 30000), the VL model alone on gpu-1. */
export function crossNodeConfig(): StackConfigInput {
  return {
    platform: "aws",
    nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 2 }],
    services: [
      {
        ...qwen3,
        replicas: 2,
        placement: [
          { node: "gpu-0", gpus: [0, 1] },
          { node: "gpu-1", gpus: [0, 1] },
        ],
      },
      { ...vl, replicas: 1, placement: [{ node: "gpu-1", gpus: [2, 3] }] },
    ],
  };
}

export const VOLUME_ID = "vol-0123456789abcdef0";
export const PASSWORD_PARAMETER = "/qwen-serving/prod/grafana/admin-password";

/** The monitoring instance's render input for a config, as MonitoringNode builds it. */
export function nodeInput(c: StackConfigInput, grafanaOnNetwork = false): MonitoringNodeInput {
  const config = parse(c);
  return {
    monitoring: awsMonitoringInput(planDeployment("prod", config), config.monitoring, "us-east-1", 100),
    tsdbVolumeId: VOLUME_ID,
    grafanaPasswordParameter: PASSWORD_PARAMETER,
    grafanaOnNetwork,
    images: { prometheus: IMAGES.prometheus, grafana: IMAGES.grafana, nodeExporter: IMAGES.nodeExporter },
  };
}
