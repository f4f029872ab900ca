/**
 * Kubernetes objects of the serving side, as plain typed data (kubernetes-models types, which the
 * tests validate against the pinned Kubernetes OpenAPI schemas). KubernetesPlatform creates its
 * resources from exactly these objects, and they are written as YAML artifacts under `k8s/`.
 * Pure: no Pulumi imports.
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap" with { "resolution-mode": "import" };
import type { IContainer } from "kubernetes-models/v1/Container" with { "resolution-mode": "import" };
import type { INamespace } from "kubernetes-models/v1/Namespace" with { "resolution-mode": "import" };
import type { IProbe } from "kubernetes-models/v1/Probe" with { "resolution-mode": "import" };
import type { ISecret } from "kubernetes-models/v1/Secret" with { "resolution-mode": "import" };
import type { IService } from "kubernetes-models/v1/Service" with { "resolution-mode": "import" };
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount" with { "resolution-mode": "import" };
import type { IServicePort } from "kubernetes-models/v1/ServicePort" with { "resolution-mode": "import" };
import type { IVolume } from "kubernetes-models/v1/Volume" with { "resolution-mode": "import" };
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount" with { "resolution-mode": "import" };
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment" with { "resolution-mode": "import" };
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet" with { "resolution-mode": "import" };
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress" with { "resolution-mode": "import" };
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget" with { "resolution-mode": "import" };
import type { IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role" with { "resolution-mode": "import" };
import type { IRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding" with { "resolution-mode": "import" };
import type { IStorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass" with { "resolution-mode": "import" };
import { KubernetesSettings } from "../config/kubernetes";
import { StackConfig } from "../config/schema";
import { HF_TOKEN_FILE, MODELSCOPE_TOKEN_FILE, renderWeightsScript, weightsModels } from "../render/scripts/weights";
import { KUBERNETES_PORT_NAMES } from "../render/monitoring";
import { MODELS_MOUNT } from "../sglang/launch-args";
import { DeploymentPlan, ServicePlan } from "../sglang/planner";
import { ROUTER_MODULE } from "../sglang/router-args";
import { poolScheduling } from "./settings";

/** `app.kubernetes.io/part-of` of everything we create; also part of every selector. */
export const PART_OF = "qwen-serving";
export const LABELS = Object.freeze({
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
});
/** `app.kubernetes.io/component` values. */
export const COMPONENTS = Object.freeze({ server: "server", router: "router", endpoint: "endpoint" });

/** Selects the SGLang pods of a service (StatefulSet, headless Service, PDB, router discovery). */
export function serverSelector(service: string): Record<string, string> {
  return { [LABELS.partOf]: PART_OF, [LABELS.instance]: service, [LABELS.component]: COMPONENTS.server };
}
/** Selects the router pods of a service. */
export function routerSelector(service: string): Record<string, string> {
  return { [LABELS.partOf]: PART_OF, [LABELS.instance]: service, [LABELS.component]: COMPONENTS.router };
}
const podLabels = (selector: Record<string, string>, name: string) => ({ ...selector, [LABELS.name]: name, [LABELS.managedBy]: "pulumi" });

/** Object names per service; the StatefulSet's pods are `<service>-<i>`, their volumes `weights-<service>-<i>`. */
export const names = (service: string) => ({
  statefulSet: service,
  /** Headless Service governing the StatefulSet; the SGLang ServiceMonitor selects it. */
  headless: `${service}-sglang`,
  /** The service's stable address: the SGLang pods, or the router when replicas > 1. */
  front: service,
  router: `${service}-router`,
  weightsScript: `${service}-weights`,
  pdb: service,
});
/** The Secret holding the hub tokens for the weight download, mounted as files, never as env values. */
export const TOKENS_SECRET = "qwen-serving-hub-tokens";
/** ServiceAccount of the SGLang pods (no API token mounted; annotations for cloud identities). */
export const SGLANG_SERVICE_ACCOUNT = "qwen-serving-sglang";
/** Value a Secret's data has in artifacts; the resource gets the Pulumi secret. */
export const SECRET_PLACEHOLDER = "[secret]";

