/**
 * The StatefulSet of a service: one SGLang pod per replica, each with its own weight volume (from the
 * seed snapshot when `storage.snapshots`) whose revision folder an init container fills once.
 */
import type { IContainer } from "kubernetes-models/v1/Container" with { "resolution-mode": "import" };
import type { IProbe } from "kubernetes-models/v1/Probe" with { "resolution-mode": "import" };
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet" with { "resolution-mode": "import" };
import { Problem, keyPath } from "../../problems";
import { MODELS_MOUNT } from "../../sglang/launch-args";
import { DeploymentPlan, ServicePlan } from "../../sglang/planner";
import { poolScheduling } from "../settings";
import { SGLANG_SERVICE_ACCOUNT, meta, names, podLabels, serverSelector } from "./labels";
import { POOL_ANNOTATION, podCommon, preStop, spreadConstraints, terminationGraceSeconds, zoneAffinity } from "./pods";
import { loopbackLaunchArgs, proxyChecksum, proxySidecar, proxyVolumes } from "./proxy";
import { ServingManifestInput } from "./types";
import { ServiceWeights, WEIGHTS_VOLUME, fillContainer, fillVolumes, revisionMetadata, seedNames } from "./weights";

export { WEIGHTS_VOLUME, WEIGHTS_SCRIPT_FILE } from "./weights";

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
/** The one node pool of a service (`statefulSetProblems` refuses a service on several). */
export const servicePool = (plan: DeploymentPlan, svc: ServicePlan): string => poolsOf(plan, svc)[0];

/** Why a service cannot be one StatefulSet: one pod template has one node selector and one argv. */
export function statefulSetProblems(plan: DeploymentPlan): Problem[] {
  return plan.services.flatMap((svc, i): Problem[] => {
    const problems: Problem[] = [];
    const pools = poolsOf(plan, svc);
    if (pools.length !== 1)
      problems.push({
        path: keyPath(["services", i, "nodePool"]),
        rule: `the replicas of '${svc.name}' were placed on node pools ${pools.join(", ")}, and on kubernetes one StatefulSet has one node selector`,
        advice: "set the service's nodePool",
      });
    // The planner gives all replicas one port on kubernetes, so their argv agree.
    if (new Set(svc.placement.map((p) => JSON.stringify(p.launchArgs))).size !== 1)
      problems.push({ path: keyPath(["services", i]), rule: `the replicas of '${svc.name}' were planned with different argv, and a StatefulSet runs one` });
    return problems;
  });
}

/** Probes go through the pod's front proxy (the planned port; /health* need no key): SGLang listens on the pod's loopback. */
const httpProbe = (path: string, port: number, t: { periodSeconds: number; timeoutSeconds: number; failureThreshold: number }): IProbe => ({
  httpGet: { path, port },
  periodSeconds: t.periodSeconds,
  timeoutSeconds: t.timeoutSeconds,
  failureThreshold: t.failureThreshold,
});

/**
 * SGLang, `python3 -m sglang.launch_server` with the builder's argv, its listener moved to the pod's
 * loopback twin of the planned port (the sidecar proxy holds the port); never `--api-key`.
 */
