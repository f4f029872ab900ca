/**
 * What a kubernetes stack relies on the cluster for, read off the objects it would apply (so the plan
 * and the resources cannot disagree), each with a command that checks it; and the plan-time warnings
 * about what would strand a pod (a zonal volume without a pinned zone, replicas packed on one node).
 * Pure: the plan report derives both from the recorded resources, KubernetesPlatform from its manifests.
 */
import { IMAGES } from "../contract";
import { HOSTNAME_LABEL, POOL_ANNOTATION, ZONAL_PROVISIONERS, ZONE_LABEL } from "./manifests/pods";

/** One object as applied (a manifest, or a Helm release as `{ kind: "Release", spec: <its inputs> }`). */
export type AppliedObject = {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string> };
} & Record<string, unknown>;

export interface Prerequisite {
  readonly id: string;
  /** What must be in place. */
  readonly what: string;
  /** A command that shows whether it is. */
  readonly check: string;
}

/** The SGLang image: ~11 GiB to pull, ~30 GiB unpacked (config/aws.ts), and the kubelet's image GC starts at 85% of the disk. */
export const MIN_NODE_DISK_GIB = 80;

/* eslint-disable @typescript-eslint/no-explicit-any -- reading applied objects by their documented field names */
const of = (objects: readonly AppliedObject[], kind: string) => objects.filter((o) => o.kind === kind) as any[];
const selectorArg = (sel: Record<string, string>) =>
  Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** Every prerequisite the objects rely on, in the order a user would check them. */
