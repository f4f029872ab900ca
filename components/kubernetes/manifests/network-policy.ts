/**
 * The NetworkPolicies of the serving side: a default deny of ingress to every pod of the stack
 * (`app.kubernetes.io/part-of: qwen-serving`), and per service the allows its traffic needs, each
 * to the port of the pods' front proxy only:
 * - the service's clients (the Ingress controller, by default) to its front pods' API port: the
 *   routers' when it has replicas > 1, else its SGLang pod's;
 * - the service's own router pods to its SGLang pods (replicas > 1);
 * - Prometheus to every SGLang pod's port and the routers' metrics port.
 * Traffic from a pod's own node (the kubelet's probes) is always allowed, as NetworkPolicy defines
 * it. Egress stays open: the weight download reaches the hub, routers without an image PyPI and
 * the cluster DNS. A CNI that enforces policies is a prerequisite (prerequisites.ts says so).
 */
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy" with { "resolution-mode": "import" };
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer" with { "resolution-mode": "import" };
import { KubernetesSettings, NetworkPeer } from "../../config/kubernetes";
import { Problem, keyPath } from "../../problems";
import { ServicePlan } from "../../sglang/planner";
import { ingressController } from "./ingress";
import { LABELS, PART_OF, meta, names, routerSelector, serverSelector } from "./labels";
import { ServingManifestInput } from "./types";

export const DEFAULT_DENY_POLICY = "qwen-serving-default-deny";
/** The label every namespace carries with its own name (Kubernetes 1.21+). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/** ingress-nginx's controller pods as its Helm chart and manifests label them, in their documented namespace. */
export const INGRESS_NGINX_CLIENTS: readonly NetworkPeer[] = [{ namespaceLabels: { [NAMESPACE_NAME_LABEL]: "ingress-nginx" }, podLabels: { "app.kubernetes.io/name": "ingress-nginx" } }];
/** The label the Prometheus Operator puts on every Prometheus pod. */
export const PROMETHEUS_POD_LABELS = { "app.kubernetes.io/name": "prometheus" } as const;

/** Who calls the services: the configured clients, else the Ingress controller's pods, else the serving namespace's pods. */
function clients(settings: KubernetesSettings): readonly NetworkPeer[] | undefined {
  const np = settings.networkPolicy;
  if (np.clients) return np.clients;
  if (!settings.ingress) return [{ podLabels: {} }];
  return ingressController(settings.ingress) === "nginx" ? INGRESS_NGINX_CLIENTS : undefined;
}

function prometheus(input: ServingManifestInput): readonly NetworkPeer[] {
  if (!input.config.monitoring.enabled) return [];
  return input.settings.networkPolicy.prometheus ?? [{ namespaceLabels: { [NAMESPACE_NAME_LABEL]: input.settings.monitoring.namespace }, podLabels: { ...PROMETHEUS_POD_LABELS } }];
}

/** A peer as NetworkPolicy spells it; namespaceLabels alone is every pod there, podLabels alone the serving namespace's. */
function peer(p: NetworkPeer): INetworkPolicyPeer {
  if (p.cidr) return { ipBlock: { cidr: p.cidr } };
  return { ...(p.namespaceLabels ? { namespaceSelector: { matchLabels: { ...p.namespaceLabels } } } : {}), ...(p.podLabels ? { podSelector: { matchLabels: { ...p.podLabels } } } : {}) };
}

/** What the policies cannot default: the clients of an Ingress controller other than ingress-nginx. */
export function networkPolicyProblems(settings: KubernetesSettings): Problem[] {
  if (!settings.networkPolicy.enabled || clients(settings)) return [];
  return [
    {
      path: keyPath(["kubernetes", "networkPolicy", "clients"]),
      rule: `is needed with Ingress controller '${ingressController(settings.ingress!)}': the default-deny policy would keep it from the services`,
      advice: "list where its traffic comes from (an ALB's subnets as { cidr: ... } for ip targets, or its pods' namespaceLabels/podLabels), or set networkPolicy.enabled false",
    },
  ];
}

/** The stack-wide default deny; none when networkPolicy.enabled is false. */
export function defaultDenyPolicy(input: ServingManifestInput): INetworkPolicy | undefined {
  if (!input.settings.networkPolicy.enabled) return undefined;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(DEFAULT_DENY_POLICY, input.settings.namespace, { [LABELS.partOf]: PART_OF }),
    spec: { podSelector: { matchLabels: { [LABELS.partOf]: PART_OF } }, policyTypes: ["Ingress"] },
  };
}

type Rule = NonNullable<NonNullable<INetworkPolicy["spec"]>["ingress"]>[number];
const rule = (from: readonly INetworkPolicyPeer[], port: number): Rule[] => (from.length ? [{ from: [...from], ports: [{ protocol: "TCP", port }] }] : []);

/** A service's allows: to its SGLang pods and, with replicas > 1, to its router pods. */
export function serviceNetworkPolicies(input: ServingManifestInput, svc: ServicePlan): INetworkPolicy[] {
  const { settings } = input;
  if (!settings.networkPolicy.enabled) return [];
  const ns = settings.namespace;
  const n = names(svc.name);
  const callers = (clients(settings) ?? []).map(peer);
  const scrapers = prometheus(input).map(peer);
  const serverPort = svc.placement[0].port;
  const policy = (name: string, selector: Record<string, string>, ingress: Rule[]): INetworkPolicy => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(name, ns, selector),
    spec: { podSelector: { matchLabels: { ...selector } }, policyTypes: ["Ingress"], ingress },
  });
  const router = svc.router;
  const serverCallers = router ? [{ podSelector: { matchLabels: routerSelector(svc.name) } }] : callers;
  const out = [policy(n.statefulSet, serverSelector(svc.name), [...rule(serverCallers, serverPort), ...rule(scrapers, serverPort)])];
  if (router) out.push(policy(n.router, routerSelector(svc.name), [...rule(callers, router.port), ...rule(scrapers, router.metricsPort)]));
  return out;
}
