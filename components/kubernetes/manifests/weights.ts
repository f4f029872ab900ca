/**
 * Weights on kubernetes. Each replica's volume holds one folder per revision (`rev-<model>-<hash>`),
 * filled by an init container, and SGLang mounts only its revision's folder, so a new revision never
 * overwrites files a server reads. The revision and a hash of the download scripts are on the pod
 * template: a change of either rolls the StatefulSet, one replica at a time, each pod labelled with
 * the revision it serves (`qwen-serving.io/weights-revision`).
 *
 * New replicas start from a VolumeSnapshot instead of the hub (`storage.snapshots`): a Job fills a
 * seed volume once per revision, the snapshot is taken of it, and every weight claim is created from
 * it (`dataSource`), so a replica rescheduled or added later has its weights at once. Chosen over a
 * shared read-only cache filled by a Job, which needs a ReadWriteMany driver (EFS, NFS, Lustre)
 * besides EBS and has every load read over the network: snapshots keep EBS the one storage, are
 * regional (a restore works in any zone) and cost one download per revision for new replicas. The
 * price: the snapshot CRDs and controller must be installed, a restored volume reads lazily from S3
 * on first touch (slower first load unless Fast Snapshot Restore is on), and replicas that already
 * have a volume download a new revision themselves.
 */
import { createHash } from "crypto";
import type { IContainer } from "kubernetes-models/v1/Container" with { "resolution-mode": "import" };
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim" with { "resolution-mode": "import" };
import type { IVolume } from "kubernetes-models/v1/Volume" with { "resolution-mode": "import" };
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount" with { "resolution-mode": "import" };
import type { IJob } from "kubernetes-models/batch/v1/Job" with { "resolution-mode": "import" };
import { HF_TOKEN_FILE, MODELSCOPE_TOKEN_FILE, WeightsModel, renderWeightsScript, weightsModels } from "../../render/scripts/weights";
import { renderRevisionWrapper, weightsRevisionDir, weightsRevisionId, weightsText } from "../../render/scripts/weights-revision";
import { NODE_PATHS } from "../../contract";
import { ServicePlan } from "../../sglang/planner";
import { meta, names, seedSelector, TOKENS_SECRET } from "./labels";
import { HubToken, ServingManifestInput, VolumeSnapshot } from "./types";

/** Pod template annotations: which weights it serves and which download scripts filled them. */
export const WEIGHTS_ANNOTATION = "qwen-serving.io/weights";
export const DOWNLOADER_ANNOTATION = "qwen-serving.io/downloader";
/** Pod template label: the revision folder's hash, so `kubectl get pods -L` shows who serves what. */
export const REVISION_LABEL = "qwen-serving.io/weights-revision";
/** Pulumi's await of a claim waits for Bound, which a WaitForFirstConsumer claim is only once a pod uses it. */
const SKIP_AWAIT = { "pulumi.com/skipAwait": "true" } as const;

export const WEIGHTS_VOLUME = "weights";
export const SCRIPT_DIR = "/opt/qwen-serving";
/** The download script's and the revision wrapper's file names in the ConfigMap and the containers. */
export const WEIGHTS_SCRIPT_FILE = "fetch-weights.sh";
export const REVISION_SCRIPT_FILE = "weights-revision.sh";
/** Where the fill containers mount the whole volume (the server mounts only its revision's folder). */
export const VOLUME_ROOT = "/volume";
const TOKENS_DIR = "/run/secrets/qwen-serving";
/** The CUDA base image sets NVIDIA_VISIBLE_DEVICES=all; where the NVIDIA runtime is the default, `void` keeps GPUs out of containers that request none. */
export const NO_GPUS = { name: "NVIDIA_VISIBLE_DEVICES", value: "void" } as const;

const TOKEN_ENV: Record<HubToken, { env: string; default: string }> = {
  "hf-token": { env: "HF_TOKEN_FILE", default: HF_TOKEN_FILE },
  "modelscope-token": { env: "MODELSCOPE_TOKEN_FILE", default: MODELSCOPE_TOKEN_FILE },
};

/** A service's weights as the manifests use them. */
export interface ServiceWeights {
  readonly model: WeightsModel;
  /** Revision folder on the volume (a DNS label too). */
  readonly dir: string;
  /** 12 hex digits naming the weights. */
  readonly id: string;
  /** `<source>:<repo>@<revision>`. */
  readonly text: string;
  /** The ConfigMap's files: the download script and the revision wrapper. */
  readonly scripts: Readonly<Record<string, string>>;
  /** 16 hex digits of the scripts' sha256: a changed downloader rolls the pods too. */
  readonly scriptsHash: string;
}

