// Issue 16, item 5: pods that behave on a real cluster: replicas spread over nodes, a preStop delay,
// no GPUs in init and router containers, a PDB for the router, a small router image, dcgm-exporter's
// instance = node name, pull secrets and digests, RuntimeClass and PriorityClass.
import { describe, expect, test } from "vitest";
import { StackConfig, StackConfigSchema } from "../../components/config/schema";
import { IMAGES } from "../../components/contract";
import { renderServingManifests, routerRequirements } from "../../components/kubernetes/manifests";
import { renderMonitoringManifests } from "../../components/kubernetes/monitoring-manifests";
import { appliedObjects } from "../../components/kubernetes/artifacts";
import { clusterWarnings } from "../../components/kubernetes/prerequisites";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { planDeployment } from "../../components/sglang/planner";
import { k8sStackInput, subset } from "./helpers";

const DIGEST = `sha256:${"b".repeat(64)}`;

/** Pulumi.k8s.yaml with two replicas per service, `count` nodes in the pool and extra kubernetes settings. */
function config(kubernetes: Record<string, unknown> = {}, count = 1, extra: Record<string, unknown> = {}): StackConfig {
  const input = k8sStackInput() as Record<string, any>;
  return StackConfigSchema.parse({
    ...input,
    ...extra,
    nodePools: input.nodePools.map((p: any) => ({ ...p, count })),
    services: input.services.map((s: any) => ({ ...s, replicas: 2 })),
    kubernetes: { ...input.kubernetes, ...kubernetes },
  });
}
function render(c: StackConfig) {
  const plan = planDeployment("k8s", c);
  const settings = resolveKubernetesSettings(c);
  return { plan, serving: renderServingManifests({ plan, config: c, settings }), monitoring: renderMonitoringManifests(plan, c, settings) };
}
const pod = (r: ReturnType<typeof render>, i = 0) => r.serving.services[i].statefulSet.spec!.template.spec!;
const routerPod = (r: ReturnType<typeof render>, i = 0) => r.serving.services[i].router!.deployment.spec!.template.spec!;

