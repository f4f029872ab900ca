/**
 * The front proxy in every SGLang and router pod (components/render/proxy/): an nginx sidecar that
 * holds the pod's planned ports, checks the service's API key and forwards only the public API;
 * SGLang and the router listen on the pod's loopback at the planned port + PORTS.loopbackOffset, so
 * the Services, the Ingress, the routers and Prometheus reach only the proxy.
 *
 * - A native sidecar (an init container with `restartPolicy: Always`, Kubernetes 1.29+): it starts
 *   before the main container and stops after it, so a stopping SGLang or router finishes its
 *   requests through a proxy that is still there.
 * - nginx.conf and auth.js are a ConfigMap per service and pod kind; the pod template carries their
 *   checksum, so a new configuration rolls the pods. The key is the service's item of the API-key
 *   Secret, mounted in the sidecar only; njs reads it on each request, so a rotated key needs no
 *   restart. 0444: the files of a Secret volume belong to root, and only nginx runs in the sidecar.
 * - /metrics answers only `monitoring.prometheusCidrs` and `proxy.metricsCidrs` (403 to any other
 *   source), a check of its own in front of the NetworkPolicy's allow for Prometheus, which holds
 *   only where the CNI enforces policies. Worker pods admit the registration reads of any source:
 *   the router pods' addresses are not known in advance, so only the NetworkPolicies
 *   (network-policy.ts) narrow that to the service's routers. The Ingress forwards neither (ingress.ts).
 */
import { createHash } from "crypto";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap" with { "resolution-mode": "import" };
import type { IContainer } from "kubernetes-models/v1/Container" with { "resolution-mode": "import" };
import type { IVolume } from "kubernetes-models/v1/Volume" with { "resolution-mode": "import" };
import { maxGenerationSeconds } from "../../config/proxy";
import { KUBERNETES_PORT_NAMES } from "../../render/monitoring";
import { NGINX_UID, ProxySite, proxyAuthJs, renderNginxConf } from "../../render/proxy/nginx";
import { loopbackPort } from "../../render/proxy/sites";
import { ServicePlan } from "../../sglang/planner";
import { ingressIdleSeconds } from "./ingress";
import { meta, names, podLabels, routerSelector, serverSelector } from "./labels";
import { ServingManifestInput } from "./types";
import { NO_GPUS } from "./weights";

/** The sidecar's name in every pod. */
export const PROXY_CONTAINER = "proxy";
/** The Secret holding every service's API key, one item per service (the resource gets the Pulumi secrets). */
export const API_KEYS_SECRET = "qwen-serving-api-keys";
/** Pod template annotation: sha256 of the proxy's files, so a change rolls the pods. */
export const PROXY_CHECKSUM_ANNOTATION = "qwen-serving.io/proxy-config";
const CONF_DIR = "/etc/qwen-serving/proxy";
const RUN_DIR = "/tmp";
const KEYS_DIR = "/run/secrets/api-keys";
/** Two workers of 4096 connections each serve a pod's streams; `auto` would start one per host CPU. */
const WORKERS = 2;
const VOLUMES = { conf: "proxy-conf", run: "proxy-run", key: "proxy-api-key" } as const;

export type PodKind = "server" | "router";

/** ConfigMap of the proxy of a service's server or router pods. */
export const proxyConfigName = (service: string, kind: PodKind): string => (kind === "server" ? `${names(service).statefulSet}-proxy` : `${names(service).router}-proxy`);

/**
 * SGLang's argv with its listener on the pod's loopback twin: the builder's argv with exactly the
 * values of `--host` and `--port` replaced (each must be there once).
 */
export function loopbackLaunchArgs(argv: readonly string[], port: number): string[] {
  const out = [...argv];
  for (const [flag, value] of [
    ["--host", "127.0.0.1"],
    ["--port", String(loopbackPort(port))],
  ] as const) {
    const at = out.flatMap((a, i) => (a === flag ? [i] : []));
    if (at.length !== 1 || at[0] + 1 >= out.length) throw new Error(`launch argv must hold ${flag} <value> once: ${argv.join(" ")}`);
    out[at[0] + 1] = value;
  }
  return out;
}

const keyed = (input: ServingManifestInput, svc: ServicePlan) => (input.apiKeys ?? []).includes(svc.name);
const backend = (port: number) => `127.0.0.1:${loopbackPort(port)}`;

