// Kubernetes discovery for real: Debian's Prometheus runs the scrape configs the Prometheus
// Operator generates from the k8s stack's ServiceMonitors (Pulumi.k8s.yaml with two replicas per
// service, so routers exist too), against an API server stand-in on loopback that lists the pods the
// stack's StatefulSets and router Deployments would run (their templates' labels, annotations and
// ports; pod IPs 127.0.90.x), the Services the stack renders and the Endpoints the endpoints
// controller derives, plus pods that must not be scraped: another app with the same port names,
// the weight seed Job's pod (the service's labels, component weights-seed), the router's API port and a copy of
// our Service in another namespace. Each pod port answers /metrics from a stub on its pod IP.
// Assertions: which targets Prometheus keeps, their labels after relabeling (job, service,
// component, pod, instance: what the rules and dashboards select on), and that each scrape is up.
//
// Which Prometheus: Debian's (2.42, bookworm) is built without Kubernetes discovery (its
// `promtool check config` says "field kubernetes_sd_configs not found in type config.ScrapeConfig"),
// so this runs upstream's v3.4.1, built from the Go module pinned in prometheus-v3/go.mod (the
// v3 line kube-prometheus-stack 72.x runs); PROMETHEUS_K8S names another build.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import http from "http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PORTS } from "../../components/contract";
import { renderMonitoringManifests } from "../../components/kubernetes/monitoring-manifests";
import { renderServingManifests } from "../../components/kubernetes/manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { COMPONENT, DCGM_EXPORTER_JOB, routerJobName, sglangJobName } from "../../components/render/monitoring";
import { planDeployment } from "../../components/sglang/planner";
import { Sandbox, freePort, request, waitFor } from "../render/proxy/harness";
import { FakeApiServer, endpointsOf, operatorScrapeConfig, podOf, servedService } from "./fake-cluster";
import { routedConfig } from "./helpers";

const config = routedConfig();
const plan = planDeployment("k8s", config);
const settings = resolveKubernetesSettings(config);
const serving = renderServingManifests({ plan, config, settings });
const monitoring = renderMonitoringManifests(plan, config, settings);
const NS = settings.namespace;
const DCGM_PORT = PORTS.dcgmExporter;
const box = new Sandbox();

let nextIp = 1;
const ip = () => `127.0.90.${nextIp++}`;
const node = (i: number) => `gpu-node-${i}`;

/** The stack's pods: each service's replicas and routers, as their controllers would name them. */
const stackPods = serving.services.flatMap((m) => {
  const sts = m.statefulSet;
  const replicas = Array.from({ length: sts.spec!.replicas! }, (_, i) => podOf(sts.spec!.template, `${sts.metadata!.name}-${i}`, NS, ip(), node(i)));
  const d = m.router!.deployment;
  const routers = Array.from({ length: d.spec!.replicas! }, (_, i) => podOf(d.spec!.template, `${d.metadata!.name}-5d4f8b7c9-${"abcdefgh"[i]}x2k`, NS, ip(), node(i)));
  const seed = m.seed ? [podOf(m.seed.job.spec!.template, `${m.seed.job.metadata!.name}-q7w2r`, NS, ip(), node(0))] : [];
  return [...replicas, ...routers, ...seed];
});
/** Another app in the serving namespace whose ports have our names: its Service selects nothing of ours. */
const otherApp = {
  service: {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "other-app", namespace: NS, labels: { app: "other-app" } },
    spec: {
      selector: { app: "other-app" },
      ports: [
        { name: "http", port: 8080, targetPort: "http" },
        { name: "metrics", port: 8081, targetPort: "metrics" },
      ],
    },
  },
  template: {
    metadata: { labels: { app: "other-app" } },
    spec: {
      containers: [
        {
          name: "app",
          image: "example",
          ports: [
            { name: "http", containerPort: 8080 },
            { name: "metrics", containerPort: 8081 },
          ],
        },
      ],
    },
  },
} as const;
/** Our headless Service's twin in a namespace no ServiceMonitor names. */
const elsewhere = { ...serving.services[0].headless, metadata: { ...serving.services[0].headless.metadata, namespace: "default" } };
/** The GPU operator's dcgm-exporter as the settings describe it (its Service labels, port name). */
const dcgm = {
  service: {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "nvidia-dcgm-exporter", namespace: settings.monitoring.dcgm.namespace, labels: { ...settings.monitoring.dcgm.matchLabels } },
    spec: { selector: { ...settings.monitoring.dcgm.matchLabels }, ports: [{ name: settings.monitoring.dcgm.portName, port: DCGM_PORT, targetPort: DCGM_PORT }] },
  },
  template: {
    metadata: { labels: { ...settings.monitoring.dcgm.matchLabels } },
    spec: { containers: [{ name: "nvidia-dcgm-exporter", image: "example", ports: [{ name: "metrics", containerPort: DCGM_PORT }] }] },
  },
};
const pods = [
  ...stackPods,
  podOf(otherApp.template, "other-app-0", NS, ip(), node(0)),
  podOf(serving.services[0].statefulSet.spec!.template, "twin-0", "default", ip(), node(0)),
  podOf(dcgm.template, "nvidia-dcgm-exporter-h5t8k", dcgm.service.metadata.namespace, ip(), node(3)),
];
const services = [...serving.services.flatMap((m) => [m.headless, m.front]), otherApp.service, elsewhere, dcgm.service];
const api = new FakeApiServer({ pods, services: services.map(servedService), endpoints: services.map((s) => endpointsOf(s, pods)) });

