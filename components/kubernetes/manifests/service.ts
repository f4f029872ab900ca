/** Every object of one service: the StatefulSet, its Services, PDB, router and Ingress. */
import type { IServicePort } from "kubernetes-models/v1/ServicePort" with { "resolution-mode": "import" };
import { KUBERNETES_PORT_NAMES } from "../../render/monitoring";
import { renderWeightsScript, weightsModels } from "../../render/scripts/weights";
import { MODELS_MOUNT } from "../../sglang/launch-args";
import { ServicePlan } from "../../sglang/planner";
import { COMPONENTS, LABELS, meta, names, routerSelector, serverSelector } from "./labels";
import { routerManifests } from "./router";
import { WEIGHTS_SCRIPT_FILE, statefulSet } from "./statefulset";
import { ServiceManifests, ServingManifestInput } from "./types";

export function serviceManifests(input: ServingManifestInput, svc: ServicePlan): ServiceManifests {
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
      data: { [WEIGHTS_SCRIPT_FILE]: renderWeightsScript({ models: weightsModels([svc]), cacheRoot: MODELS_MOUNT }) },
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
    router: routed ? routerManifests(input, svc) : undefined,
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