describe("replicas of a service are spread over nodes", () => {
  test("one per node (DoNotSchedule) where the pool has a node per replica", () => {
    const r = render(config({}, 2));
    expect(r.plan.nodes.map((n) => n.pool)).toEqual(["h100", "h100"]);
    const [spread] = pod(r).topologySpreadConstraints!;
    expect(spread).toMatchObject({ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" });
    expect(subset(spread.labelSelector!.matchLabels!, r.serving.services[0].statefulSet.spec!.template.metadata!.labels)).toBe(true);
  });

  test("as far as nodes allow (ScheduleAnyway) where the pool has fewer nodes, and the plan warns", () => {
    const r = render(config({}, 1));
    expect(pod(r).topologySpreadConstraints![0].whenUnsatisfiable).toBe("ScheduleAnyway");
    expect(clusterWarnings(appliedObjects(r.serving, r.monitoring))).toContainEqual(expect.stringMatching(/^qwen3-32b: its node pool has fewer nodes than its 2 replicas/));
  });
});

describe("graceful stop", () => {
  const r = render(config({ preStopSeconds: 20 }, 1, { proxy: { maxGenerationSeconds: 1200 } }));

  test("SGLang and the router sleep before SIGTERM, and get the longest generation after it", () => {
    const sglang = pod(r).containers.find((c) => c.name === "sglang")!;
    expect(sglang.lifecycle).toEqual({ preStop: { exec: { command: ["sleep", "20"] } } });
    expect(pod(r).terminationGracePeriodSeconds).toBe(1220);
    const router = routerPod(r).containers.find((c) => c.name === "router")!;
    expect(router.lifecycle).toEqual({ preStop: { exec: { command: ["sleep", "20"] } } });
    expect(routerPod(r).terminationGracePeriodSeconds).toBe(1220);
  });
});

describe("containers that request no GPU see none", () => {
  test("the weights init container and every router container set NVIDIA_VISIBLE_DEVICES=void; SGLang does not", () => {
    const r = render(config());
    const void_ = { name: "NVIDIA_VISIBLE_DEVICES", value: "void" };
    expect(pod(r).initContainers![0].env).toContainEqual(void_);
    for (const c of [...routerPod(r).initContainers!, ...routerPod(r).containers]) expect(c.env, c.name).toContainEqual(void_);
    expect(pod(r).containers.find((c) => c.name === "sglang")!.env).not.toContainEqual(void_);
  });
});

describe("the router", () => {
  const r = render(config());
  const m = r.serving.services[0].router!;

  test("two replicas spread over nodes, with a PDB of one: a drain always leaves one serving", () => {
    expect(m.deployment.spec!.replicas).toBe(2);
    expect(m.pdb.spec).toMatchObject({ maxUnavailable: 1 });
    expect(subset(m.pdb.spec!.selector!.matchLabels!, m.deployment.spec!.template.metadata!.labels)).toBe(true);
    expect(routerPod(r).topologySpreadConstraints![0]).toMatchObject({ topologyKey: "kubernetes.io/hostname" });
  });

  test("runs on the small python image with exactly the hash-pinned wheels, not on the CUDA server image", () => {
    const [install] = routerPod(r).initContainers!;
    const [router] = routerPod(r).containers;
    expect([install.image, router.image]).toEqual([IMAGES.routerPython, IMAGES.routerPython]);
    expect(router.image).not.toBe(IMAGES.sglang);
    expect(install.command).toEqual(expect.arrayContaining(["--require-hashes", "--no-deps", "--only-binary=:all:"]));
    expect(m.requirements!.data!["requirements.txt"]).toBe(routerRequirements());
    expect(routerRequirements()).toMatch(/^smg==1\.13\.0 \\\n\s+--hash=sha256:[0-9a-f]{64}/m);
    expect(router.env).toContainEqual({ name: "PYTHONPATH", value: "/opt/smg" });
  });

  test("a prebuilt routerImage (by digest) runs as is, with no install", () => {
    const pre = render(config({ routerImage: `registry.example.com/smg@${DIGEST}` }));
    // Only the front proxy's sidecar: no install of the wheels.
    expect(routerPod(pre).initContainers!.map((c) => c.name)).toEqual(["proxy"]);
    expect(routerPod(pre).containers[0].image).toBe(`registry.example.com/smg@${DIGEST}`);
    expect(pre.serving.services[0].router!.requirements).toBeUndefined();
  });
});

describe("dcgm-exporter's instance is the node's name, as node-exporter's", () => {
  test("the ServiceMonitor and the node-exporter values both copy __meta_kubernetes_pod_node_name into instance", () => {
    const { monitoring } = render(config());
    const relabel = { action: "replace", sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "instance" };
    expect(monitoring.serviceMonitors.find((s) => s.metadata.name === "dcgm-exporter")!.spec.endpoints[0].relabelings).toContainEqual(relabel);
    expect((monitoring.install!.release.values as any)["prometheus-node-exporter"].prometheus.monitor.relabelings).toContainEqual(relabel);
  });
});

describe("pulls, digests, RuntimeClass, PriorityClass", () => {
  test("pull secrets on every pod, a digest-pinned server image as given, runtimeClassName on SGLang, the PriorityClass on SGLang and routers", () => {
    const c = config({ imagePullSecrets: ["regcred"], runtimeClassName: "nvidia", priorityClass: { name: "llm", value: 100000 } }, 1, {
      image: `registry.example.com/sglang:v0.4.9.post2-cu126@${DIGEST}`,
    });
    const r = render(c);
    for (const spec of [pod(r), routerPod(r), r.serving.services[0].seed!.job.spec!.template.spec!]) expect(spec.imagePullSecrets).toEqual([{ name: "regcred" }]);
    expect(pod(r).containers[0].image).toBe(`registry.example.com/sglang:v0.4.9.post2-cu126@${DIGEST}`);
    expect(pod(r).initContainers![0].image).toBe(c.image);
    expect(pod(r).runtimeClassName).toBe("nvidia");
    expect([pod(r).priorityClassName, routerPod(r).priorityClassName]).toEqual(["llm", "llm"]);
    expect(r.serving.priorityClass).toMatchObject({ metadata: { name: "llm" }, value: 100000, globalDefault: false });
  });

  test("none of them by default", () => {
    const r = render(config());
    expect([pod(r).imagePullSecrets, pod(r).runtimeClassName, pod(r).priorityClassName, r.serving.priorityClass]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