function sglangContainer(input: ServingManifestInput, svc: ServicePlan, w: ServiceWeights): IContainer {
  const { settings } = input;
  const port = svc.placement[0].port;
  const memory = `${settings.resources.memoryGiB}Gi`;
  const gpus = String(svc.tp);
  return {
    name: "sglang",
    image: input.config.image,
    command: ["python3", "-m", "sglang.launch_server"],
    args: loopbackLaunchArgs(svc.placement[0].launchArgs, port),
    // The weights are on the volume; never reach out to a hub at run time.
    env: [{ name: "HF_HUB_OFFLINE", value: "1" }],
    resources: {
      requests: { cpu: String(settings.resources.cpu), memory, "nvidia.com/gpu": gpus },
      limits: { memory, "nvidia.com/gpu": gpus },
    },
    volumeMounts: [
      // Only this revision's folder: `--model-path /models/<repo>` reads it, and the next revision downloads beside it.
      { name: WEIGHTS_VOLUME, mountPath: MODELS_MOUNT, subPath: w.dir, readOnly: true },
      { name: "dshm", mountPath: "/dev/shm" },
    ],
    startupProbe: httpProbe("/health", port, { periodSeconds: PROBES.startupPeriodSeconds, timeoutSeconds: 5, failureThreshold: (settings.startupMinutes * 60) / PROBES.startupPeriodSeconds }),
    readinessProbe: httpProbe("/health_generate", port, PROBES.readiness),
    livenessProbe: httpProbe("/health_generate", port, PROBES.liveness),
    ...(preStop(settings) ? { lifecycle: preStop(settings) } : {}),
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

/** The weight claim every replica gets: the plan's size, from the seed snapshot when there is one. */
type ClaimTemplate = NonNullable<NonNullable<IStatefulSet["spec"]>["volumeClaimTemplates"]>[number];
function weightClaim(input: ServingManifestInput, svc: ServicePlan, w: ServiceWeights): ClaimTemplate {
  const storage = input.settings.storage;
  return {
    metadata: { name: WEIGHTS_VOLUME, labels: serverSelector(svc.name) },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: storage.storageClassName,
      resources: { requests: { storage: `${svc.weightCacheGiB}Gi` } },
      // Immutable in a StatefulSet, so it names the snapshot by its stable name, not by revision.
      ...(storage.snapshots ? { dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: seedNames(svc.name, w).snapshot } } : {}),
    },
  };
}

/** The service's StatefulSet; `statefulSetProblems` must have found nothing for its plan. */
export function statefulSet(input: ServingManifestInput, svc: ServicePlan, w: ServiceWeights): IStatefulSet {
  const { settings, plan, config } = input;
  const n = names(svc.name);
  const ns = settings.namespace;
  const selector = serverSelector(svc.name);
  const pool = poolsOf(plan, svc)[0];
  const { nodeSelector, tolerations } = poolScheduling(settings, pool);
  const affinity = zoneAffinity(settings.nodePools[pool]?.zone);
  const revision = revisionMetadata(w);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { ...meta(n.statefulSet, ns, podLabels(selector, "sglang")), annotations: { [POOL_ANNOTATION]: pool } },
    spec: {
      serviceName: n.headless,
      replicas: svc.replicas,
      // Replicas are independent servers: start them together, not one cold start after another.
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selector },
      // A new revision or downloader rolls one pod at a time; the others keep serving meanwhile.
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      // Whether weight volumes outlive their pods and the stack: the plan decides once.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: plan.retainCaches ? "Retain" : "Delete", whenScaled: "Retain" },
      template: {
        metadata: { labels: { ...podLabels(selector, "sglang"), ...revision.labels }, annotations: { ...revision.annotations, ...proxyChecksum(input, svc, "server") } },
        spec: {
          serviceAccountName: SGLANG_SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          ...podCommon(settings),
          ...(settings.runtimeClassName ? { runtimeClassName: settings.runtimeClassName } : {}),
          nodeSelector,
          tolerations: tolerations.map((t) => ({ ...t })),
          ...(affinity ? { affinity } : {}),
          topologySpreadConstraints: spreadConstraints(plan, svc, selector),
          terminationGracePeriodSeconds: terminationGraceSeconds(config, settings),
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          // The weights first; then the front proxy, a native sidecar that outlives SGLang's stop.
          initContainers: [fillContainer(input, w, WEIGHTS_VOLUME), proxySidecar(input, svc, "server")],
          containers: [sglangContainer(input, svc, w)],
          volumes: [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${settings.resources.shmGiB}Gi` } }, ...fillVolumes(input, svc), ...proxyVolumes(input, svc, "server")],
        },
      },
      volumeClaimTemplates: [weightClaim(input, svc, w)],
    },
  };
}
