// What Prometheus' Kubernetes discovery reads, for tests without a cluster: the scrape configs the
// Prometheus Operator generates from our ServiceMonitors, the pods a StatefulSet or Deployment
// would run from our templates, the Endpoints the endpoints controller would derive, and an API
// server on loopback that lists and watches them.
import http from "http";
import { AddressInfo } from "net";
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec" with { "resolution-mode": "import" };
import type { IService } from "kubernetes-models/v1/Service" with { "resolution-mode": "import" };
import { ServiceMonitor } from "../../components/kubernetes/monitoring-manifests";
import { subset } from "./helpers";

/** A namespaced object as the API serves it. */
export interface KubeObject {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly uid: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: unknown;
  readonly status?: unknown;
  readonly subsets?: unknown;
}

type Pod = KubeObject & { readonly spec: NonNullable<IPodTemplateSpec["spec"]> };

/** A running, ready pod of `template` at `ip` (what the kubelet would report). */
export function podOf(template: IPodTemplateSpec, name: string, namespace: string, ip: string, nodeName: string): Pod {
  return {
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, labels: { ...template.metadata?.labels }, annotations: { ...template.metadata?.annotations } },
    spec: { ...template.spec!, nodeName },
    status: { phase: "Running", podIP: ip, podIPs: [{ ip }], hostIP: "127.0.0.1", conditions: [{ type: "Ready", status: "True" }] },
  };
}

/**
 * A Service's port on a pod, as the endpoints controller resolves it: a number as is, a name
 * among the containers' ports, then the native sidecars' (init containers with restartPolicy
 * Always). Transcribed from FindPort, kubernetes/kubernetes pkg/api/v1/pod/util.go.
 */
function findPort(pod: Pod, port: NonNullable<NonNullable<IService["spec"]>["ports"]>[number]): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  const protocol = port.protocol ?? "TCP";
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  for (const c of [...pod.spec.containers, ...sidecars]) for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  return undefined;
}

/**
 * The Endpoints of a Service over `pods` (pkg/controller/endpoint/endpoints_controller.go): the
 * pods its selector matches, each port resolved by findPort (a pod without it is left out of that
 * port), every pod ready here. One subset per pod: how subsets are packed does not matter to discovery.
 */
export function endpointsOf(service: IService, pods: readonly Pod[]): KubeObject {
  const meta = service.metadata!;
  const selector = service.spec!.selector!;
  const subsets = pods
    .filter((p) => p.metadata.namespace === meta.namespace && subset(selector, p.metadata.labels))
    .flatMap((p) => {
      const ports = service.spec!.ports!.flatMap((sp) => {
        const port = findPort(p, sp);
        return port === undefined ? [] : [{ name: sp.name, port, protocol: sp.protocol ?? "TCP" }];
      });
      const status = p.status as { podIP: string };
      const address = { ip: status.podIP, nodeName: p.spec.nodeName, targetRef: { kind: "Pod", namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid } };
      return ports.length ? [{ addresses: [address], ports }] : [];
    });
  return { metadata: { name: meta.name!, namespace: meta.namespace!, uid: `uid-ep-${meta.name}`, labels: { ...meta.labels } }, subsets };
}

/** A Service as the API serves it (a uid and a cluster IP added). */
export const servedService = (s: IService): KubeObject => ({
  metadata: { name: s.metadata!.name!, namespace: s.metadata!.namespace!, uid: `uid-svc-${s.metadata!.name}`, labels: { ...s.metadata!.labels } },
  spec: { ...s.spec, clusterIP: s.spec!.clusterIP ?? "10.96.0.10" },
});

