// Issue 13 on Kubernetes: a front-proxy sidecar in every SGLang and router pod (the key as a Secret
// file, SGLang and the router on the pod's loopback), a default-deny NetworkPolicy with allows for
// the clients, the routers and Prometheus, and Ingress paths limited to the public API. The real
// nginx runs these pods' configuration in proxy.tools.test.ts.
import { describe, expect, test } from "vitest";
import { StackConfig, StackConfigSchema } from "../../components/config/schema";
import { IMAGES, PORTS } from "../../components/contract";
import {
  API_KEYS_SECRET,
  DEFAULT_DENY_POLICY,
  PROXY_CHECKSUM_ANNOTATION,
  ServingManifests,
  ingressPaths,
  proxyFiles,
  renderServingManifests,
  servingObjects,
} from "../../components/kubernetes/manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { QwenServingError, formatProblem } from "../../components/problems";
import { HEALTH_PATHS, KEEPALIVE_MARGIN_SECONDS, PUBLIC_EXACT_PATHS, PUBLIC_PREFIX } from "../../components/render/proxy/nginx";
import { parseRouterArgs } from "../../components/sglang/router-args";
import { planDeployment } from "../../components/sglang/planner";
import { k8sStackInput, subset } from "./helpers";

/** Pulumi.k8s.yaml with `replicas` per service and extra kubernetes settings. */
function config(kubernetes: Record<string, unknown> = {}, replicas = 1, extra: Record<string, unknown> = {}): StackConfig {
  const input = k8sStackInput() as Record<string, any>;
  return StackConfigSchema.parse({ ...input, ...extra, services: input.services.map((s: any) => ({ ...s, replicas })), kubernetes: { ...input.kubernetes, ...kubernetes } });
}
function render(c: StackConfig, apiKeys: string[] = []): { serving: ServingManifests; plan: ReturnType<typeof planDeployment> } {
  const plan = planDeployment("k8s", c);
  return { plan, serving: renderServingManifests({ plan, config: c, settings: resolveKubernetesSettings(c), apiKeys }) };
}
function problems(c: StackConfig): string[] {
  try {
    render(c);
    return [];
  } catch (e) {
    if (!(e instanceof QwenServingError)) throw e;
    return e.problems.map(formatProblem);
  }
}
const NGINX_INGRESS = { className: "nginx", domain: "llm.example.com" };
const ALB_INGRESS = { className: "alb", domain: "llm.example.com" };