/** Built by `go build` in prometheus-v3/ (see its go.mod); fails loudly when absent. */
const PROMETHEUS_K8S = process.env.PROMETHEUS_K8S ?? join(__dirname, "..", "..", ".tools", "prometheus-3", "prometheus");
function requirePrometheusWithKubernetes(): string {
  if (!existsSync(PROMETHEUS_K8S))
    throw new Error(
      `${PROMETHEUS_K8S} is missing: Debian's prometheus has no Kubernetes discovery. Build upstream's: (cd test/kubernetes/prometheus-v3 && go build -o ../../../.tools/prometheus-3/prometheus github.com/prometheus/prometheus/cmd/prometheus)`,
    );
  return PROMETHEUS_K8S;
}

interface Target {
  readonly labels: Record<string, string>;
  readonly discoveredLabels: Record<string, string>;
  readonly scrapePool: string;
  readonly health: string;
  readonly lastError: string;
}
let promPort: number;
const stubs: http.Server[] = [];
const targets = async (): Promise<{ activeTargets: Target[]; droppedTargets: Target[] }> => JSON.parse((await request(promPort, "/api/v1/targets?state=any")).body.toString()).data;
const podIp = (name: string) => (pods.find((p) => p.metadata.name === name)!.status as { podIP: string }).podIP;

/** Every port of every pod answers /metrics on the pod's address, so a missing target is discovery's doing. */
async function startStubs(): Promise<void> {
  for (const p of pods) {
    const spec = p.spec as { containers: { ports?: { containerPort: number }[] }[]; initContainers?: { ports?: { containerPort: number }[] }[] };
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])])
      for (const { containerPort } of c.ports ?? []) {
        const s = http.createServer((req, res) => res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(`# TYPE stub_up gauge\nstub_up{from_pod="${p.metadata.name}"} 1\n`));
        await new Promise<void>((resolve, reject) => s.once("error", reject).listen(containerPort, (p.status as { podIP: string }).podIP, () => resolve()));
        stubs.push(s);
      }
  }
}

