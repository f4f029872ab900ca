/** The router Deployment of a service with replicas > 1. */
import { readFileSync } from "fs";
import { join } from "path";
import type { IContainer } from "kubernetes-models/v1/Container" with { "resolution-mode": "import" };
import type { IProbe } from "kubernetes-models/v1/Probe" with { "resolution-mode": "import" };
import { IMAGES } from "../../contract";
import { maxGenerationSeconds } from "../../config/proxy";
import { loopbackPort } from "../../render/proxy/sites";
import { packageRoot } from "../../render/scripts/sources";
import { ServicePlan } from "../../sglang/planner";
import { ROUTER_MODULE, ROUTER_REQUIREMENTS_FILE, routerArgs } from "../../sglang/router-args";
import { meta, names, podLabels, routerSelector } from "./labels";
import { podCommon, preStop, routerSpread, terminationGraceSeconds } from "./pods";
import { proxyChecksum, proxyConfigMap, proxySidecar, proxyVolumes } from "./proxy";
import { RouterManifests, ServingManifestInput } from "./types";
import { NO_GPUS } from "./weights";

/** Two routers: the policy (power_of_two on requests in flight) keeps no state to split, and a node drain never leaves the service without one. */
export const ROUTER_REPLICAS = 2;
/** Where the init container installs the router's wheels (an emptyDir), and PYTHONPATH in the router. */
const ROUTER_SITE = "/opt/smg";
const REQUIREMENTS_DIR = "/etc/qwen-serving/router";

/** router-requirements.txt: the router and its one extra import, with the sha256 of every wheel. */
export function routerRequirements(): string {
  return readFileSync(join(packageRoot(), ROUTER_REQUIREMENTS_FILE), "utf8");
}

/**
 * Without a prebuilt `routerImage`: the small python image, into which an init container installs
 * exactly the pinned wheels (`--require-hashes`, binary only, no dependencies resolved), so the
 * router pod pulls ~50 MB instead of the ~11 GiB CUDA server image.
 */
function routerInstall(name: string): IContainer {
  return {
    name: "install",
    image: IMAGES.routerPython,
    command: [
      "python3",
      "-m",
      "pip",
      "install",
      "--no-cache-dir",
      "--disable-pip-version-check",
      "--require-hashes",
      "--no-deps",
      "--only-binary=:all:",
      "--target",
      ROUTER_SITE,
      "-r",
      `${REQUIREMENTS_DIR}/requirements.txt`,
    ],
    env: [{ name: "HOME", value: "/tmp" }, NO_GPUS],
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    volumeMounts: [
      { name: "router-site", mountPath: ROUTER_SITE },
      { name: "tmp", mountPath: "/tmp" },
      { name: `${name}-requirements`, mountPath: REQUIREMENTS_DIR, readOnly: true },
    ],
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
  };
}

/**
 * The replicas' base URLs: each StatefulSet pod's stable DNS name under the headless Service that
 * governs it, `<statefulset>-<i>.<serviceName>.<namespace>.svc`
 * (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id), at
 * the planned worker port, which the pod's front proxy holds and admits the routers on. A pod that
 * is not there yet has no DNS record; smg keeps probing it as a worker that is down at start.
 */
export function statefulSetWorkerUrls(svc: ServicePlan, namespace: string): string[] {
  const n = names(svc.name);
  return svc.router!.workers.map((w, i) => `http://${n.statefulSet}-${i}.${n.headless}.${namespace}.svc:${w.port}`);
}

/**
 * smg with fixed worker URLs, the one argv builder of the hosts (sglang/router-args.ts): same
 * policy, verbatim bodies and probes. It listens on the pod's loopback behind the sidecar proxy
 * and reaches each replica through that replica's proxy, with the client's key.
 */
export function kubernetesRouterArgs(svc: ServicePlan, namespace: string, requestTimeoutSecs: number): string[] {
  const router = svc.router!;
  return routerArgs({
    host: "127.0.0.1",
    port: loopbackPort(router.port),
    metricsPort: loopbackPort(router.metricsPort),
    workerUrls: statefulSetWorkerUrls(svc, namespace),
    requestTimeoutSecs,
  });
}

/** The router objects of a routed service (`svc.router` set). */
export function routerManifests(input: ServingManifestInput, svc: ServicePlan): RouterManifests {
  const ns = input.settings.namespace;
  const n = names(svc.name);
  const selector = routerSelector(svc.name);
  const labels = podLabels(selector, "sglang-router");
  // smg's liveness, through the sidecar on the planned port (the router listens on loopback).
  const health = (periodSeconds: number, failureThreshold: number): IProbe => ({ httpGet: { path: "/health", port: svc.router!.port }, periodSeconds, timeoutSeconds: 5, failureThreshold });
  const prebuilt = input.settings.routerImage;
  const requirementsName = `${n.router}-requirements`;
  return {
    // Its own account without an API token: the router never calls the API server.
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(n.router, ns, labels), automountServiceAccountToken: false },
    requirements: prebuilt ? undefined : { apiVersion: "v1", kind: "ConfigMap", metadata: meta(requirementsName, ns, labels), data: { "requirements.txt": routerRequirements() } },
    proxyConfig: proxyConfigMap(input, svc, "router"),
    deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(n.router, ns, labels),
      spec: {
        replicas: ROUTER_REPLICAS,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: proxyChecksum(input, svc, "router") },
          spec: {
            serviceAccountName: n.router,
            automountServiceAccountToken: false,
            ...podCommon(input.settings),
            topologySpreadConstraints: routerSpread(selector),
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
            terminationGracePeriodSeconds: terminationGraceSeconds(input.config, input.settings),
            // The wheels first; then the front proxy, a native sidecar that outlives the router's stop.
            initContainers: [...(prebuilt ? [] : [routerInstall(n.router)]), proxySidecar(input, svc, "router")],
            containers: [
              {
                name: "router",
                image: prebuilt ?? IMAGES.routerPython,
                command: ["python3", "-m", ROUTER_MODULE],
                args: kubernetesRouterArgs(svc, ns, maxGenerationSeconds(input.config)),
                env: [...(prebuilt ? [] : [{ name: "PYTHONPATH", value: ROUTER_SITE }]), NO_GPUS],
                resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "8Gi" } },
                readinessProbe: health(10, 3),
                livenessProbe: health(20, 3),
                ...(preStop(input.settings) ? { lifecycle: preStop(input.settings) } : {}),
                ...(prebuilt ? {} : { volumeMounts: [{ name: "router-site", mountPath: ROUTER_SITE, readOnly: true }] }),
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              },
            ],
            volumes: [
              ...(prebuilt
                ? []
                : [
                    { name: "router-site", emptyDir: { sizeLimit: "256Mi" } },
                    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                    { name: requirementsName, configMap: { name: requirementsName } },
                  ]),
              ...proxyVolumes(input, svc, "router"),
            ],
          },
        },
      },
    },
    // One of the two at a time: a drain or upgrade always leaves a router serving.
    pdb: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta(n.router, ns, labels),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    },
  };
}