describe("the proxy sidecar of an SGLang pod", () => {
  const { serving, plan } = render(config(), ["qwen3-32b"]);
  const [qwen3, vl] = serving.services;
  const spec = qwen3.statefulSet.spec!.template.spec!;
  const sidecar = spec.initContainers!.find((c) => c.name === "proxy")!;

  test("is a native sidecar after the weights: nginx of proxy.image on its rendered files, as nginx's own uid, read-only, no capabilities", () => {
    expect(spec.initContainers!.map((c) => [c.name, c.restartPolicy ?? null])).toEqual([
      ["weights", null],
      ["proxy", "Always"],
    ]);
    expect(sidecar.image).toBe(IMAGES.proxy);
    expect(sidecar.command).toEqual(["nginx", "-e", "stderr", "-c", "/etc/qwen-serving/proxy/nginx.conf"]);
    expect(sidecar.securityContext).toEqual({ runAsUser: 101, runAsGroup: 101, runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(sidecar.env).toEqual([{ name: "NVIDIA_VISIBLE_DEVICES", value: "void" }]);
  });

  test("holds the planned port under the name the Services target; SGLang declares none", () => {
    expect(sidecar.ports).toEqual([{ name: "http", containerPort: plan.services[0].port, protocol: "TCP" }]);
    expect(qwen3.headless.spec!.ports![0].targetPort).toBe("http");
    expect(qwen3.front.spec!.ports![0].targetPort).toBe("http");
    expect(spec.containers.map((c) => c.ports)).toEqual([undefined]);
  });

  test("its files are the ConfigMap, the renderer's exactly; the key its service's item of the API-key Secret, mounted in the sidecar only", () => {
    const input = { plan, config: config(), settings: resolveKubernetesSettings(config()), apiKeys: ["qwen3-32b"] };
    expect(qwen3.proxyConfig.data).toEqual(proxyFiles(input, plan.services[0], "server"));
    expect(spec.volumes).toEqual(
      expect.arrayContaining([
        { name: "proxy-conf", configMap: { name: "qwen3-32b-proxy", defaultMode: 0o444 } },
        { name: "proxy-run", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
        { name: "proxy-api-key", secret: { secretName: API_KEYS_SECRET, items: [{ key: "qwen3-32b", path: "qwen3-32b" }], defaultMode: 0o444 } },
      ]),
    );
    expect(sidecar.volumeMounts).toContainEqual({ name: "proxy-api-key", mountPath: "/run/secrets/api-keys", readOnly: true });
    expect(spec.containers[0].volumeMounts!.map((v) => v.name)).not.toContain("proxy-api-key");
    expect(serving.apiKeysSecret).toMatchObject({ metadata: { name: API_KEYS_SECRET, namespace: "qwen-serving" }, stringData: { "qwen3-32b": "[secret]" } });
    // A service without a key gets no key file and no check.
    const vlSpec = vl.statefulSet.spec!.template.spec!;
    expect(vlSpec.volumes!.map((v) => v.name)).not.toContain("proxy-api-key");
    expect(vl.proxyConfig.data!["nginx.conf"]).not.toContain("qs_api_key_file");
  });

  test("nginx.conf: the planned port fronts SGLang at its loopback twin, the key file is checked, two workers, keep-alive past ingress-nginx's 60 s", () => {
    const conf = qwen3.proxyConfig.data!["nginx.conf"];
    const port = plan.services[0].port;
    expect(conf).toContain(`    listen ${port};\n`);
    expect(conf).toContain(`    server 127.0.0.1:${port + PORTS.loopbackOffset};\n`);
    expect(conf).toContain("    set $qs_api_key_file /run/secrets/api-keys/qwen3-32b;\n");
    expect(conf).toContain("worker_processes 2;\n");
    expect(conf).toContain(`keepalive_timeout ${60 + KEEPALIVE_MARGIN_SECONDS}s;`);
    expect(conf).toContain("client_max_body_size 67108864;");
    expect(conf).toContain("proxy_read_timeout 900s;");
  });

  test("a new proxy configuration rolls the pods: the template carries its checksum", () => {
    const before = qwen3.statefulSet.spec!.template.metadata!.annotations![PROXY_CHECKSUM_ANNOTATION];
    const after = render(config({}, 1, { proxy: { maxBodyMiB: 128 } }), ["qwen3-32b"]).serving.services[0].statefulSet.spec!.template.metadata!.annotations![PROXY_CHECKSUM_ANNOTATION];
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });
});

describe("routed services", () => {
  const { serving, plan } = render(config({ ingress: NGINX_INGRESS }, 2), ["qwen3-32b", "qwen25-vl-32b"]);
  const m = serving.services[0];
  const svc = plan.services[0];
  const routerSpec = m.router!.deployment.spec!.template.spec!;

  test("the router pod: its sidecar holds the service and metrics ports; smg listens on the pod's loopback with the verbatim-body flags", () => {
    const sidecar = routerSpec.initContainers!.find((c) => c.name === "proxy")!;
    expect(sidecar.ports).toEqual([
      { name: "http", containerPort: svc.router!.port, protocol: "TCP" },
      { name: "metrics", containerPort: svc.router!.metricsPort, protocol: "TCP" },
    ]);
    expect(m.front.spec!.ports!.map((p) => p.targetPort)).toEqual(["http", "metrics"]);
    const args = routerSpec.containers[0].args!;
    const r = parseRouterArgs(args);
    expect(r.errors).toEqual([]);
    expect(r.values).toMatchObject({
      host: "127.0.0.1",
      port: svc.router!.port + PORTS.loopbackOffset,
      prometheus_host: "127.0.0.1",
      prometheus_port: svc.router!.metricsPort + PORTS.loopbackOffset,
      worker_urls: [0, 1].map((i) => `http://${m.statefulSet.metadata!.name}-${i}.${m.headless.metadata!.name}.qwen-serving.svc:${svc.placement[0].port}`),
      policy: "power_of_two",
      power_of_two_load_metric: "least_requests",
      max_buffered_request_bytes: 0,
      health_check_endpoint: "/health_generate",
      disable_tokenizer_autoload: true,
    });
    expect(routerSpec.containers[0].ports).toBeUndefined();
    expect(routerSpec.containers[0].readinessProbe!.httpGet).toEqual({ path: "/health", port: svc.router!.port });
    expect(m.router!.proxyConfig.data!["nginx.conf"]).toContain(`    server 127.0.0.1:${svc.router!.metricsPort + PORTS.loopbackOffset};\n`);
  });

  test("a replica's proxy admits the registration reads and checks the key the router forwards", () => {
    const conf = m.proxyConfig.data!["nginx.conf"];
    expect(conf).toContain("    location = /get_server_info {\n      allow 0.0.0.0/0;\n      deny all;");
    expect(conf).toContain("set $qs_api_key_file /run/secrets/api-keys/qwen3-32b;");
  });
});

describe("/metrics on the sidecars", () => {
  /** The allow list of every `location = /metrics` of a pod's nginx.conf. */
  const metricsAllows = (conf: string) => [...conf.matchAll(/ {4}location = \/metrics \{\n((?: {6}(?:allow|deny) [^\n]+\n)*)/g)].map((m) => m[1].trim().split(/;\s*/).filter(Boolean));
  const confs = (s: ServingManifests) => s.services.flatMap((m) => [m.proxyConfig, ...(m.router ? [m.router.proxyConfig] : [])]).map((c) => c.data!["nginx.conf"]);

  test("answer the private ranges by default and deny every other source, on SGLang pods, the router's API and its metrics port", () => {
    const { serving } = render(config({}, 2));
    const lists = confs(serving).flatMap(metricsAllows);
    // Two services: an SGLang pod's API port, the router's API port and its metrics port.
    expect(lists).toHaveLength(6);
    for (const l of lists) expect(l).toEqual(["allow 10.0.0.0/8", "allow 172.16.0.0/12", "allow 192.168.0.0/16", "deny all"]);
    expect(confs(serving).join("\n")).not.toContain("allow all");
  });

  test("answer only monitoring.prometheusCidrs and proxy.metricsCidrs when set", () => {
    const { serving } = render(config({ monitoring: { prometheusCidrs: ["10.244.7.0/24"] } }, 1, { proxy: { metricsCidrs: ["192.168.50.0/24"] } }));
    for (const l of confs(serving).flatMap(metricsAllows)) expect(l).toEqual(["allow 10.244.7.0/24", "allow 192.168.50.0/24", "deny all"]);
  });

  test("an empty or malformed prometheusCidrs is refused", () => {
    expect(() => config({ monitoring: { prometheusCidrs: [] } })).toThrow("prometheusCidrs");
    expect(() => config({ monitoring: { prometheusCidrs: ["all"] } })).toThrow("must be an IPv4 CIDR");
  });

  test("the NetworkPolicy still admits Prometheus, as the second layer", () => {
    const { serving, plan } = render(config({ monitoring: { prometheusCidrs: ["10.244.7.0/24"] } }));
    const policy = servingObjects(serving).find((o) => o.kind === "NetworkPolicy" && o.metadata!.name === plan.services[0].name) as any;
    expect(policy.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
      ports: [{ protocol: "TCP", port: plan.services[0].placement[0].port }],
    });
  });
});

describe("NetworkPolicies", () => {
  const policies = (s: ServingManifests) => servingObjects(s).filter((o) => o.kind === "NetworkPolicy") as any[];
  const byName = (s: ServingManifests, name: string) => policies(s).find((p) => p.metadata.name === name);
  const prometheus = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } };
  const ingressNginx = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx" } } };

  test("a default deny of ingress to every pod of the stack, and nothing else denied (egress stays open)", () => {
    const { serving } = render(config());
    expect(byName(serving, DEFAULT_DENY_POLICY).spec).toEqual({ podSelector: { matchLabels: { "app.kubernetes.io/part-of": "qwen-serving" } }, policyTypes: ["Ingress"] });
    for (const p of policies(serving)) expect(p.spec.policyTypes).toEqual(["Ingress"]);
    // Every pod we run is covered by the default deny.
    const pods = [...serving.services.map((s) => s.statefulSet.spec!.template.metadata!.labels!)];
    for (const labels of pods) expect(subset(byName(serving, DEFAULT_DENY_POLICY).spec.podSelector.matchLabels, labels)).toBe(true);
  });

  test("one replica behind ingress-nginx: its pod admits the controller and Prometheus, on the proxy's port only", () => {
    const { serving, plan } = render(config({ ingress: NGINX_INGRESS }));
    const p = byName(serving, "qwen3-32b");
    expect(p.spec.podSelector.matchLabels).toEqual(serving.services[0].statefulSet.spec!.selector!.matchLabels);
    expect(p.spec.ingress).toEqual([
      { from: [ingressNginx], ports: [{ protocol: "TCP", port: plan.services[0].port }] },
      { from: [prometheus], ports: [{ protocol: "TCP", port: plan.services[0].port }] },
    ]);
  });

  test("replicas behind a router: the SGLang pods admit only their own routers (and Prometheus); the routers admit the clients, Prometheus their metrics port", () => {
    const { serving, plan } = render(config({ ingress: NGINX_INGRESS }, 2));
    const svc = plan.services[0];
    const server = byName(serving, "qwen3-32b");
    expect(server.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: serving.services[0].router!.deployment.spec!.selector!.matchLabels } }], ports: [{ protocol: "TCP", port: svc.placement[0].port }] },
      { from: [prometheus], ports: [{ protocol: "TCP", port: svc.placement[0].port }] },
    ]);
    const router = byName(serving, "qwen3-32b-router");
    expect(router.spec.podSelector.matchLabels).toEqual(serving.services[0].router!.deployment.spec!.selector!.matchLabels);
    expect(router.spec.ingress).toEqual([
      { from: [ingressNginx], ports: [{ protocol: "TCP", port: svc.router!.port }] },
      { from: [prometheus], ports: [{ protocol: "TCP", port: svc.router!.metricsPort }] },
    ]);
    // The other service's routers are not let in.
    expect(byName(serving, "qwen25-vl-32b").spec.ingress[0].from[0].podSelector.matchLabels["app.kubernetes.io/instance"]).toBe("qwen25-vl-32b");
  });

  test("without an Ingress the clients are the serving namespace's pods; clients and Prometheus can be named", () => {
    expect(byName(render(config()).serving, "qwen3-32b").spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: {} } }]);
    const named = render(
      config({ ingress: ALB_INGRESS, networkPolicy: { clients: [{ cidr: "10.1.0.0/16" }], prometheus: [{ namespaceLabels: { team: "obs" }, podLabels: { app: "prom" } }] } }),
    ).serving;
    expect(byName(named, "qwen3-32b").spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: "10.1.0.0/16" } }], ports: [{ protocol: "TCP", port: 9001 }] },
      { from: [{ namespaceSelector: { matchLabels: { team: "obs" } }, podSelector: { matchLabels: { app: "prom" } } }], ports: [{ protocol: "TCP", port: 9001 }] },
    ]);
  });

  test("without monitoring there is no Prometheus rule; with networkPolicy.enabled false no policy at all", () => {
    const quiet = render(config({}, 1, { monitoring: { enabled: false } })).serving;
    expect(byName(quiet, "qwen3-32b").spec.ingress).toHaveLength(1);
    expect(policies(render(config({ networkPolicy: { enabled: false } })).serving)).toEqual([]);
  });

  test("an ALB or another controller needs its clients named; a peer needs a cidr or selectors", () => {
    expect(problems(config({ ingress: ALB_INGRESS }))).toEqual([
      "qwen-serving:kubernetes.networkPolicy.clients: is needed with Ingress controller 'alb': the default-deny policy would keep it from the services (list where its traffic comes from (an ALB's subnets as { cidr: ... } for ip targets, or its pods' namespaceLabels/podLabels), or set networkPolicy.enabled false)",
    ]);
    expect(problems(config({ ingress: ALB_INGRESS, networkPolicy: { enabled: false } }))).toEqual([]);
    expect(() => config({ networkPolicy: { clients: [{ cidr: "10.0.0.0/8", podLabels: { a: "b" } }] } })).toThrow(/either cidr or namespaceLabels/);
    expect(() => config({ networkPolicy: { clients: [{}] } })).toThrow(/either cidr or namespaceLabels/);
  });
});

