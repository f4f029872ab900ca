// Issue 16, items 1 and 3: monitoring volumes name a StorageClass, the plan lists the cluster
// prerequisites it relies on, weight volumes stay in the GPU pool's zone and new replicas start from
// a snapshot of a volume a Job filled once per revision.
import { describe, expect, test } from "vitest";
import { StackConfig, StackConfigSchema } from "../../components/config/schema";
import { appliedObjects, kubernetesArtifacts, PREREQUISITES_PATH } from "../../components/kubernetes/artifacts";
import { servingObjects, renderServingManifests, seedNames, serviceWeights } from "../../components/kubernetes/manifests";
import { renderMonitoringManifests } from "../../components/kubernetes/monitoring-manifests";
import { clusterPrerequisites, clusterWarnings } from "../../components/kubernetes/prerequisites";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { planDeployment } from "../../components/sglang/planner";
import { k8sStackInput, routedConfig, subset } from "./helpers";

/** Pulumi.k8s.yaml with kubernetes settings laid over its own. */
function k8s(kubernetes: Record<string, unknown> = {}): StackConfig {
  const input = k8sStackInput() as Record<string, any>;
  return StackConfigSchema.parse({ ...input, kubernetes: { ...input.kubernetes, ...kubernetes } });
}
const H100 = { nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" } };

function render(config: StackConfig, stack = "k8s") {
  const plan = planDeployment(stack, config);
  const settings = resolveKubernetesSettings(config);
  const serving = renderServingManifests({ plan, config, settings });
  const monitoring = renderMonitoringManifests(plan, config, settings);
  return { plan, serving, monitoring, objects: appliedObjects(serving, monitoring), artifacts: kubernetesArtifacts(serving, monitoring) };
}

describe("monitoring volumes name a StorageClass the stack creates (EKS >= 1.30 has no default class)", () => {
  const { monitoring } = render(k8s());
  const values = monitoring.install!.release.values as any;

  test("Prometheus' and Alertmanager's claims name qwen-monitoring, and the stack creates it", () => {
    expect(values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec).toEqual({
      storageClassName: "qwen-monitoring",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "50Gi" } },
    });
    expect(values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec).toEqual({
      storageClassName: "qwen-monitoring",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "10Gi" } },
    });
    expect(monitoring.install!.storageClass).toMatchObject({
      metadata: { name: "qwen-monitoring" },
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true" },
      volumeBindingMode: "WaitForFirstConsumer",
    });
  });

  test("an existing class is named, not created, and becomes a prerequisite to check", () => {
    const r = render(k8s({ monitoring: { storageClassName: "gp3-csi", createStorageClass: false } }));
    expect(r.monitoring.install!.storageClass).toBeUndefined();
    expect((r.monitoring.install!.release.values as any).prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe("gp3-csi");
    expect(clusterPrerequisites(r.objects).find((p) => p.id === "storage-class:gp3-csi")).toEqual({
      id: "storage-class:gp3-csi",
      what: "StorageClass gp3-csi (the stack does not create it)",
      check: "kubectl get storageclass gp3-csi",
    });
  });
});

describe("the plan lists the cluster prerequisites, each with a check", () => {
  const { objects, artifacts } = render(k8s());
  const ids = clusterPrerequisites(objects).map((p) => p.id);

  test("GPU nodes with GFD labels and root disk, the EBS CSI driver and its IAM policy, snapshots, egress to the hub", () => {
    expect(ids).toEqual(["gpu-nodes:nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3", "csi-driver:ebs.csi.aws.com", "volume-snapshots", "egress", "native-sidecars", "network-policy", "dcgm-exporter"]);
    const text = clusterPrerequisites(objects)
      .map((p) => p.what)
      .join("\n");
    for (const fact of [
      "GPU feature discovery",
      "80 GiB of root disk",
      "~30 GiB unpacked",
      "AmazonEBSCSIDriverPolicy",
      "snapshot controller",
      "huggingface.co",
      "pypi.org",
      "Kubernetes 1.29 or later",
      "enforces NetworkPolicy",
    ])
      expect(text).toContain(fact);
  });

  test("every check is a kubectl command, and the whole list is an artifact for review", () => {
    for (const p of clusterPrerequisites(objects)) expect(p.check, p.id).toMatch(/^kubectl /);
    const doc = artifacts.find((a) => a.path === PREREQUISITES_PATH)!.content;
    expect(doc).toContain("kubectl get csidriver ebs.csi.aws.com");
    expect(doc).toContain("warning: qwen3-32b: node pool h100 has no zone");
  });

  test("options add their own: an Ingress class, a RuntimeClass, an existing PriorityClass, pull secrets, an existing operator", () => {
    const r = render(
      k8s({
        ingress: { className: "nginx", domain: "llm.example.com" },
        runtimeClassName: "nvidia",
        priorityClass: { name: "gpu-critical" },
        imagePullSecrets: ["regcred"],
        monitoring: { install: false },
      }),
    );
    const more = clusterPrerequisites(r.objects).map((p) => p.id);
    expect(more).toEqual(expect.arrayContaining(["ingress-class:nginx", "runtime-class:nvidia", "priority-class:gpu-critical", "image-pull-secrets", "prometheus-operator"]));
    // A PriorityClass with a value is created by the stack, so it is no prerequisite.
    expect(clusterPrerequisites(render(k8s({ priorityClass: { name: "gpu-critical", value: 1000 } })).objects).map((p) => p.id)).not.toContain("priority-class:gpu-critical");
  });
});