export function clusterPrerequisites(objects: readonly AppliedObject[]): Prerequisite[] {
  const out: Prerequisite[] = [];
  const sets = of(objects, "StatefulSet");
  const createdClasses = new Map(of(objects, "StorageClass").map((c) => [c.metadata.name as string, c.provisioner as string]));
  const ns = sets[0]?.metadata?.namespace ?? "default";
  const pools = new Map<string, { gpus: string[]; services: string[] }>();
  for (const s of sets) {
    const pod = s.spec.template.spec;
    const sel = selectorArg(pod.nodeSelector ?? {});
    const entry = pools.get(sel) ?? { gpus: [], services: [] };
    entry.gpus.push(pod.containers.find((c: any) => c.resources?.limits?.["nvidia.com/gpu"])?.resources.limits["nvidia.com/gpu"]);
    entry.services.push(s.metadata.name);
    pools.set(sel, entry);
    if (pod.runtimeClassName && !out.some((p) => p.id === `runtime-class:${pod.runtimeClassName}`))
      out.push({ id: `runtime-class:${pod.runtimeClassName}`, what: `RuntimeClass ${pod.runtimeClassName}`, check: `kubectl get runtimeclass ${pod.runtimeClassName}` });
  }
  for (const [sel, p] of pools)
    out.unshift({
      id: `gpu-nodes:${sel}`,
      what: `GPU nodes labelled ${sel} (GPU feature discovery's labels: NVIDIA GPU operator, or the device plugin with GFD) with allocatable nvidia.com/gpu for ${p.services.map((s, i) => `${s} (${p.gpus[i]} per replica)`).join(", ")}, and at least ${MIN_NODE_DISK_GIB} GiB of root disk each: the SGLang image is ~11 GiB to pull and ~30 GiB unpacked`,
      check: `kubectl get nodes -l '${sel}' -o custom-columns='NAME:.metadata.name,GPUS:.status.allocatable.nvidia\\.com/gpu,PRODUCT:.metadata.labels.nvidia\\.com/gpu\\.product,ZONE:.metadata.labels.topology\\.kubernetes\\.io/zone,DISK:.status.capacity.ephemeral-storage'`,
    });
  const claimClasses = new Set<string>([
    ...sets.flatMap((s) => (s.spec.volumeClaimTemplates ?? []).map((t: any) => t.spec.storageClassName as string)),
    ...of(objects, "Release").flatMap(releaseClasses),
  ]);
  for (const cls of claimClasses) {
    const provisioner = createdClasses.get(cls);
    if (provisioner === undefined) out.push({ id: `storage-class:${cls}`, what: `StorageClass ${cls} (the stack does not create it)`, check: `kubectl get storageclass ${cls}` });
  }
  for (const p of new Set([...createdClasses.values()]))
    out.push({
      id: `csi-driver:${p}`,
      what:
        p === "ebs.csi.aws.com"
          ? "the EBS CSI driver (EKS add-on aws-ebs-csi-driver) with the IAM permissions of AmazonEBSCSIDriverPolicy on its controller's service account (IRSA or Pod Identity): it creates, attaches and snapshots the volumes"
          : `the CSI driver ${p}`,
      check: `kubectl get csidriver ${p} && kubectl get pods -A -l 'app.kubernetes.io/name in (aws-ebs-csi-driver,${p})'`,
    });
  if (of(objects, "VolumeSnapshot").length || of(objects, "VolumeSnapshotClass").length)
    out.push({
      id: "volume-snapshots",
      what: "the snapshot.storage.k8s.io/v1 CRDs and the snapshot controller (EKS add-on snapshot-controller), and the CSI driver's snapshotter: new replicas' volumes are created from a snapshot",
      check:
        "kubectl get crd volumesnapshots.snapshot.storage.k8s.io volumesnapshotclasses.snapshot.storage.k8s.io volumesnapshotcontents.snapshot.storage.k8s.io && kubectl get pods -A | grep snapshot-controller",
    });
  const existingSnapshotClasses = [...new Set(of(objects, "VolumeSnapshot").map((v) => v.spec.volumeSnapshotClassName as string))].filter(
    (c) => !of(objects, "VolumeSnapshotClass").some((k) => k.metadata.name === c),
  );
  for (const c of existingSnapshotClasses) out.push({ id: `snapshot-class:${c}`, what: `VolumeSnapshotClass ${c}`, check: `kubectl get volumesnapshotclass ${c}` });
  out.push({
    id: "egress",
    what: "egress from the serving namespace to the model hub (huggingface.co and its CDN, or www.modelscope.cn) for the weight Job and init containers, and to pypi.org and files.pythonhosted.org for router pods without a prebuilt routerImage",
    check: `kubectl -n ${ns} run qwen-egress-check --rm -i --restart=Never --image=${IMAGES.routerPython} -- python3 -c "import urllib.request as u; [print(h, u.urlopen(h, timeout=10).status) for h in ('https://huggingface.co/api/models', 'https://pypi.org/simple/smg/')]"`,
  });
  const pods = [...sets, ...of(objects, "Deployment")].map((d) => d.spec.template.spec);
  if (pods.some((p) => (p.initContainers ?? []).some((c: any) => c.restartPolicy === "Always")))
    out.push({
      id: "native-sidecars",
      what: "Kubernetes 1.29 or later (native sidecar containers, on by default from 1.29): the front proxy in each SGLang and router pod is one",
      check: "kubectl version -o json | python3 -c \"import json,sys; v=json.load(sys.stdin)['serverVersion']; print(v['gitVersion'])\"",
    });
  if (of(objects, "NetworkPolicy").length)
    out.push({
      id: "network-policy",
      what: "a network plugin that enforces NetworkPolicy (EKS: the VPC CNI with enableNetworkPolicy, or Calico or Cilium); without one the default-deny policy and its allows are accepted and ignored",
      check:
        "kubectl -n kube-system get daemonset -o custom-columns=NAME:.metadata.name | grep -E 'aws-node|calico-node|cilium' && kubectl -n kube-system get configmap amazon-vpc-cni -o jsonpath='{.data.enable-network-policy-controller}'",
    });
  for (const i of of(objects, "Ingress")) {
    const cls = i.spec.ingressClassName as string;
    if (!out.some((p) => p.id === `ingress-class:${cls}`))
      out.push({
        id: `ingress-class:${cls}`,
        what: `an Ingress controller serving IngressClass ${cls} (ingress-nginx, or the AWS Load Balancer Controller for alb)`,
        check: `kubectl get ingressclass ${cls}`,
      });
  }
  const created = new Set(of(objects, "PriorityClass").map((p) => p.metadata.name as string));
  for (const name of new Set([...sets, ...of(objects, "Deployment")].map((d) => d.spec.template.spec.priorityClassName as string | undefined).filter((x): x is string => !!x && !created.has(x))))
    out.push({ id: `priority-class:${name}`, what: `PriorityClass ${name} (the stack does not create it)`, check: `kubectl get priorityclass ${name}` });
  const pullSecrets = [...new Set(sets.flatMap((s) => (s.spec.template.spec.imagePullSecrets ?? []).map((x: any) => x.name as string)))];
  if (pullSecrets.length)
    out.push({ id: "image-pull-secrets", what: `image pull Secrets ${pullSecrets.join(", ")} in namespace ${ns}`, check: `kubectl -n ${ns} get secret ${pullSecrets.join(" ")}` });
  const monitors = of(objects, "ServiceMonitor");
  if (monitors.length && !of(objects, "Release").length)
    out.push({
      id: "prometheus-operator",
      what: "the Prometheus Operator's CRDs and an operator whose selectors match the monitors' labels (monitoring.install is false)",
      check: "kubectl get crd servicemonitors.monitoring.coreos.com prometheusrules.monitoring.coreos.com && kubectl get prometheus -A",
    });
  if (monitors.length && !of(objects, "Release").length)
    out.push({
      id: "alertmanager",
      what: "an Alertmanager the cluster's Prometheus sends to, routing these alerts to people: the stack does not configure it (monitoring.install is false); monitoring/alertmanager/alertmanager.yml has the receivers and routes of monitoring.alerting to merge into its config",
      check: "kubectl get alertmanager -A && kubectl get prometheus -A -o jsonpath='{.items[*].spec.alerting}'",
    });
  for (const m of monitors.filter((x) => x.metadata.name === "dcgm-exporter")) {
    const [dcgmNs] = m.spec.namespaceSelector.matchNames;
    out.push({
      id: "dcgm-exporter",
      what: `the NVIDIA GPU operator's dcgm-exporter Service in ${dcgmNs} labelled ${selectorArg(m.spec.selector.matchLabels)}, for the GPU dashboard and alerts`,
      check: `kubectl -n ${dcgmNs} get svc -l '${selectorArg(m.spec.selector.matchLabels)}'`,
    });
  }
  return out;
}