describe("the Ingress", () => {
  test("routes exactly the paths the proxy forwards: the public API and health", () => {
    const paths = ingressPaths();
    expect(paths).toEqual([{ path: "/v1", pathType: "Prefix" }, ...[...PUBLIC_EXACT_PATHS, ...HEALTH_PATHS].map((path) => ({ path, pathType: "Exact" }))]);
    expect(PUBLIC_PREFIX).toBe("/v1/");
    const rules = render(config({ ingress: NGINX_INGRESS })).serving.services[0].ingress!.spec!.rules!;
    expect(rules[0].http!.paths.map((p) => p.path)).toEqual(["/v1", "/generate", "/get_model_info", "/health", "/health_generate"]);
    expect(rules[0].http!.paths.map((p) => p.path)).not.toContain("/metrics");
  });

  test("behind an ALB the proxy keeps idle connections past the ALB's idle timeout (ours, or the user's attribute)", () => {
    const alb = { ingress: ALB_INGRESS, networkPolicy: { clients: [{ cidr: "10.0.0.0/16" }] } };
    const conf = (c: StackConfig) => render(c).serving.services[0].proxyConfig.data!["nginx.conf"];
    expect(conf(config(alb, 1, { proxy: { maxGenerationSeconds: 1800 } }))).toContain(`keepalive_timeout ${1800 + KEEPALIVE_MARGIN_SECONDS}s;`);
    const longer = { ...alb, ingress: { ...ALB_INGRESS, annotations: { "alb.ingress.kubernetes.io/load-balancer-attributes": "idle_timeout.timeout_seconds=3000" } } };
    expect(conf(config(longer))).toContain(`keepalive_timeout ${3000 + KEEPALIVE_MARGIN_SECONDS}s;`);
    expect(conf(config(alb, 1, { proxy: { clientIdleSeconds: 120 } }))).toContain(`keepalive_timeout ${120 + KEEPALIVE_MARGIN_SECONDS}s;`);
  });
});