export const WEIGHTS_VOLUME = "weights";
const SCRIPT_DIR = "/opt/qwen-serving";
const SCRIPT_FILE = "fetch-weights.sh";
const TOKENS_DIR = "/run/secrets/qwen-serving";

/** Hub tokens the download can use; each is a key of TOKENS_SECRET and a file in the init container. */
export type HubToken = "hf-token" | "modelscope-token";
const TOKEN_ENV: Record<HubToken, { env: string; default: string }> = {
  "hf-token": { env: "HF_TOKEN_FILE", default: HF_TOKEN_FILE },
  "modelscope-token": { env: "MODELSCOPE_TOKEN_FILE", default: MODELSCOPE_TOKEN_FILE },
};

/**
 * Probe timings. SGLang opens its port only once weights, KV pool and CUDA graphs are ready
 * (reference/sglang-0.4.9.post2/endpoints.json), so the startup probe alone carries the load time.
 * - startup: GET /health every 10 s for `startupMinutes`. /health answers 200 as soon as the HTTP
 *   server is up; before that the connection is refused, which counts as a failure, not a crash.
 * - readiness and liveness: GET /health_generate. /health never touches the engine, so a wedged
 *   scheduler (an NCCL hang, a dead TP rank) keeps answering 200 there; /health_generate submits a
 *   1-token generation and answers 200 as soon as ANY output leaves the detokenizer within
 *   SGLANG_HEALTH_CHECK_TIMEOUT (20 s), 503 otherwise. Under load other requests' tokens count, so
 *   a busy server passes. The probe timeout (25 s) exceeds SGLang's 20 s so we read its verdict.
 *   Readiness drops a silent replica from traffic within ~30 s; liveness restarts it only after
 *   ~5 minutes, because a restart costs a full reload.
 */
export const PROBES = Object.freeze({
  startupPeriodSeconds: 10,
  readiness: { periodSeconds: 15, timeoutSeconds: 25, failureThreshold: 2 },
  liveness: { periodSeconds: 60, timeoutSeconds: 25, failureThreshold: 5 },
});

export interface ServiceManifests {
  readonly service: string;
  readonly weightsScript: IConfigMap;
  readonly statefulSet: IStatefulSet;
  readonly headless: IService;
  readonly front: IService;
  readonly pdb: IPodDisruptionBudget;
  /** Only when replicas > 1. */
  readonly router?: {
    readonly serviceAccount: IServiceAccount;
    readonly role: IRole;
    readonly roleBinding: IRoleBinding;
    readonly deployment: IDeployment;
  };
  readonly ingress?: IIngress;
}

export interface ServingManifests {
  /** When the stack creates the namespace. */
  readonly namespace?: INamespace;
  /** When the stack creates the weight StorageClass. */
  readonly storageClass?: IStorageClass;
  readonly serviceAccount: IServiceAccount;
  /** When any hub token is configured; data values are SECRET_PLACEHOLDER. */
  readonly tokensSecret?: ISecret;
  readonly services: readonly ServiceManifests[];
}

export interface ServingManifestInput {
  readonly plan: DeploymentPlan;
  /** The parsed stack config (image, cache, environment). */
  readonly config: StackConfig;
  readonly settings: KubernetesSettings;
  /** Hub tokens present as Pulumi secrets. @default [] */
  readonly tokens?: readonly HubToken[];
}

/** Whether weight volumes outlive their pods and the stack (prod by default). */
export function retainWeights(plan: DeploymentPlan, config: StackConfig): boolean {
  return config.cache.retain ?? plan.environment === "prod";
}

function meta(name: string, namespace: string | undefined, labels: Record<string, string>) {
  return namespace === undefined ? { name, labels } : { name, namespace, labels };
}

