// Shared inputs of the planner's phase tests: services and stacks as a user writes them, parsed
// with the real schema so defaults are the ones the planner sees.
import { ServiceConfig, StackConfig, StackConfigInput, StackConfigSchema } from "../../../components/config/schema";
import { findAccelerator } from "../../../components/catalog";
import { NODE_BOOT } from "../../../components/sglang/plan/cold-start";
import { NodePlan } from "../../../components/sglang/planner";

export const REVISION = "9216db5781bf21249d130ec9da846c4624c16137";

/** A service input; `over` replaces any field. */
export const svcInput = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: "qwen3-32b",
  model: "Qwen/Qwen3-32B",
  weights: { source: "huggingface", revision: REVISION },
  tp: 2,
  port: 9001,
  contextLength: 32768,
  ...over,
});

export const stack = (input: Record<string, unknown>): StackConfig => StackConfigSchema.parse(input as StackConfigInput);

/** An aws stack on `pools` (default one p5.48xlarge: 8 x H100 80GB). */
export const awsStack = (services: Record<string, unknown>[], pools: unknown[] = [{ name: "gpu", instanceType: "p5.48xlarge" }]): StackConfig => stack({ platform: "aws", nodePools: pools, services });

/** Parsed services, for phases that take `ServiceConfig[]` (any `nodePool` they name is declared). */
export const services = (...over: Record<string, unknown>[]): ServiceConfig[] => {
  const pools = [...new Set(["gpu", ...over.flatMap((o) => (typeof o.nodePool === "string" ? [o.nodePool] : []))])];
  return awsStack(
    over.map(svcInput),
    pools.map((name) => ({ name, instanceType: "p5.48xlarge" })),
  ).services;
};

/** A node as expandNodes makes it, by GPU id (an aws node's boot unless `extra` says otherwise). */
export const node = (name: string, gpu: string, gpuCount: number, extra: Partial<NodePlan> = {}): NodePlan => ({
  name,
  pool: name.replace(/-\d+$/, ""),
  gpu: findAccelerator(gpu)!,
  gpuCount,
  nvswitch: false,
  boot: NODE_BOOT.aws,
  ...extra,
});