/** Classes a kube-prometheus-stack release's Prometheus and Alertmanager claims name. */
function releaseClasses(r: any): string[] {
  const v = r.spec?.values ?? {};
  return [v.prometheus?.prometheusSpec?.storageSpec, v.alertmanager?.alertmanagerSpec?.storage]
    .map((s) => s?.volumeClaimTemplate?.spec?.storageClassName)
    .filter((c): c is string => typeof c === "string");
}

/** What would strand a pod or take several replicas at once, said before anything is applied. */
export function clusterWarnings(objects: readonly AppliedObject[]): string[] {
  const out: string[] = [];
  const classes = new Map(of(objects, "StorageClass").map((c) => [c.metadata.name as string, c.provisioner as string]));
  for (const s of of(objects, "StatefulSet")) {
    const pod = s.spec.template.spec;
    const zoned = JSON.stringify(pod.affinity ?? {}).includes(ZONE_LABEL);
    const cls = s.spec.volumeClaimTemplates?.[0]?.spec?.storageClassName as string | undefined;
    const provisioner = cls === undefined ? undefined : classes.get(cls);
    if (!zoned && cls !== undefined && (provisioner === undefined || ZONAL_PROVISIONERS.includes(provisioner)))
      out.push(
        `${s.metadata.name}: node pool ${s.metadata.annotations?.[POOL_ANNOTATION] ?? "?"} has no zone (kubernetes.nodePools.${s.metadata.annotations?.[POOL_ANNOTATION] ?? "<pool>"}.zone), and its weight volumes (${provisioner ?? `class ${cls}`}) attach only in the zone they were created in: a replacement GPU node in another zone would leave the pod Pending. Set the zone and pin the node group to it.`,
      );
    const spread = (pod.topologySpreadConstraints ?? []).find((t: any) => t.topologyKey === HOSTNAME_LABEL);
    if (spread?.whenUnsatisfiable === "ScheduleAnyway")
      out.push(
        `${s.metadata.name}: its node pool has fewer nodes than its ${s.spec.replicas} replicas, so one node failure takes several at once and the PodDisruptionBudget cannot keep one serving; add nodes to the pool to spread them.`,
      );
  }
  return out;
}

/** The prerequisites and warnings as the plan prints them (and the artifact `cluster-prerequisites.md` holds). */
export function prerequisitesText(objects: readonly AppliedObject[]): string {
  const lines = clusterPrerequisites(objects).map((p, i) => `${i + 1}. ${p.what}\n   check: ${p.check}`);
  const warnings = clusterWarnings(objects).map((w) => `warning: ${w}`);
  return [...lines, ...(warnings.length ? ["", ...warnings] : [])].join("\n");
}