/** The pool every replica of a service runs in: one pod template has one node selector. */
function servicePool(plan: DeploymentPlan, svc: ServicePlan): string {
  const pools = [...new Set(svc.placement.map((p) => plan.nodes.find((n) => n.name === p.node)!.pool))];
  if (pools.length !== 1)
    throw new Error(`service '${svc.name}': its replicas were placed on node pools ${pools.join(", ")}; on kubernetes one StatefulSet has one node selector, so set the service's nodePool`);
  return pools[0];
}

/** The argv every replica runs; the planner gives all replicas one port on kubernetes, so they agree. */
function serviceArgv(svc: ServicePlan): readonly string[] {
  const distinct = new Set(svc.placement.map((p) => JSON.stringify(p.launchArgs)));
  if (distinct.size !== 1) throw new Error(`service '${svc.name}': replicas were planned with different argv; a StatefulSet runs one`);
  return svc.placement[0].launchArgs;
}

const httpProbe = (path: string, t: { periodSeconds: number; timeoutSeconds: number; failureThreshold: number }): IProbe => ({
  httpGet: { path, port: KUBERNETES_PORT_NAMES.sglang },
  periodSeconds: t.periodSeconds,
  timeoutSeconds: t.timeoutSeconds,
  failureThreshold: t.failureThreshold,
});

