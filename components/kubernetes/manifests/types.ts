/**
 * The shapes of the serving-side Kubernetes objects (kubernetes-models types, which the tests
 * validate against the pinned Kubernetes OpenAPI schemas) and what renders them.
 */
import type { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta" with { "resolution-mode": "import" };
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap" with { "resolution-mode": "import" };
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim" with { "resolution-mode": "import" };
import type { IJob } from "kubernetes-models/batch/v1/Job" with { "resolution-mode": "import" };
import type { IPriorityClass } from "kubernetes-models/scheduling.k8s.io/v1/PriorityClass" with { "resolution-mode": "import" };
import type { INamespace } from "kubernetes-models/v1/Namespace" with { "resolution-mode": "import" };
import type { ISecret } from "kubernetes-models/v1/Secret" with { "resolution-mode": "import" };
import type { IService } from "kubernetes-models/v1/Service" with { "resolution-mode": "import" };
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount" with { "resolution-mode": "import" };
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment" with { "resolution-mode": "import" };
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet" with { "resolution-mode": "import" };
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress" with { "resolution-mode": "import" };
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy" with { "resolution-mode": "import" };
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget" with { "resolution-mode": "import" };
import type { IStorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass" with { "resolution-mode": "import" };
import { KubernetesSettings } from "../../config/kubernetes";
import { StackConfig } from "../../config/schema";
import { DeploymentPlan } from "../../sglang/planner";

/** Hub tokens the download can use; each is a key of TOKENS_SECRET and a file in the init container. */
export type HubToken = "hf-token" | "modelscope-token";

export interface ServingManifestInput {
  readonly plan: DeploymentPlan;
  /** The parsed stack config (image, cache, environment). */
  readonly config: StackConfig;
  readonly settings: KubernetesSettings;
  /** Hub tokens present as Pulumi secrets. @default [] */
  readonly tokens?: readonly HubToken[];
  /** Services with an API key (Pulumi secrets): their pods' front proxies check it. @default [] */
  readonly apiKeys?: readonly string[];
}

/** The router of a service with replicas > 1. */
export interface RouterManifests {
  /** Without an API token: the router reaches its replicas by their DNS names and never the API server. */
  readonly serviceAccount: IServiceAccount;
  /** The pinned, hash-checked wheels its init container installs; only without a prebuilt routerImage. */
  readonly requirements?: IConfigMap;
  /** nginx.conf and auth.js of the router pods' front proxy. */
  readonly proxyConfig: IConfigMap;
  readonly deployment: IDeployment;
  readonly pdb: IPodDisruptionBudget;
}

/** External-snapshotter's VolumeSnapshot (snapshot.storage.k8s.io/v1), the fields we set. */
export interface VolumeSnapshot {
  readonly apiVersion: "snapshot.storage.k8s.io/v1";
  readonly kind: "VolumeSnapshot";
  readonly metadata: IObjectMeta;
  readonly spec: { readonly volumeSnapshotClassName: string; readonly source: { readonly persistentVolumeClaimName: string } };
}

/** External-snapshotter's VolumeSnapshotClass (cluster-scoped). */
export interface VolumeSnapshotClass {
  readonly apiVersion: "snapshot.storage.k8s.io/v1";
  readonly kind: "VolumeSnapshotClass";
  readonly metadata: IObjectMeta;
  readonly driver: string;
  readonly deletionPolicy: "Delete" | "Retain";
}

/** The seed of a service's weight volumes: a claim a Job fills once per revision, and its snapshot. */
export interface SeedManifests {
  readonly claim: IPersistentVolumeClaim;
  readonly job: IJob;
  readonly snapshot: VolumeSnapshot;
}

export interface ServiceManifests {
  readonly service: string;
  readonly weightsScript: IConfigMap;
  /** nginx.conf and auth.js of the SGLang pods' front proxy. */
  readonly proxyConfig: IConfigMap;
  /** With `storage.snapshots`: what new replicas' volumes are created from. */
  readonly seed?: SeedManifests;
  readonly statefulSet: IStatefulSet;
  readonly headless: IService;
  readonly front: IService;
  readonly pdb: IPodDisruptionBudget;
  /** Only when replicas > 1. */
  readonly router?: RouterManifests;
  readonly ingress?: IIngress;
  /** Who may reach its pods (with `networkPolicy.enabled`): clients, routers, Prometheus. */
  readonly networkPolicies: readonly INetworkPolicy[];
}

export interface ServingManifests {
  /** When the stack creates the namespace. */
  readonly namespace?: INamespace;
  /** When the stack creates the weight StorageClass. */
  readonly storageClass?: IStorageClass;
  /** With `storage.snapshots` and `storage.createSnapshotClass`. */
  readonly snapshotClass?: VolumeSnapshotClass;
  /** When `priorityClass.value` is set. */
  readonly priorityClass?: IPriorityClass;
  readonly serviceAccount: IServiceAccount;
  /** When any hub token is configured; data values are SECRET_PLACEHOLDER. */
  readonly tokensSecret?: ISecret;
  /** When any service has an API key: one item per service; data values are SECRET_PLACEHOLDER. */
  readonly apiKeysSecret?: ISecret;
  /** With `networkPolicy.enabled`: no ingress to any pod of the stack but what the services' policies allow. */
  readonly defaultDeny?: INetworkPolicy;
  readonly services: readonly ServiceManifests[];
}

/** Any Kubernetes object: what the artifact writer and the validation test need to know of it. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}
