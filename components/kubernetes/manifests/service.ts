/** Every object of one service: the StatefulSet, its Services, PDB, router, Ingress, front-proxy files and NetworkPolicies. */
import type { IServicePort } from "kubernetes-models/v1/ServicePort" with { "resolution-mode": "import" };
import { KUBERNETES_PORT_NAMES } from "../../render/monitoring";
import { ServicePlan } from "../../sglang/planner";
import { poolScheduling } from "../settings";
import { serviceIngress } from "./ingress";
import { COMPONENTS, LABELS, meta, names, routerSelector, serverSelector } from "./labels";
import { serviceNetworkPolicies } from "./network-policy";
import { zoneAffinity } from "./pods";
import { proxyConfigMap } from "./proxy";
import { routerManifests } from "./router";
import { servicePool, statefulSet } from "./statefulset";
import { ServiceManifests, ServingManifestInput } from "./types";
import { seedManifests, serviceWeights } from "./weights";

export function serviceManifests(input: ServingManifestInput, svc: ServicePlan): ServiceManifests {
  const { settings } = input;
  const ns = settings.namespace;
  const n = names(svc.name);
  const server = serverSelector(svc.name);
  const routed = svc.router !== undefined;
  const frontSelector = routed ? routerSelector(svc.name) : server;
  const frontPorts: IServicePort[] = [{ name: "http", port: svc.port, targetPort: "http", protocol: "TCP" }];
  if (routed) frontPorts.push({ name: KUBERNETES_PORT_NAMES.router, port: svc.router!.metricsPort, targetPort: KUBERNETES_PORT_NAMES.router, protocol: "TCP" });
  const weights = serviceWeights(svc);
  const pool = servicePool(input.plan, svc);
  const seed = settings.storage.snapshots ? seedManifests(input, svc, weights, { ...poolScheduling(settings, pool), affinity: zoneAffinity(settings.nodePools[pool]?.zone) }) : undefined;
  return {
    service: svc.name,
    weightsScript: { apiVersion: "v1", kind: "ConfigMap", metadata: meta(n.weightsScript, ns, server), data: { ...weights.scripts } },
    proxyConfig: proxyConfigMap(input, svc, "server"),
    ...(seed ? { seed } : {}),
    statefulSet: statefulSet(input, svc, weights),
    headless: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(n.headless, ns, server),
      spec: {
        clusterIP: "None",
        // Replicas still loading (or failing readiness) stay scrape targets, so they show as down
        // instead of vanishing from Prometheus. Their DNS names resolve then too: the routers'
        // probes (/health, then /health_generate) keep them out until SGLang answers.
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
    ingress: serviceIngress(input.config, settings, svc, frontSelector),
    networkPolicies: serviceNetworkPolicies(input, svc),
  };
}
