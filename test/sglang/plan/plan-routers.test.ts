import { describe, expect, test } from "vitest";
import { planRouter } from "../../../components/sglang/plan/plan-routers";
import { PORTS } from "../../../components/contract";

describe("plan routers", () => {
  test("a routed service: the router on replica 0's node, on the service port, fronting every worker", () => {
    expect(
      planRouter(
        9001,
        [
          { node: "gpu-1", gpus: [0, 1] },
          { node: "gpu-0", gpus: [2, 3] },
        ],
        { replicas: [30000, 30001], routerMetrics: 29000 },
      ),
    ).toEqual({
      node: "gpu-1",
      port: 9001,
      metricsPort: PORTS.routerMetricsBase,
      policy: "power_of_two",
      workers: [
        { node: "gpu-1", port: PORTS.workerBase },
        { node: "gpu-0", port: 30001 },
      ],
    });
  });

  test("a service the port phase gave no metrics port (one replica) has no router", () => {
    expect(planRouter(9001, [{ node: "gpu-0", gpus: [0, 1] }], { replicas: [9001] })).toBeUndefined();
  });
});
