// Issue 16, item 4: each Ingress class gets its controller's defaults for LLM traffic, from the one
// "longest generation" (proxy.maxGenerationSeconds) and the proxy's body limit; annotations that
// undercut them are refused.
import { describe, expect, test } from "vitest";
import { StackConfig, StackConfigSchema } from "../../components/config/schema";
import { ingressController, renderServingManifests } from "../../components/kubernetes/manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { QwenServingError, formatProblem } from "../../components/problems";
import { planDeployment } from "../../components/sglang/planner";
import { k8sStackInput } from "./helpers";

function config(ingress: Record<string, unknown>, proxy: Record<string, unknown> = {}): StackConfig {
  const input = k8sStackInput() as Record<string, any>;
  // The NetworkPolicy knows ingress-nginx's pods; any other controller's traffic must be named (test/kubernetes/proxy.test.ts).
  const networkPolicy = ingress.className === "nginx" || ingress.controller === "nginx" ? {} : { clients: [{ cidr: "10.0.0.0/16" }] };
  return StackConfigSchema.parse({ ...input, proxy, kubernetes: { ...input.kubernetes, networkPolicy, ingress: { domain: "llm.example.com", ...ingress } } });
}
function render(c: StackConfig) {
  const plan = planDeployment("k8s", c);
  return renderServingManifests({ plan, config: c, settings: resolveKubernetesSettings(c) });
}
function problems(c: StackConfig): string[] {
  try {
    render(c);
    return [];
  } catch (e) {
    if (!(e instanceof QwenServingError)) throw e;
    return e.problems.map(formatProblem);
  }
}
const annotations = (c: StackConfig) => render(c).services[0].ingress!.metadata!.annotations!;

describe("ingress-nginx", () => {
  test("body size = the proxy's limit, read/send timeouts = the longest generation, no buffering either way", () => {
    expect(annotations(config({ className: "nginx" }, { maxBodyMiB: 100, maxGenerationSeconds: 1800 }))).toEqual({
      "nginx.ingress.kubernetes.io/proxy-body-size": "100m",
      "nginx.ingress.kubernetes.io/proxy-read-timeout": "1800",
      "nginx.ingress.kubernetes.io/proxy-send-timeout": "1800",
      "nginx.ingress.kubernetes.io/proxy-buffering": "off",
      "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
    });
  });

  test("without proxy.maxGenerationSeconds the older kubernetes.maxGenerationSeconds is read, else 900", () => {
    expect(annotations(config({ className: "nginx" }))["nginx.ingress.kubernetes.io/proxy-read-timeout"]).toBe("900");
    const input = k8sStackInput() as Record<string, any>;
    const legacy = StackConfigSchema.parse({ ...input, kubernetes: { ...input.kubernetes, maxGenerationSeconds: 1200, ingress: { className: "nginx", domain: "llm.example.com" } } });
    expect(annotations(legacy)["nginx.ingress.kubernetes.io/proxy-send-timeout"]).toBe("1200");
  });

  test("the user's annotations win, and ones that undercut the proxy or the longest generation are refused", () => {
    expect(annotations(config({ className: "nginx", annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "0", "example.com/x": "y" } }))).toMatchObject({
      "nginx.ingress.kubernetes.io/proxy-body-size": "0",
      "example.com/x": "y",
    });
    expect(problems(config({ className: "nginx", annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "8m", "nginx.ingress.kubernetes.io/proxy-read-timeout": "60" } }))).toEqual([
      `qwen-serving:kubernetes.ingress.annotations.nginx.ingress.kubernetes.io/proxy-body-size: got "8m"; must be at least the proxy's body limit (64m): ingress-nginx would answer 413 to requests the proxy accepts (drop it (the default is the proxy's limit) or raise proxy.maxBodyMiB)`,
      `qwen-serving:kubernetes.ingress.annotations.nginx.ingress.kubernetes.io/proxy-read-timeout: got "60"; must be at least the longest generation (900 s): ingress-nginx would cut a long answer off with 504 (drop it (the default is the longest generation) or lower proxy.maxGenerationSeconds)`,
    ]);
  });
});

describe("AWS Load Balancer Controller", () => {
  test("idle timeout = the longest generation, draining as long as allowed, ip targets (ClusterIP Services), /health checks", () => {
    expect(annotations(config({ className: "alb" }, { maxGenerationSeconds: 1800 }))).toEqual({
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/load-balancer-attributes": "idle_timeout.timeout_seconds=1800",
      "alb.ingress.kubernetes.io/target-group-attributes": "deregistration_delay.timeout_seconds=1800",
      "alb.ingress.kubernetes.io/healthcheck-path": "/health",
    });
  });

  test("a longest generation beyond the ALB's 4000 s idle timeout, or a shorter idle timeout of the user's, is refused", () => {
    expect(problems(config({ className: "alb" }, { maxGenerationSeconds: 5000 }))).toEqual([
      "qwen-serving:proxy.maxGenerationSeconds: got 5000; an ALB's idle timeout is at most 4000 s, shorter than the longest generation (at most 4000 behind an ALB Ingress)",
    ]);
    expect(problems(config({ className: "alb", annotations: { "alb.ingress.kubernetes.io/load-balancer-attributes": "routing.http2.enabled=true,idle_timeout.timeout_seconds=60" } }))).toHaveLength(1);
  });
});

describe("other classes", () => {
  test("get no defaults; controller names the class's controller when the class is named otherwise", () => {
    expect(annotations(config({ className: "traefik" }))).toEqual({});
    expect(ingressController({ className: "internal-nginx", controller: "nginx", domain: "x.example.com", annotations: {} })).toBe("nginx");
    expect(Object.keys(annotations(config({ className: "internal-nginx", controller: "nginx" })))).toContain("nginx.ingress.kubernetes.io/proxy-read-timeout");
  });
});
