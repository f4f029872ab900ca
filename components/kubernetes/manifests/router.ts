/** The router Deployment of a service with replicas > 1, and the RBAC its pod discovery needs. */
import type { IProbe } from "kubernetes-models/v1/Probe" with { "resolution-mode": "import" };
import { KUBERNETES_PORT_NAMES } from "../../render/monitoring";
import { ServicePlan } from "../../sglang/planner";
import { ROUTER_MODULE } from "../../sglang/router-args";
import { meta, names, podLabels, routerSelector, serverSelector } from "./labels";
import { RouterManifests, ServingManifestInput } from "./types";

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

/** The router objects of a routed service (`svc.router` set). */
export function routerManifests(input: ServingManifestInput, svc: ServicePlan): RouterManifests {
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