describe("weight volumes stay in the GPU pool's zone", () => {
  test("with a zone: the StorageClass allows only that zone (the EBS driver's key) and the pods require it", () => {
    const { serving, objects } = render(k8s({ nodePools: { h100: { ...H100, zone: "us-east-1b" } } }));
    expect(serving.storageClass!.allowedTopologies).toEqual([{ matchLabelExpressions: [{ key: "topology.ebs.csi.aws.com/zone", values: ["us-east-1b"] }] }]);
    for (const s of serving.services) {
      expect(s.statefulSet.spec!.template.spec!.affinity).toEqual({
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1b"] }] }] },
        },
      });
      // The seed Job lands in the same zone, so its volume and snapshot are there too.
      expect(s.seed!.job.spec!.template.spec!.affinity).toEqual(s.statefulSet.spec!.template.spec!.affinity);
    }
    expect(clusterWarnings(objects)).toEqual([]);
  });

  test("without one, a replacement node in another zone is a plan-time warning, naming the key to set", () => {
    const { serving, objects } = render(k8s());
    expect(serving.storageClass!.allowedTopologies).toBeUndefined();
    expect(clusterWarnings(objects)).toEqual([
      expect.stringMatching(/^qwen3-32b: node pool h100 has no zone \(kubernetes\.nodePools\.h100\.zone\).*replacement GPU node in another zone would leave the pod Pending/),
      expect.stringMatching(/^qwen25-vl-32b: node pool h100 has no zone/),
    ]);
  });
});

describe("new replicas start from a snapshot of a volume a Job filled once", () => {
  const { plan, serving } = render(k8s());
  const [svc] = plan.services;
  const [m] = serving.services;
  const w = serviceWeights(svc);

  test("seed claim, Job and VolumeSnapshot come before the StatefulSet, whose claims are created from the snapshot", () => {
    const order = servingObjects(serving).map((o) => `${o.kind}/${o.metadata!.name}`);
    const n = seedNames(svc.name, w);
    const at = (k: string) => order.indexOf(k);
    expect(at(`PersistentVolumeClaim/${n.claim}`)).toBeLessThan(at(`Job/${n.job}`));
    expect(at(`Job/${n.job}`)).toBeLessThan(at(`VolumeSnapshot/${n.snapshot}`));
    expect(at(`VolumeSnapshot/${n.snapshot}`)).toBeLessThan(at(`StatefulSet/${svc.name}`));
    expect(m.seed!.snapshot.spec).toEqual({ volumeSnapshotClassName: "qwen-weights", source: { persistentVolumeClaimName: n.claim } });
    expect(m.statefulSet.spec!.volumeClaimTemplates![0].spec!.dataSource).toEqual({ apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: n.snapshot });
    expect(serving.snapshotClass).toMatchObject({ driver: "ebs.csi.aws.com", deletionPolicy: "Delete" });
  });

  test("the Job fills the same revision folder the pods serve, without GPUs, and Pulumi does not wait on its unbound claim", () => {
    const job = m.seed!.job.spec!.template.spec!;
    expect(job.containers[0].command).toEqual(["bash", "/opt/qwen-serving/weights-revision.sh", "/volume", w.dir, "/opt/qwen-serving/fetch-weights.sh"]);
    expect(job.containers[0].env).toContainEqual({ name: "NVIDIA_VISIBLE_DEVICES", value: "void" });
    expect(job.containers[0].resources!.limits!["nvidia.com/gpu"]).toBeUndefined();
    expect(job.restartPolicy).toBe("Never");
    expect(m.seed!.claim.metadata!.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
  });

  test("the seed's pod is no replica: neither the headless Service (the routers' worker names), the PDB nor the NetworkPolicy selects it", () => {
    const routed = render(routedConfig()).serving.services[0];
    const podLabels = routed.seed!.job.spec!.template.metadata!.labels!;
    expect(subset(routed.headless.spec!.selector!, podLabels)).toBe(false);
    expect(subset(routed.pdb.spec!.selector!.matchLabels!, podLabels)).toBe(false);
    expect(subset(routed.networkPolicies[0].spec!.podSelector!.matchLabels!, podLabels)).toBe(false);
    // It is still one of the service's objects, under the stack's default deny.
    expect(podLabels).toMatchObject({ "app.kubernetes.io/part-of": "qwen-serving", "app.kubernetes.io/instance": svc.name });
  });

  test("storage.snapshots false: no seed, every replica downloads for itself", () => {
    const off = render(k8s({ storage: { snapshots: false } }));
    expect(off.serving.services[0].seed).toBeUndefined();
    expect(off.serving.snapshotClass).toBeUndefined();
    expect(off.serving.services[0].statefulSet.spec!.volumeClaimTemplates![0].spec!.dataSource).toBeUndefined();
    expect(clusterPrerequisites(off.objects).map((p) => p.id)).not.toContain("volume-snapshots");
  });

  test("prod keeps snapshots like volumes", () => {
    expect(render(k8s(), "prod").serving.snapshotClass!.deletionPolicy).toBe("Retain");
  });
});
