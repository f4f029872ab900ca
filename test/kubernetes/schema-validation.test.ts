// Every Kubernetes object we render, as written to out/<stack>/k8s/, validates against the OpenAPI
// schemas kubernetes-models 5.1.0 was generated from (Kubernetes 1.36, per its CHANGELOG).
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import Ajv from "ajv";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PriorityClass } from "kubernetes-models/scheduling.k8s.io/v1/PriorityClass";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { StackConfig } from "../../components/config/schema";
import { kubernetesArtifacts, objectPath } from "../../components/kubernetes/artifacts";
import { renderServingManifests, servingObjects } from "../../components/kubernetes/manifests";
import { renderMonitoringManifests } from "../../components/kubernetes/monitoring-manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { planDeployment } from "../../components/sglang/planner";
import { k8sStackConfig, routedConfig } from "./helpers";
import snapshotCrds from "../fixtures/crds/volume-snapshots.json";

type Model = new (data: never) => { validate(): void };

/** A custom resource judged by its CRD's own openAPIV3Schema (external-snapshotter's, test/fixtures/crds). */
function crdModel(schema: object): Model {
  const check = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  return class {
    constructor(private readonly data: never) {}
    validate(): void {
      if (!check(this.data)) throw new Error(JSON.stringify(check.errors));
    }
  };
}
const MODELS: Record<string, Model> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/Secret": Secret,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/StatefulSet": StatefulSet,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "storage.k8s.io/v1/StorageClass": StorageClass,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "batch/v1/Job": Job,
  "scheduling.k8s.io/v1/PriorityClass": PriorityClass,
  ...Object.fromEntries(Object.entries(snapshotCrds.schemas).map(([k, schema]) => [k, crdModel(schema)])),
  // Prometheus Operator custom resources, from the operator's CRD schemas
  // (@kubernetes-models/prometheus-operator 6.0.0).
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

function render(config: StackConfig, tokens: ("hf-token" | "modelscope-token")[] = [], apiKeys: string[] = []) {
  const plan = planDeployment("k8s", config);
  const settings = resolveKubernetesSettings(config);
  const serving = renderServingManifests({ plan, config, settings, tokens, apiKeys });
  const monitoring = renderMonitoringManifests(plan, config, settings);
  return { serving, artifacts: kubernetesArtifacts(serving, monitoring) };
}

/** The written YAML objects (the Helm release file is chart input, not an object). */
function writtenObjects(artifacts: { path: string; content: string }[]) {
  return artifacts.filter((a) => a.path.startsWith("k8s/") && !a.path.includes("/helm-release-")).map((a) => ({ path: a.path, object: parse(a.content) as { apiVersion: string; kind: string } }));
}

const CASES: Array<[string, () => ReturnType<typeof render>]> = [
  ["Pulumi.k8s.yaml", () => render(k8sStackConfig())],
  [
    "routed, Ingress, hub tokens, API keys, existing StorageClass and operator",
    () => render(routedConfig({ storage: { create: false, storageClassName: "fast" }, monitoring: { install: false } }), ["hf-token", "modelscope-token"], ["qwen3-32b", "qwen25-vl-32b"]),
  ],
  [
    "zone, PriorityClass, RuntimeClass, pull secrets, digests, prebuilt router, ALB",
    () =>
      render(
        routedConfig({
          nodePools: { h100: { nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" }, zone: "us-east-1b" } },
          priorityClass: { name: "llm-serving", value: 100000 },
          runtimeClassName: "nvidia",
          imagePullSecrets: ["registry-creds"],
          routerImage: `registry.example.com/smg@sha256:${"a".repeat(64)}`,
          ingress: { className: "alb", domain: "llm.example.com" },
          networkPolicy: { clients: [{ cidr: "10.0.0.0/16" }], prometheus: [{ namespaceLabels: { "kubernetes.io/metadata.name": "observability" } }] },
        }),
      ),
  ],
];

describe.each(CASES)("%s", (_name, make) => {
  const { serving, artifacts } = make();
  const written = writtenObjects(artifacts);

  test("every written object is a kind we validate, and validates against the Kubernetes schemas", () => {
    expect(written.length).toBeGreaterThan(10);
    for (const { path, object } of written) {
      const key = `${object.apiVersion}/${object.kind}`;
      const Model = MODELS[key];
      expect(Model, `${path}: ${key} has no schema model here`).toBeDefined();
      expect(() => new Model(object as never).validate(), path).not.toThrow();
    }
  });

  test("each rendered object is written to its own file, unchanged", () => {
    const byPath = new Map(written.map((w) => [w.path, w.object]));
    const objects = servingObjects(serving);
    expect(new Set(objects.map(objectPath)).size).toBe(objects.length);
    for (const o of objects) expect(byPath.get(objectPath(o)), objectPath(o)).toEqual(JSON.parse(JSON.stringify(o)));
  });
});

test("the validation can fail: a NetworkPolicy port that is a list and an ipBlock without a cidr are refused", () => {
  const { serving } = render(routedConfig());
  const policy = JSON.parse(JSON.stringify(serving.services[0].networkPolicies[0]));
  policy.spec.ingress[0].ports[0].port = [9001];
  expect(() => new NetworkPolicy(policy).validate()).toThrow(/port/);
  const open = JSON.parse(JSON.stringify(serving.services[0].networkPolicies[0]));
  open.spec.ingress[0].from = [{ ipBlock: {} }];
  expect(() => new NetworkPolicy(open).validate()).toThrow(/cidr/);
});

test("the validation can fail: a StatefulSet with a text replica count and a Service port out of range are refused", () => {
  const { serving } = render(k8sStackConfig());
  const sts = JSON.parse(JSON.stringify(serving.services[0].statefulSet));
  sts.spec.replicas = "two";
  expect(() => new StatefulSet(sts).validate()).toThrow(/replicas/);
  const svc = JSON.parse(JSON.stringify(serving.services[0].front));
  svc.spec.ports[0].port = "http";
  expect(() => new Service(svc).validate()).toThrow(/port/);
});

test("the snapshot CRD schemas can fail: a VolumeSnapshot without a source and a class with an unknown deletion policy are refused", () => {
  const [snapshot, snapshotClass] = ["VolumeSnapshot", "VolumeSnapshotClass"].map((k) => MODELS[`snapshot.storage.k8s.io/v1/${k}`]);
  expect(() => new snapshot({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", metadata: { name: "x" }, spec: {} } as never).validate()).toThrow(/source/);
  expect(() =>
    new snapshotClass({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshotClass", metadata: { name: "x" }, driver: "ebs.csi.aws.com", deletionPolicy: "Keep" } as never).validate(),
  ).toThrow(/allowedValues|enum/);
});

test("custom resources are validated too: a ServiceMonitor with a numeric port name and a rule without expr are refused", () => {
  expect(() => new ServiceMonitor({ metadata: { name: "x" }, spec: { selector: {}, endpoints: [{ port: 5 as never }] } }).validate()).toThrow(/port/);
  expect(() => new PrometheusRule({ metadata: { name: "x" }, spec: { groups: [{ name: "g", rules: [{ alert: "A" } as never] }] } }).validate()).toThrow(/expr/);
});