type Yaml = Record<string, unknown>;
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * The scrape config the Prometheus Operator writes for one ServiceMonitor endpoint, transcribed from
 * generateServiceMonitorConfig in prometheus-operator v0.82.2 (pkg/prometheus/promcfg.go; golden
 * file pkg/prometheus/testdata/NoEnforcedNamespaceLabelServiceMonitor_Expected.golden), the
 * operator kube-prometheus-stack 72.x runs, with its defaults: role endpoints, the relabel
 * selector mechanism, running pods only, one shard (the operator's `$(SHARD)` is 0 there). Only the
 * fields our ServiceMonitors set are translated; any other field fails here rather than be ignored.
 */
export function operatorScrapeConfig(sm: ServiceMonitor, index = 0): Yaml {
  const known = { spec: ["selector", "namespaceSelector", "endpoints"], endpoint: ["port", "path", "interval", "relabelings"], relabeling: ["action", "sourceLabels", "targetLabel", "replacement"] };
  const unknown = (o: object, allowed: readonly string[]) => Object.keys(o).filter((k) => !allowed.includes(k));
  const ep = sm.spec.endpoints[index];
  const extra = [...unknown(sm.spec, known.spec), ...unknown(sm.spec.selector, ["matchLabels"]), ...unknown(ep, known.endpoint), ...ep.relabelings.flatMap((r) => unknown(r, known.relabeling))];
  if (extra.length) throw new Error(`operatorScrapeConfig: ${sm.metadata.name} sets ${extra.join(", ")}, which this transcription does not translate`);
  const target = ["__meta_kubernetes_endpoint_address_target_kind", "__meta_kubernetes_endpoint_address_target_name"];
  const matchLabels = sm.spec.selector.matchLabels;
  return {
    job_name: `serviceMonitor/${sm.metadata.namespace}/${sm.metadata.name}/${index}`,
    honor_labels: false,
    kubernetes_sd_configs: [{ role: "endpoints", namespaces: { names: [...sm.spec.namespaceSelector.matchNames] } }],
    scrape_interval: ep.interval,
    metrics_path: ep.path,
    relabel_configs: [
      { source_labels: ["job"], target_label: "__tmp_prometheus_job_name" },
      ...Object.keys(matchLabels)
        .sort()
        .map((k) => ({
          action: "keep",
          source_labels: [`__meta_kubernetes_service_label_${sanitize(k)}`, `__meta_kubernetes_service_labelpresent_${sanitize(k)}`],
          regex: `(${matchLabels[k]});true`,
        })),
      { action: "keep", source_labels: ["__meta_kubernetes_endpoint_port_name"], regex: ep.port },
      { source_labels: target, separator: ";", regex: "Node;(.*)", replacement: "${1}", target_label: "node" },
      { source_labels: target, separator: ";", regex: "Pod;(.*)", replacement: "${1}", target_label: "pod" },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_service_name"], target_label: "service" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      { source_labels: ["__meta_kubernetes_pod_container_name"], target_label: "container" },
      { action: "drop", source_labels: ["__meta_kubernetes_pod_phase"], regex: "(Failed|Succeeded)" },
      { source_labels: ["__meta_kubernetes_service_name"], target_label: "job", replacement: "${1}" },
      { target_label: "endpoint", replacement: ep.port },
      // generateRelabelConfig: the endpoint's relabelings, field by field.
      ...ep.relabelings.map((r) => ({
        ...("sourceLabels" in r ? { source_labels: [...r.sourceLabels] } : {}),
        target_label: r.targetLabel,
        ...("replacement" in r ? { replacement: r.replacement } : {}),
        action: r.action,
      })),
      { source_labels: ["__address__", "__tmp_hash"], target_label: "__tmp_hash", regex: "(.+);", replacement: "$1", action: "replace" },
      { source_labels: ["__tmp_hash"], target_label: "__tmp_hash", modulus: 1, action: "hashmod" },
      { source_labels: ["__tmp_hash"], regex: "0", action: "keep" },
    ],
  };
}

const RESOURCES = { pods: "PodList", services: "ServiceList", endpoints: "EndpointsList" } as const;
type Resource = keyof typeof RESOURCES;

/**
 * The part of the Kubernetes API that Prometheus' discovery (client-go informers) uses: LIST
 * `/api/v1/[namespaces/<ns>/]{pods,services,endpoints}` answers the objects with a resourceVersion,
 * and the WATCH that follows (`watch=true`) is held open without events, as an unchanging cluster
 * would. Any other request is 404 and recorded.
 */
export class FakeApiServer {
  /** `METHOD path?query` of every request, in order. */
  readonly requests: string[] = [];
  private readonly server: http.Server;
  private readonly open = new Set<http.ServerResponse>();

  constructor(private readonly objects: Readonly<Record<Resource, readonly KubeObject[]>>) {
    this.server = http.createServer((req, res) => this.answer(req, res));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?(pods|services|endpoints)$/.exec(url.pathname);
    if (req.method !== "GET" || !m) {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 }));
      return;
    }
    const [, namespace, resource] = m as unknown as [string, string | undefined, Resource];
    if (url.searchParams.get("watch") === "true") {
      res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
      res.flushHeaders();
      this.open.add(res);
      res.on("close", () => this.open.delete(res));
      return;
    }
    const items = this.objects[resource].filter((o) => namespace === undefined || o.metadata.namespace === namespace);
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ kind: RESOURCES[resource], apiVersion: "v1", metadata: { resourceVersion: "1" }, items }));
  }
}