/** SGLang, the `python3 -m sglang.launch_server` argv exactly as the builder made it. */
function sglangContainer(input: ServingManifestInput, svc: ServicePlan): IContainer {
  const { settings } = input;
  const port = svc.placement[0].port;
  const memory = `${settings.resources.memoryGiB}Gi`;
  const gpus = String(svc.tp);
  return {
    name: "sglang",
    image: input.config.image,
    command: ["python3", "-m", "sglang.launch_server"],
    args: [...serviceArgv(svc)],
    ports: [{ name: KUBERNETES_PORT_NAMES.sglang, containerPort: port, protocol: "TCP" }],
    // The weights are on the volume; never reach out to a hub at run time.
    env: [{ name: "HF_HUB_OFFLINE", value: "1" }],
    resources: {
      requests: { cpu: String(settings.resources.cpu), memory, "nvidia.com/gpu": gpus },
      limits: { memory, "nvidia.com/gpu": gpus },
    },
    volumeMounts: [
      { name: WEIGHTS_VOLUME, mountPath: MODELS_MOUNT, readOnly: true },
      { name: "dshm", mountPath: "/dev/shm" },
    ],
    startupProbe: httpProbe("/health", { periodSeconds: PROBES.startupPeriodSeconds, timeoutSeconds: 5, failureThreshold: (settings.startupMinutes * 60) / PROBES.startupPeriodSeconds }),
    readinessProbe: httpProbe("/health_generate", PROBES.readiness),
    livenessProbe: httpProbe("/health_generate", PROBES.liveness),
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

/** Fills the weight volume once (verified, marked complete); a later start finds the marker and exits. */
function weightsContainer(input: ServingManifestInput): IContainer {
  const tokens = input.tokens ?? [];
  const mounts: IVolumeMount[] = [
    { name: WEIGHTS_VOLUME, mountPath: MODELS_MOUNT },
    { name: "weights-script", mountPath: SCRIPT_DIR, readOnly: true },
  ];
  if (tokens.length) mounts.push({ name: "hub-tokens", mountPath: TOKENS_DIR, readOnly: true });
  return {
    name: "weights",
    image: input.config.image,
    command: ["bash", `${SCRIPT_DIR}/${SCRIPT_FILE}`],
    // File paths only: the script reads the tokens from these files.
    ...(tokens.length ? { env: tokens.map((t) => ({ name: TOKEN_ENV[t].env, value: `${TOKENS_DIR}/${t}` })) } : {}),
    resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
    volumeMounts: mounts,
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

function statefulSet(input: ServingManifestInput, svc: ServicePlan): IStatefulSet {
  const { settings, plan } = input;
  const n = names(svc.name);
  const ns = settings.namespace;
  const selector = serverSelector(svc.name);
  const { nodeSelector, tolerations } = poolScheduling(settings, servicePool(plan, svc));
  const volumes: IVolume[] = [
    { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${settings.resources.shmGiB}Gi` } },
    { name: "weights-script", configMap: { name: n.weightsScript, defaultMode: 0o555 } },
  ];
  if ((input.tokens ?? []).length) volumes.push({ name: "hub-tokens", secret: { secretName: TOKENS_SECRET, defaultMode: 0o400 } });
  const retain = retainWeights(plan, input.config);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: meta(n.statefulSet, ns, podLabels(selector, "sglang")),
    spec: {
      serviceName: n.headless,
      replicas: svc.replicas,
      // Replicas are independent servers: start them together, not one cold start after another.
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selector },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: retain ? "Retain" : "Delete", whenScaled: "Retain" },
      template: {
        metadata: { labels: podLabels(selector, "sglang") },
        spec: {
          serviceAccountName: SGLANG_SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          nodeSelector,
          tolerations: tolerations.map((t) => ({ ...t })),
          terminationGracePeriodSeconds: settings.maxGenerationSeconds,
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          initContainers: [weightsContainer(input)],
          containers: [sglangContainer(input, svc)],
          volumes,
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: WEIGHTS_VOLUME, labels: selector },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: settings.storage.storageClassName,
            resources: { requests: { storage: `${svc.weightCacheGiB}Gi` } },
          },
        },
      ],
    },
  };
}

/**
 * sglang-router 0.1.5 finding the replicas itself: it watches the pods matching the selector and
 * adds or removes each as it becomes ready or goes away, so a restarted replica rejoins on its own
 * (unlike the fixed --worker-urls list of routerArgs on hosts).
 */
export function discoveryRouterArgs(svc: ServicePlan, namespace: string): string[] {
  const router = svc.router!;
  return [
    "--host", "0.0.0.0",
    "--port", String(router.port),
    "--policy", router.policy,
    "--service-discovery",
    "--selector", ...Object.entries(serverSelector(svc.name)).map(([k, v]) => `${k}=${v}`),
    "--service-discovery-port", String(svc.placement[0].port),
    "--service-discovery-namespace", namespace,
    // The router binds its metrics to 127.0.0.1 by default, out of Prometheus' reach.
    "--prometheus-host", "0.0.0.0",
    "--prometheus-port", String(router.metricsPort),
  ];
}

function router(input: ServingManifestInput, svc: ServicePlan): NonNullable<ServiceManifests["router"]> {
  const ns = input.settings.namespace;
  const n = names(svc.name);
  const selector = routerSelector(svc.name);
  const labels = podLabels(selector, "sglang-router");
  const tcp = (periodSeconds: number, failureThreshold: number): IProbe => ({ tcpSocket: { port: "http" }, periodSeconds, timeoutSeconds: 5, failureThreshold });
  return {
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(n.router, ns, labels) },
    // Service discovery watches pods in this namespace, and nothing else.
    role: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta(n.router, ns, labels),
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
    },
    roleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(n.router, ns, labels),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: n.router },
      subjects: [{ kind: "ServiceAccount", name: n.router, namespace: ns }],
    },
    deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(n.router, ns, labels),
      spec: {
        // One router: its cache-aware radix trees live in memory, and two would split them.
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: n.router,
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
            terminationGracePeriodSeconds: input.settings.maxGenerationSeconds,
            containers: [
              {
                name: "router",
                image: input.settings.routerImage!,
                command: ["python3", "-m", ROUTER_MODULE],
                args: discoveryRouterArgs(svc, ns),
                ports: [
                  { name: "http", containerPort: svc.router!.port, protocol: "TCP" },
                  { name: KUBERNETES_PORT_NAMES.router, containerPort: svc.router!.metricsPort, protocol: "TCP" },
                ],
                resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "8Gi" } },
                readinessProbe: tcp(10, 3),
                livenessProbe: tcp(20, 3),
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              },
            ],
          },
        },
      },
    },
  };
}

function serviceManifests(input: ServingManifestInput, svc: ServicePlan): ServiceManifests {
  const { settings } = input;
  const ns = settings.namespace;
  const n = names(svc.name);
  const server = serverSelector(svc.name);
  const routed = svc.router !== undefined;
  const frontSelector = routed ? routerSelector(svc.name) : server;
  const frontPorts: IServicePort[] = [{ name: "http", port: svc.port, targetPort: "http", protocol: "TCP" }];
  if (routed) frontPorts.push({ name: KUBERNETES_PORT_NAMES.router, port: svc.router!.metricsPort, targetPort: KUBERNETES_PORT_NAMES.router, protocol: "TCP" });
  const ingress = settings.ingress;
  const host = ingress ? `${svc.name}.${ingress.domain}` : undefined;
  return {
    service: svc.name,
    weightsScript: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(n.weightsScript, ns, server),
      data: { [SCRIPT_FILE]: renderWeightsScript({ models: weightsModels([svc]), cacheRoot: MODELS_MOUNT }) },
    },
    statefulSet: statefulSet(input, svc),
    headless: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(n.headless, ns, server),
      spec: {
        clusterIP: "None",
        // Replicas still loading (or failing readiness) stay scrape targets, so they show as down
        // instead of vanishing from Prometheus.
        publishNotReadyAddresses: true,
        selector: server,
        ports: [{ name: KUBERNETES_PORT_NAMES.sglang, port: svc.placement[0].port, targetPort: KUBERNETES_PORT_NAMES.sglang, protocol: "TCP" }],
      },
    },
    front: {
      apiVersion: "v1",
      kind: "Service",
      // Labelled as the router when it fronts one (the router ServiceMonitor selects it), never as `server`.
      metadata: meta(n.front, ns, { ...frontSelector, [LABELS.component]: routed ? COMPONENTS.router : COMPONENTS.endpoint }),
      spec: { type: "ClusterIP", selector: frontSelector, ports: frontPorts },
    },
    pdb: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta(n.pdb, ns, server),
      spec: {
        // One replica at a time: with more than one the rest keep serving. minAvailable = replicas
        // would block node drains and cluster upgrades forever.
        maxUnavailable: 1,
        selector: { matchLabels: server },
        // A pod that never became ready (still loading, crash-looping) must not block a drain.
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      },
    },
    router: routed ? router(input, svc) : undefined,
    ingress:
      ingress && host
        ? {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: { ...meta(n.front, ns, frontSelector), annotations: { ...ingress.annotations } },
            spec: {
              ingressClassName: ingress.className,
              ...(ingress.tlsSecretName ? { tls: [{ hosts: [host], secretName: ingress.tlsSecretName }] } : {}),
              rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: n.front, port: { name: "http" } } } }] } }],
            },
          }
        : undefined,
  };
}

/** Every serving-side object of a kubernetes plan. Throws when a service cannot be one StatefulSet. */
export function renderServingManifests(input: ServingManifestInput): ServingManifests {
  const { settings, plan, config } = input;
  const ns = settings.namespace;
  const partOf = { [LABELS.partOf]: PART_OF };
  const tokens = input.tokens ?? [];
  const retain = retainWeights(plan, config);
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
          reclaimPolicy: retain ? "Retain" : "Delete",
          // The volume is created in the zone of the node the pod is scheduled to.
          volumeBindingMode: "WaitForFirstConsumer",
          allowVolumeExpansion: true,
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
    services: plan.services.map((svc) => serviceManifests(input, svc)),
  };
}

/** Any Kubernetes object: what the artifact writer and the validation test need to know of it. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

/** Every object in apply order (cluster-scoped and namespace first, workloads last). */
export function servingObjects(m: ServingManifests): KubernetesObject[] {
  const out: KubernetesObject[] = [];
  const push = (o: KubernetesObject | undefined) => o && out.push(o);
  push(m.namespace);
  push(m.storageClass);
  push(m.serviceAccount);
  push(m.tokensSecret);
  for (const s of m.services) {
    push(s.weightsScript);
    push(s.headless);
    push(s.front);
    push(s.statefulSet);
    push(s.pdb);
    if (s.router) [s.router.serviceAccount, s.router.role, s.router.roleBinding, s.router.deployment].forEach(push);
    push(s.ingress);
  }
  return out;
}
