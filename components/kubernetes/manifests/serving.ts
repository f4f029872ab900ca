/** The whole serving side of a kubernetes plan, and its objects in apply order. */
import { QwenServingError } from "../../problems";
import { ingressProblems } from "./ingress";
import { defaultDenyPolicy, networkPolicyProblems } from "./network-policy";
import { API_KEYS_SECRET } from "./proxy";
import { PART_OF, LABELS, SECRET_PLACEHOLDER, SGLANG_SERVICE_ACCOUNT, TOKENS_SECRET, meta } from "./labels";
import { planZones, volumeZoneKey } from "./pods";
import { serviceManifests } from "./service";
import { statefulSetProblems } from "./statefulset";
import { KubernetesObject, ServingManifestInput, ServingManifests } from "./types";

/** Every serving-side object of a kubernetes plan. Throws a QwenServingError naming every service that cannot be one StatefulSet. */
export function renderServingManifests(input: ServingManifestInput): ServingManifests {
  const { settings, plan, config } = input;
  const problems = [...statefulSetProblems(plan), ...ingressProblems(config, settings.ingress), ...networkPolicyProblems(settings)];
  if (problems.length) throw new QwenServingError("platform", problems);
  const ns = settings.namespace;
  const partOf = { [LABELS.partOf]: PART_OF };
  const tokens = input.tokens ?? [];
  const apiKeys = (input.apiKeys ?? []).filter((s) => plan.services.some((p) => p.name === s));
  const storage = settings.storage;
  const zones = planZones(plan, settings);
  return {
    namespace: settings.createNamespace
      ? {
          apiVersion: "v1",
          kind: "Namespace",
          // Baseline forbids host namespaces, hostPath and privileged pods; nothing here needs them.
          metadata: { name: ns, labels: { ...partOf, "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "baseline" } },
        }
      : undefined,
    storageClass: settings.storage.create
      ? {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: { name: settings.storage.storageClassName, labels: partOf },
          provisioner: settings.storage.provisioner,
          parameters: settings.storage.parameters ?? { type: "gp3", throughput: String(config.cache.throughputMiBps), iops: String(config.cache.iops), encrypted: "true" },
          reclaimPolicy: plan.retainCaches ? "Retain" : "Delete",
          // The volume is created in the zone of the node the pod is scheduled to...
          volumeBindingMode: "WaitForFirstConsumer",
          // ...and only in the GPU pools' zones: an EBS volume never attaches in another one.
          ...(zones.length ? { allowedTopologies: [{ matchLabelExpressions: [{ key: volumeZoneKey(storage.provisioner), values: zones }] }] } : {}),
          allowVolumeExpansion: true,
        }
      : undefined,
    snapshotClass:
      storage.snapshots && storage.createSnapshotClass
        ? {
            apiVersion: "snapshot.storage.k8s.io/v1",
            kind: "VolumeSnapshotClass",
            metadata: { name: storage.snapshotClassName, labels: partOf },
            driver: storage.provisioner,
            deletionPolicy: plan.retainCaches ? "Retain" : "Delete",
          }
        : undefined,
    priorityClass:
      settings.priorityClass?.value !== undefined
        ? {
            apiVersion: "scheduling.k8s.io/v1",
            kind: "PriorityClass",
            metadata: { name: settings.priorityClass.name, labels: partOf },
            value: settings.priorityClass.value,
            globalDefault: false,
            description: "qwen-serving: SGLang servers and routers; evicting one costs a full model load.",
          }
        : undefined,
    serviceAccount: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { ...meta(SGLANG_SERVICE_ACCOUNT, ns, partOf), ...(Object.keys(settings.serviceAccountAnnotations).length ? { annotations: { ...settings.serviceAccountAnnotations } } : {}) },
      automountServiceAccountToken: false,
    },
    tokensSecret: tokens.length
      ? { apiVersion: "v1", kind: "Secret", metadata: meta(TOKENS_SECRET, ns, partOf), type: "Opaque", stringData: Object.fromEntries(tokens.map((t) => [t, SECRET_PLACEHOLDER])) }
      : undefined,
    apiKeysSecret: apiKeys.length
      ? { apiVersion: "v1", kind: "Secret", metadata: meta(API_KEYS_SECRET, ns, partOf), type: "Opaque", stringData: Object.fromEntries(apiKeys.map((s) => [s, SECRET_PLACEHOLDER])) }
      : undefined,
    defaultDeny: defaultDenyPolicy(input),
    services: plan.services.map((svc) => serviceManifests(input, svc)),
  };
}

/** Every object in apply order (cluster-scoped and namespace first, workloads last). */
export function servingObjects(m: ServingManifests): KubernetesObject[] {
  const out: KubernetesObject[] = [];
  const push = (o: KubernetesObject | undefined) => o && out.push(o);
  push(m.namespace);
  push(m.storageClass);
  push(m.snapshotClass);
  push(m.priorityClass);
  push(m.serviceAccount);
  push(m.tokensSecret);
  push(m.apiKeysSecret);
  push(m.defaultDeny);
  for (const s of m.services) {
    s.networkPolicies.forEach(push);
    push(s.weightsScript);
    push(s.proxyConfig);
    if (s.seed) [s.seed.claim, s.seed.job, s.seed.snapshot].forEach(push);
    push(s.headless);
    push(s.front);
    push(s.statefulSet);
    push(s.pdb);
    if (s.router) [s.router.serviceAccount, s.router.requirements, s.router.proxyConfig, s.router.deployment, s.router.pdb].forEach(push);
    push(s.ingress);
  }
  return out;
}