/** What the sidecar of a server or router pod fronts. */
function podSites(input: ServingManifestInput, svc: ServicePlan, kind: PodKind): ProxySite[] {
  const apiKeyFile = keyed(input, svc) ? `${KEYS_DIR}/${svc.name}` : undefined;
  if (kind === "server") {
    const port = svc.placement[0].port;
    // A routed service's replicas answer its routers (any pod address; the NetworkPolicy admits only them), and their registration reads.
    return [{ name: `${svc.name}-server`, listen: String(port), kind: "api", fronts: "sglang", backend: backend(port), apiKeyFile, ...(svc.router ? { routerSources: ["0.0.0.0/0"] } : {}) }];
  }
  const r = svc.router!;
  return [
    { name: `${svc.name}-router`, listen: String(r.port), kind: "api", fronts: "router", backend: backend(r.port), metricsBackend: backend(r.metricsPort), apiKeyFile },
    { name: `${svc.name}-router-metrics`, listen: String(r.metricsPort), kind: "metrics", fronts: "router", backend: backend(r.port), metricsBackend: backend(r.metricsPort) },
  ];
}

/** The proxy's files for a service's server or router pods. */
export function proxyFiles(input: ServingManifestInput, svc: ServicePlan, kind: PodKind): { "nginx.conf": string; "auth.js": string } {
  const { config, settings } = input;
  const nginxConf = renderNginxConf({
    sites: podSites(input, svc, kind),
    metricsSources: [...settings.monitoring.prometheusCidrs, ...config.proxy.metricsCidrs],
    // What is in front: the ALB's idle timeout (ALB Ingress), else ingress-nginx's upstream keep-alive of 60 s.
    clientIdleSeconds: config.proxy.clientIdleSeconds ?? ingressIdleSeconds(config, settings) ?? 60,
    maxBodyBytes: config.proxy.maxBodyMiB * 1024 * 1024,
    maxGenerationSeconds: maxGenerationSeconds(config),
    jsDir: CONF_DIR,
    runDir: RUN_DIR,
    workerProcesses: WORKERS,
  });
  return { "nginx.conf": nginxConf, "auth.js": proxyAuthJs() };
}

export function proxyConfigMap(input: ServingManifestInput, svc: ServicePlan, kind: PodKind): IConfigMap {
  const labels = kind === "server" ? serverSelector(svc.name) : podLabels(routerSelector(svc.name), "sglang-router");
  return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(proxyConfigName(svc.name, kind), input.settings.namespace, labels), data: proxyFiles(input, svc, kind) };
}

/** The pod template annotation that rolls the pods when the proxy's files change. */
export function proxyChecksum(input: ServingManifestInput, svc: ServicePlan, kind: PodKind): Record<string, string> {
  return {
    [PROXY_CHECKSUM_ANNOTATION]: createHash("sha256")
      .update(JSON.stringify(proxyFiles(input, svc, kind)))
      .digest("hex"),
  };
}

/** The sidecar: nginx as its own uid, read-only root, the planned ports under the names the Services target. */
export function proxySidecar(input: ServingManifestInput, svc: ServicePlan, kind: PodKind): IContainer {
  const ports =
    kind === "server"
      ? [{ name: KUBERNETES_PORT_NAMES.sglang, containerPort: svc.placement[0].port, protocol: "TCP" as const }]
      : [
          { name: "http", containerPort: svc.router!.port, protocol: "TCP" as const },
          { name: KUBERNETES_PORT_NAMES.router, containerPort: svc.router!.metricsPort, protocol: "TCP" as const },
        ];
  return {
    name: PROXY_CONTAINER,
    image: input.config.proxy.image,
    // Not the image's entrypoint: nginx itself, on the rendered configuration.
    command: ["nginx", "-e", "stderr", "-c", `${CONF_DIR}/nginx.conf`],
    restartPolicy: "Always",
    env: [NO_GPUS],
    ports,
    readinessProbe: { tcpSocket: { port: ports[0].containerPort }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { memory: "512Mi" } },
    volumeMounts: [
      { name: VOLUMES.conf, mountPath: CONF_DIR, readOnly: true },
      { name: VOLUMES.run, mountPath: RUN_DIR },
      ...(keyed(input, svc) ? [{ name: VOLUMES.key, mountPath: KEYS_DIR, readOnly: true }] : []),
    ],
    securityContext: { runAsUser: NGINX_UID, runAsGroup: NGINX_UID, runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
  };
}

/** The sidecar's volumes: its files, a memory tmpfs for the pid file and temp folders, the service's key. */
export function proxyVolumes(input: ServingManifestInput, svc: ServicePlan, kind: PodKind): IVolume[] {
  return [
    { name: VOLUMES.conf, configMap: { name: proxyConfigName(svc.name, kind), defaultMode: 0o444 } },
    { name: VOLUMES.run, emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
    ...(keyed(input, svc) ? [{ name: VOLUMES.key, secret: { secretName: API_KEYS_SECRET, items: [{ key: svc.name, path: svc.name }], defaultMode: 0o444 } }] : []),
  ];
}
