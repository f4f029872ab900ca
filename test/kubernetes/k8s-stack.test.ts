// The real program on Pulumi.k8s.yaml under strict mocks (one run per file: mock state is process-wide).
import { beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { PlanRun, runPlan } from "../../infra/plan";
import { loopbackLaunchArgs } from "../../components/kubernetes/manifests";
import { subset } from "./helpers";

type Inputs = Record<string, any>;
let run: PlanRun;
const of = (type: string) => run.document.resources.filter((r) => r.type === type) as Array<{ type: string; name: string; parent: string | null; inputs: Inputs }>;
const statefulSets = () => of("kubernetes:apps/v1:StatefulSet");
beforeAll(async () => {
  run = await runPlan({ dir: process.cwd(), stack: "k8s", write: false });
});

describe("npm run plan -- --stack k8s", () => {
  test("the kubernetes adapter creates the serving and monitoring resources, all under QwenServing", () => {
    const types = new Set(run.document.resources.map((r) => r.type));
    for (const t of [
      "qwen-serving:kubernetes:KubernetesPlatform",
      "qwen-serving:kubernetes:ServingWorkload",
      "qwen-serving:kubernetes:ClusterMonitoring",
      "kubernetes:core/v1:Namespace",
      "kubernetes:storage.k8s.io/v1:StorageClass",
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:core/v1:Service",
      "kubernetes:policy/v1:PodDisruptionBudget",
      "kubernetes:helm.sh/v3:Release",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    ])
      expect(types, t).toContain(t);
    const names = new Set(run.document.resources.map((r) => r.name));
    for (const r of run.document.resources) if (r.parent !== null) expect(names.has(r.parent), `${r.name} -> ${r.parent}`).toBe(true);
    expect(statefulSets().map((s) => s.inputs.metadata.name)).toEqual(["qwen3-32b", "qwen25-vl-32b"]);
  });

  test("each StatefulSet's GPU limit equals the service's tp and its argv is the plan's", () => {
    for (const svc of run.document.services) {
      const sts = statefulSets().find((s) => s.inputs.metadata.name === svc.name)!;
      const c = sts.inputs.spec.template.spec.containers[0];
      expect(c.resources.limits["nvidia.com/gpu"]).toBe(String(svc.tp));
      expect(c.resources.requests["nvidia.com/gpu"]).toBe(String(svc.tp));
      expect(c.command).toEqual(["python3", "-m", "sglang.launch_server"]);
      // The builder's argv, listening on the pod's loopback twin behind the proxy sidecar.
      expect(c.args).toEqual(loopbackLaunchArgs(svc.launchArgs, svc.port));
    }
  });

  test("startup probe on /health for at least 30 minutes; readiness and liveness on /health_generate", () => {
    for (const sts of statefulSets()) {
      const c = sts.inputs.spec.template.spec.containers[0];
      expect(c.startupProbe.httpGet.path).toBe("/health");
      expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(1800);
      expect([c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path]).toEqual(["/health_generate", "/health_generate"]);
      // Through the proxy sidecar, which holds the planned port.
      const proxy = sts.inputs.spec.template.spec.initContainers.find((x: Inputs) => x.name === "proxy");
      expect(proxy.ports.map((p: Inputs) => p.containerPort)).toContain(c.startupProbe.httpGet.port);
    }
  });

  test("a PodDisruptionBudget of one per service selects that service's pods", () => {
    const pdbs = of("kubernetes:policy/v1:PodDisruptionBudget");
    expect(pdbs.map((p) => p.inputs.spec.maxUnavailable)).toEqual([1, 1]);
    for (const p of pdbs) {
      const sts = statefulSets().find((s) => s.inputs.metadata.name === p.inputs.metadata.name)!;
      expect(subset(p.inputs.spec.selector.matchLabels, sts.inputs.spec.template.metadata.labels)).toBe(true);
    }
  });

  test("the resources carry exactly the objects written to out/k8s/k8s/", () => {
    const files = new Map(run.artifacts.filter((a) => a.path.startsWith("k8s/")).map((a) => [a.path, parse(a.content)]));
    const checked = [
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:core/v1:Service",
      "kubernetes:policy/v1:PodDisruptionBudget",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    ];
    let n = 0;
    for (const r of run.document.resources.filter((x) => checked.includes(x.type))) {
      const i = r.inputs as Inputs;
      const file = `k8s/${i.metadata.namespace ?? "_cluster"}/${i.kind.toLowerCase()}-${i.metadata.name}.yaml`;
      expect(files.get(file), file).toEqual(i);
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(15);
  });

  test("no secret in plain env, and Secrets hold only Pulumi secrets", () => {
    for (const sts of statefulSets()) {
      const spec = sts.inputs.spec.template.spec;
      for (const c of [...spec.containers, ...spec.initContainers]) for (const e of c.env ?? []) expect(e.valueFrom, `${c.name} ${e.name}`).toBeUndefined();
      expect(JSON.stringify(spec)).not.toMatch(/secretKeyRef|\[secret\]/);
    }
    const secrets = of("kubernetes:core/v1:Secret");
    expect(secrets.map((s) => s.inputs.metadata.name)).toEqual(["grafana-admin"]);
    expect(secrets[0].inputs.stringData).toBe("[secret]");
    expect(JSON.stringify(run.document)).not.toContain("REPLACE-WITH");
  });

  test("kube-prometheus-stack comes from a pinned chart and reads Grafana's password from the Secret", () => {
    const [release] = of("kubernetes:helm.sh/v3:Release");
    expect(release.inputs).toMatchObject({
      chart: "kube-prometheus-stack",
      version: "72.6.2",
      namespace: "monitoring",
      repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
    });
    expect(release.inputs.values.grafana.admin.existingSecret).toBe("grafana-admin");
    expect(JSON.stringify(release.inputs.values)).not.toMatch(/adminPassword/);
  });

  test("ServiceMonitors match the Services' labels and ports", () => {
    const services = of("kubernetes:core/v1:Service");
    const monitors = of("kubernetes:monitoring.coreos.com/v1:ServiceMonitor").filter((m) => m.inputs.spec.namespaceSelector.matchNames[0] === "qwen-serving");
    expect(monitors.map((m) => m.inputs.metadata.name).sort()).toEqual(["sglang-qwen25-vl-32b", "sglang-qwen3-32b"]);
    for (const m of monitors) {
      const spec = m.inputs.spec;
      const matched = services.filter((s) => s.inputs.metadata.namespace === spec.namespaceSelector.matchNames[0] && subset(spec.selector.matchLabels, s.inputs.metadata.labels));
      expect(matched, m.inputs.metadata.name).toHaveLength(1);
      const port = matched[0].inputs.spec.ports.find((p: Inputs) => p.name === spec.endpoints[0].port);
      expect(port, m.inputs.metadata.name).toBeDefined();
      // ...and that Service reaches the pod's port of that name: the front proxy sidecar's, before SGLang.
      const sts = statefulSets().find((s) => subset(matched[0].inputs.spec.selector, s.inputs.spec.template.metadata.labels))!;
      expect(sts.inputs.spec.template.spec.initContainers.find((x: Inputs) => x.name === "proxy").ports.map((p: Inputs) => p.name)).toContain(port.targetPort);
      expect(m.inputs.metadata.labels.release).toBe("kube-prometheus-stack");
    }
  });

  test("endpoints are the in-cluster Service addresses and every object is written under k8s/", () => {
    expect(run.text).toContain("qwen3-32b: http://qwen3-32b.qwen-serving.svc.cluster.local:9001");
    expect(run.document.artifacts).toEqual(
      expect.arrayContaining([
        "k8s/qwen-serving/statefulset-qwen3-32b.yaml",
        "k8s/monitoring/helm-release-kube-prometheus-stack.yaml",
        "k8s/monitoring/prometheusrule-qwen-serving-alerts.yaml",
        "monitoring/rules/sglang.rules.yml",
      ]),
    );
  });
});