export function serviceWeights(svc: ServicePlan): ServiceWeights {
  const [model] = weightsModels([svc]);
  const scripts = { [WEIGHTS_SCRIPT_FILE]: renderWeightsScript({ models: [model], cacheRoot: NODE_PATHS.models }), [REVISION_SCRIPT_FILE]: renderRevisionWrapper() };
  const scriptsHash = createHash("sha256").update(JSON.stringify(scripts)).digest("hex").slice(0, 16);
  return { model, dir: weightsRevisionDir(model), id: weightsRevisionId(model), text: weightsText(model), scripts, scriptsHash };
}

/** The pod template's revision label and annotations. */
export const revisionMetadata = (w: ServiceWeights) => ({ labels: { [REVISION_LABEL]: w.id }, annotations: { [WEIGHTS_ANNOTATION]: w.text, [DOWNLOADER_ANNOTATION]: w.scriptsHash } });

/** Volumes a fill container needs besides the weight volume: the scripts and, when set, the hub tokens. */
export function fillVolumes(input: ServingManifestInput, svc: ServicePlan): IVolume[] {
  const volumes: IVolume[] = [{ name: "weights-script", configMap: { name: names(svc.name).weightsScript, defaultMode: 0o555 } }];
  if ((input.tokens ?? []).length) volumes.push({ name: "hub-tokens", secret: { secretName: TOKENS_SECRET, defaultMode: 0o400 } });
  return volumes;
}

/** Fills the revision folder of the volume `volume` (once: verified, marked complete); a later start finds the marker and exits. */
export function fillContainer(input: ServingManifestInput, w: ServiceWeights, volume: string): IContainer {
  const tokens = input.tokens ?? [];
  const mounts: IVolumeMount[] = [
    { name: volume, mountPath: VOLUME_ROOT },
    { name: "weights-script", mountPath: SCRIPT_DIR, readOnly: true },
  ];
  if (tokens.length) mounts.push({ name: "hub-tokens", mountPath: TOKENS_DIR, readOnly: true });
  return {
    name: "weights",
    image: input.config.image,
    command: ["bash", `${SCRIPT_DIR}/${REVISION_SCRIPT_FILE}`, VOLUME_ROOT, w.dir, `${SCRIPT_DIR}/${WEIGHTS_SCRIPT_FILE}`],
    // File paths only: the script reads the tokens from these files.
    env: [NO_GPUS, ...tokens.map((t) => ({ name: TOKEN_ENV[t].env, value: `${TOKENS_DIR}/${t}` }))],
    resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
    volumeMounts: mounts,
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

/** Object names of a service's seed: its claim, the Job of this revision and scripts, the snapshot. */
export const seedNames = (service: string, w: ServiceWeights) => ({
  claim: `weights-${service}-seed`,
  job: `${service}-seed-${w.id.slice(0, 8)}-${w.scriptsHash.slice(0, 6)}`,
  snapshot: `weights-${service}`,
});

/** Where a pod of the service's pool may run: the Job runs on the GPU pool's nodes (without GPUs) so its volume is in their zone. */
export interface SeedScheduling {
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: readonly object[];
  readonly affinity?: object;
}

/** The seed claim, the Job that fills it and the snapshot new replicas start from (`storage.snapshots`). */
export function seedManifests(input: ServingManifestInput, svc: ServicePlan, w: ServiceWeights, scheduling: SeedScheduling): { claim: IPersistentVolumeClaim; job: IJob; snapshot: VolumeSnapshot } {
  const { settings } = input;
  const ns = settings.namespace;
  const n = seedNames(svc.name, w);
  const labels = seedSelector(svc.name);
  const revision = revisionMetadata(w).annotations;
  return {
    claim: {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { ...meta(n.claim, ns, labels), annotations: { ...SKIP_AWAIT } },
      spec: { accessModes: ["ReadWriteOnce"], storageClassName: settings.storage.storageClassName, resources: { requests: { storage: `${svc.weightCacheGiB}Gi` } } },
    },
    job: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { ...meta(n.job, ns, labels), annotations: revision },
      spec: {
        // Pod retries with the Job's back-off (10 s doubling): a hub outage passes, a bad token fails the up.
        backoffLimit: 6,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            ...(settings.imagePullSecrets.length ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) } : {}),
            nodeSelector: { ...scheduling.nodeSelector },
            tolerations: scheduling.tolerations.map((t) => ({ ...t })),
            ...(scheduling.affinity ? { affinity: scheduling.affinity } : {}),
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            containers: [fillContainer(input, w, WEIGHTS_VOLUME)],
            volumes: [{ name: WEIGHTS_VOLUME, persistentVolumeClaim: { claimName: n.claim } }, ...fillVolumes(input, svc)],
          },
        },
      },
    },
    snapshot: {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshot",
      // The annotations change with the revision: the resource is replaced (replaceOnChanges), so the snapshot holds it.
      metadata: { ...meta(n.snapshot, ns, labels), annotations: revision },
      spec: { volumeSnapshotClassName: settings.storage.snapshotClassName, source: { persistentVolumeClaimName: n.claim } },
    },
  };
}
