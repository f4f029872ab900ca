// Stack configs for the front-door tests, parsed by the real schema and planned by the real planner.
import { StackConfigInput } from "../../../components/config/schema";
import { qwen3, vl } from "../../support/seed-services";
import { parse, plan } from "../../support/stacks";

export { parse, plan };

/** The prod layout: both seed services with 2 replicas each on one p5.48xlarge (routers on gpu-0). */
export function prodConfig(aws: StackConfigInput["aws"] = {}): StackConfigInput {
  return {
    platform: "aws",
    nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 1 }],
    services: [
      { ...qwen3, replicas: 2 },
      { ...vl, replicas: 2 },
    ],
    aws,
  };
}

/** One replica per service: no router, the load balancer targets SGLang itself. */
export function singleConfig(aws: StackConfigInput["aws"] = {}): StackConfigInput {
  return {
    platform: "aws",
    nodePools: [{ name: "gpu", instanceType: "p5.48xlarge", count: 1 }],
    services: [
      { ...qwen3, replicas: 1 },
      { ...vl, replicas: 1 },
    ],
    aws,
  };
}

/** Qwen3 with one replica on each of two nodes: its router (on gpu-0) reaches a worker on gpu-1. */
export function crossNodeConfig(aws: StackConfigInput["aws"] = {}): StackConfigInput {
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
    ],
    aws,
  };
}
