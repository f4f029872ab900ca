/**
 * The StatefulSet of a service: one SGLang pod per replica, each with its own weight volume that an
 * init container fills once.
 */
import type { IContainer } from "kubernetes-models/v1/Container" with { "resolution-mode": "import" };
import type { IProbe } from "kubernetes-models/v1/Probe" with { "resolution-mode": "import" };
import type { IVolume } from "kubernetes-models/v1/Volume" with { "resolution-mode": "import" };
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount" with { "resolution-mode": "import" };
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet" with { "resolution-mode": "import" };
import { Problem, keyPath } from "../../problems";
import { KUBERNETES_PORT_NAMES } from "../../render/monitoring";
import { HF_TOKEN_FILE, MODELSCOPE_TOKEN_FILE } from "../../render/scripts/weights";
import { MODELS_MOUNT } from "../../sglang/launch-args";
import { DeploymentPlan, ServicePlan } from "../../sglang/planner";
import { poolScheduling } from "../settings";
import { SGLANG_SERVICE_ACCOUNT, TOKENS_SECRET, meta, names, podLabels, serverSelector } from "./labels";
import { HubToken, ServingManifestInput } from "./types";

export const WEIGHTS_VOLUME = "weights";
const SCRIPT_DIR = "/opt/qwen-serving";
/** The download script's file name in its ConfigMap and in the init container. */
export const WEIGHTS_SCRIPT_FILE = "fetch-weights.sh";
const TOKENS_DIR = "/run/secrets/qwen-serving";

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

const poolsOf = (plan: DeploymentPlan, svc: ServicePlan) => [...new Set(svc.placement.map((p) => plan.nodes.find((n) => n.name === p.node)!.pool))];

/** Why a service cannot be one StatefulSet: one pod template has one node selector and one argv. */
export function statefulSetProblems(plan: DeploymentPlan): Problem[] {
  return plan.services.flatMap((svc, i): Problem[] => {
    const problems: Problem[] = [];
    const pools = poolsOf(plan, svc);
    if (pools.length !== 1)
      problems.push({ path: keyPath(["services", i, "nodePool"]), rule: `the replicas of '${svc.name}' were placed on node pools ${pools.join(", ")}, and on kubernetes one StatefulSet has one node selector`, advice: "set the service's nodePool" });
    // The planner gives all replicas one port on kubernetes, so their argv agree.
    if (new Set(svc.placement.map((p) => JSON.stringify(p.launchArgs))).size !== 1)
      problems.push({ path: keyPath(["services", i]), rule: `the replicas of '${svc.name}' were planned with different argv, and a StatefulSet runs one` });
    return problems;
  });
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
    args: [...svc.placement[0].launchArgs],
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
    command: ["bash", `${SCRIPT_DIR}/${WEIGHTS_SCRIPT_FILE}`],
    // File paths only: the script reads the tokens from these files.
    ...(tokens.length ? { env: tokens.map((t) => ({ name: TOKEN_ENV[t].env, value: `${TOKENS_DIR}/${t}` })) } : {}),
    resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
    volumeMounts: mounts,
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

/** The service's StatefulSet; `statefulSetProblems` must have found nothing for its plan. */
export function statefulSet(input: ServingManifestInput, svc: ServicePlan): IStatefulSet {
  const { settings, plan } = input;
  const n = names(svc.name);
  const ns = settings.namespace;
  const selector = serverSelector(svc.name);
  const { nodeSelector, tolerations } = poolScheduling(settings, poolsOf(plan, svc)[0]);
  const volumes: IVolume[] = [
    { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${settings.resources.shmGiB}Gi` } },
    { name: "weights-script", configMap: { name: n.weightsScript, defaultMode: 0o555 } },
  ];
  if ((input.tokens ?? []).length) volumes.push({ name: "hub-tokens", secret: { secretName: TOKENS_SECRET, defaultMode: 0o400 } });
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
      // Whether weight volumes outlive their pods and the stack: the plan decides once.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: plan.retainCaches ? "Retain" : "Delete", whenScaled: "Retain" },
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