beforeAll(async () => {
  const prometheus = requirePrometheusWithKubernetes();
  await startStubs();
  const apiPort = await api.listen();
  // The operator writes no api_server: in the cluster Prometheus finds the API server from its pod's
  // environment and authenticates with the service account's token and CA files. Pointing it at
  // the stand-in (plain HTTP, no credentials) is the one change; every other line is the operator's.
  const scrapeConfigs = monitoring.serviceMonitors
    .map((sm) => operatorScrapeConfig(sm))
    .map((c) => ({ ...c, kubernetes_sd_configs: (c.kubernetes_sd_configs as object[]).map((sd) => ({ ...sd, api_server: `http://127.0.0.1:${apiPort}` })) }));
  const interval = monitoring.serviceMonitors[0].spec.endpoints[0].interval;
  mkdirSync(box.path("data"));
  // JSON is YAML: Prometheus reads the file as is.
  writeFileSync(box.path("prometheus.yml"), JSON.stringify({ global: { scrape_interval: interval, evaluation_interval: interval }, scrape_configs: scrapeConfigs }, null, 2));
  promPort = await freePort();
  box.start("prometheus", prometheus, [`--config.file=${box.path("prometheus.yml")}`, `--storage.tsdb.path=${box.path("data")}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  const expected = serving.services.length * 4 + 1;
  let seen = "nothing yet";
  try {
    await waitFor(
      `${expected} targets up`,
      async () => {
        const t = await targets();
        seen = JSON.stringify(t.activeTargets.map((a) => [a.scrapePool, a.labels.instance, a.health, a.lastError]));
        return t.activeTargets.length === expected && t.activeTargets.every((a) => a.health === "up");
      },
      60_000,
    );
  } catch (e) {
    const log = readFileSync(box.procs[0].log, "utf8").split("\n").slice(-15).join("\n");
    throw new Error(`${(e as Error).message}; active targets: ${seen}; API requests: ${api.requests.slice(0, 12).join(", ")}; Prometheus log:\n${log}`);
  }
}, 90_000);

afterAll(async () => {
  await box.stopAll();
  await api.close();
  await Promise.all(stubs.map((s) => new Promise((r) => s.close(r))));
});

describe("Prometheus discovers the stack's pods through the operator's scrape configs", () => {
  test("the API server was asked what client-go informers ask: a list, then a watch, per resource and namespace", () => {
    const asked = new Set(api.requests.map((r) => r.replace(/\?.*/, (q) => (q.includes("watch=true") ? " watch" : " list"))));
    for (const ns of [NS, settings.monitoring.dcgm.namespace])
      for (const r of ["endpoints", "services", "pods"]) for (const how of ["list", "watch"]) expect(asked).toContain(`GET /api/v1/namespaces/${ns}/${r} ${how}`);
    expect([...asked].filter((r) => r.includes("/namespaces/default/"))).toEqual([]);
  });

  test.each(plan.services.map((s) => [s.name, s] as const))("%s: each SGLang replica at its pod address and planned port, labelled as the rules and dashboards select, and up", async (name, svc) => {
    const t = (await targets()).activeTargets.filter((a) => a.labels.job === sglangJobName(name));
    expect(t.map((a) => ({ ...a.labels }))).toEqual(
      [0, 1].map((i) => ({
        job: sglangJobName(name),
        service: name,
        component: COMPONENT.sglang,
        namespace: NS,
        pod: `${name}-${i}`,
        endpoint: "http",
        instance: `${podIp(`${name}-${i}`)}:${svc.placement[0].port}`,
        container: "proxy",
      })),
    );
    expect(t.map((a) => [a.health, a.lastError])).toEqual([
      ["up", ""],
      ["up", ""],
    ]);
  });

  test.each(plan.services.map((s) => [s.name, s] as const))("%s: each router pod's metrics port, labelled and up", async (name, svc) => {
    const t = (await targets()).activeTargets.filter((a) => a.labels.job === routerJobName(name));
    const routerPods = pods.filter((p) => p.metadata.name.startsWith(`${name}-router-`)).map((p) => p.metadata.name);
    expect(routerPods).toHaveLength(2);
    expect(t.map((a) => ({ ...a.labels })).sort((a, b) => a.pod.localeCompare(b.pod))).toEqual(
      routerPods.map((pod) => ({
        job: routerJobName(name),
        service: name,
        component: COMPONENT.router,
        namespace: NS,
        pod,
        endpoint: "metrics",
        instance: `${podIp(pod)}:${svc.router!.metricsPort}`,
        container: "proxy",
      })),
    );
    expect(t.every((a) => a.health === "up")).toBe(true);
  });

  test("dcgm-exporter: instance is the node's name, as node-exporter's", async () => {
    const [t, ...more] = (await targets()).activeTargets.filter((a) => a.labels.job === DCGM_EXPORTER_JOB);
    expect(more).toEqual([]);
    expect(t.labels).toMatchObject({ job: DCGM_EXPORTER_JOB, component: COMPONENT.dcgmExporter, instance: node(3), pod: "nvidia-dcgm-exporter-h5t8k" });
    expect(t.health).toBe("up");
  });

  test("nothing else is scraped: the other app, the seed Job's pod, the router's API port, another namespace", async () => {
    const { activeTargets, droppedTargets } = await targets();
    const scraped = activeTargets.map((a) => a.labels.pod);
    for (const p of pods.filter((p) => !p.metadata.name.startsWith("nvidia-dcgm") && !/-(\d|router-.*)$/.test(p.metadata.name))) expect(scraped).not.toContain(p.metadata.name);
    expect(activeTargets.filter((a) => a.labels.job.startsWith("sglang-router-") && a.labels.endpoint !== "metrics")).toEqual([]);
    // Discovered and dropped by relabeling, not missed: the other app's endpoints and the routers' API port are there.
    const dropped = droppedTargets.map((d) => `${d.discoveredLabels.__meta_kubernetes_service_name}:${d.discoveredLabels.__meta_kubernetes_endpoint_port_name}`);
    expect(dropped).toContain("other-app:metrics");
    for (const s of plan.services) expect(dropped).toContain(`${s.name}:http`);
    expect(droppedTargets.filter((d) => d.discoveredLabels.__meta_kubernetes_namespace === "default")).toEqual([]);
  });
});
