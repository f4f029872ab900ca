// Stack configs for the front-door tests, parsed by the real schema and planned by the real planner.
import { StackConfig, StackConfigInput, StackConfigSchema } from "../../components/config/schema";
import { DeploymentPlan, planDeployment } from "../../components/sglang/planner";

const qwen3 = {
  name: "qwen3-32b",
  model: "Qwen/Qwen3-32B",
  weights: { source: "huggingface" as const, revision: "9216db5781bf21249d130ec9da846c4624c16137" },
  tp: 2,
  port: 9001,
  contextLength: 131072,
  ropeScaling: { type: "yarn" as const, factor: 4, originalMaxPositionEmbeddings: 32768 },
  chunkedPrefillSize: 8192,
};
const vl = {
  name: "qwen25-vl-32b",
  model: "Qwen/Qwen2.5-VL-32B-Instruct",
  weights: { source: "huggingface" as const, revision: "7cfb30d71a1f4f49a57592323337a4a4727301da" },
  tp: 2,
  port: 9002,
  contextLength: 128000,
  chatTemplate: "qwen2-vl",
  maxRunningRequests: 2048,
};

/** The prod layout: both seed services with 2 replicas each on one p5.48xlarge (routers on gpu-0). */
export function prodConfig(aws: StackConfigInput["aws"] = {}): StackConfigInput {
  return { platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 1 }], services: [{ ...qwen3, replicas: 2 }, { ...vl, replicas: 2 }], aws };
}

/** One replica per service: no router, the load balancer targets SGLang itself. */
export function singleConfig(aws: StackConfigInput["aws"] = {}): StackConfigInput {
  return { platform: "aws", nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 1 }], services: [{ ...qwen3, replicas: 1 }, { ...vl, replicas: 1 }], aws };
}

/** Qwen3 with one replica on each of two nodes: its router (on gpu-0) reaches a worker on gpu-1. */
export function crossNodeConfig(aws: StackConfigInput["aws"] = {}): StackConfigInput {
  return {
    platform: "aws",
    nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 2 }],
    services: [{ ...qwen3, replicas: 2, placement: [{ node: "gpu-0", gpus: [0, 1] }, { node: "gpu-1", gpus: [0, 1] }] }],
    aws,
  };
}

export const parse = (c: StackConfigInput): StackConfig => StackConfigSchema.parse(c);
export const plan = (c: StackConfigInput, stack = "prod"): DeploymentPlan => planDeployment(stack, parse(c));
