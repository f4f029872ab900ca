import { describe, expect, test } from "vitest";
import { KubernetesSettingsSchema } from "../../components/config/kubernetes";
import { IMAGES, NODE_PATHS, PORTS } from "../../components/contract";
import { StackConfig, StackConfigSchema } from "../../components/config/schema";
import { GRAFANA_ADMIN_SECRET, renderMonitoringManifests } from "../../components/kubernetes/monitoring-manifests";
import { HubToken, TOKENS_SECRET, loopbackLaunchArgs, renderServingManifests, serviceWeights, servingObjects } from "../../components/kubernetes/manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { formatProblem } from "../../components/problems";
import { renderWeightsScript, weightsModels } from "../../components/render/scripts/weights";
import { parseServerArgs } from "../../components/sglang/argparse";
import { parseRouterArgs, routerArgs } from "../../components/sglang/router-args";
import { planDeployment } from "../../components/sglang/planner";
import { k8sStackConfig, k8sStackInput, routedConfig, ROUTER_IMAGE, subset } from "./helpers";
import { refusal } from "../support/refusal";

function render(config: StackConfig, tokens: HubToken[] = [], stack = "k8s") {
  const plan = planDeployment(stack, config);
  const settings = resolveKubernetesSettings(config);
  return { plan, settings, serving: renderServingManifests({ plan, config, settings, tokens }), monitoring: renderMonitoringManifests(plan, config, settings) };
}

describe("SGLang StatefulSets (Pulumi.k8s.yaml)", () => {
  const { plan, serving } = render(k8sStackConfig());
  const cases = plan.services.map((svc, i) => [svc.name, svc, serving.services[i]] as const);

  test.each(cases)("%s runs the builder's argv under python3 -m sglang.launch_server, listening on the pod's loopback behind the proxy", (_n, svc, m) => {
    const c = m.statefulSet.spec!.template.spec!.containers[0];
    expect(c.command).toEqual(["python3", "-m", "sglang.launch_server"]);
    const twin = String(svc.port + PORTS.loopbackOffset);
    // Only the listener differs from the builder's argv; never a key.
    expect(c.args!.map((a, i) => (c.args![i - 1] === "--host" ? "<host>" : c.args![i - 1] === "--port" ? "<port>" : a))).toEqual(
      svc.launchArgs.map((a, i) => (svc.launchArgs[i - 1] === "--host" ? "<host>" : svc.launchArgs[i - 1] === "--port" ? "<port>" : a)),
    );
    const parsed = parseServerArgs(c.args!);
    expect(parsed.errors).toEqual([]);
    expect([parsed.values.host, String(parsed.values.port), parsed.values.api_key]).toEqual(["127.0.0.1", twin, undefined]);
    expect(c.ports).toBeUndefined();
  });

  test("the seed's flags reach the pods: YaRN 131072 with chunked prefill 8192; qwen2-vl template, 2048 running, 128000", () => {
    const args = serving.services.map((s) => s.statefulSet.spec!.template.spec!.containers[0].args!.join(" "));
    expect(args[0]).toContain(
      '--json-model-override-args {"rope_scaling":{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":32768}} --context-length 131072 --chunked-prefill-size 8192',
    );
    expect(args[1]).toContain("--chat-template qwen2-vl --max-running-requests 2048 --context-length 128000");
  });

  test.each(cases)("%s requests and limits nvidia.com/gpu = tp", (_n, svc, m) => {
    const r = m.statefulSet.spec!.template.spec!.containers[0].resources!;
    expect(r.requests!["nvidia.com/gpu"]).toBe(String(svc.tp));
    expect(r.limits!["nvidia.com/gpu"]).toBe(String(svc.tp));
    expect(m.statefulSet.spec!.replicas).toBe(svc.replicas);
  });

  test.each(cases)("%s: startup probe on /health with at least 30 minutes, readiness and liveness on /health_generate, through the proxy's port", (_n, svc, m) => {
    const c = m.statefulSet.spec!.template.spec!.containers[0];
    const portName = svc.port;
    expect(m.statefulSet.spec!.template.spec!.initContainers!.find((x) => x.name === "proxy")!.ports).toEqual([{ name: "http", containerPort: svc.port, protocol: "TCP" }]);
    expect(c.startupProbe!.httpGet).toEqual({ path: "/health", port: portName });
    expect(c.startupProbe!.periodSeconds! * c.startupProbe!.failureThreshold!).toBeGreaterThanOrEqual(30 * 60);
    for (const p of [c.readinessProbe!, c.livenessProbe!]) {
      expect(p.httpGet).toEqual({ path: "/health_generate", port: portName });
      // SGLang waits up to 20 s for output before answering 503; a shorter timeout would cut it off.
      expect(p.timeoutSeconds).toBeGreaterThan(20);
    }
    expect(c.livenessProbe!.periodSeconds! * c.livenessProbe!.failureThreshold!).toBeGreaterThan(c.readinessProbe!.periodSeconds! * c.readinessProbe!.failureThreshold!);
  });

  test("a longer startupMinutes stretches the startup probe; less than 30 is refused", () => {
    const input = k8sStackInput() as Record<string, any>;
    const longer = render(StackConfigSchema.parse({ ...input, kubernetes: { ...input.kubernetes, startupMinutes: 45 } }));
    const probe = longer.serving.services[0].statefulSet.spec!.template.spec!.containers[0].startupProbe!;
    expect(probe.periodSeconds! * probe.failureThreshold!).toBe(45 * 60);
    const short = KubernetesSettingsSchema.safeParse({ startupMinutes: 20 });
    expect(short.success).toBe(false);
    expect(short.error!.issues[0].message).toMatch(/at least 30 minutes/);
  });

  test.each(cases)("%s: /dev/shm is an in-memory emptyDir; the weight volume is mounted read-only", (_n, _svc, m) => {
    const spec = m.statefulSet.spec!.template.spec!;
    expect(spec.volumes).toContainEqual({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "32Gi" } });
    // Only the revision's folder of the volume: /models/<repo> is that revision's files.
    expect(spec.containers[0].volumeMounts).toEqual(
      expect.arrayContaining([
        { name: "dshm", mountPath: "/dev/shm" },
        { name: "weights", mountPath: NODE_PATHS.models, subPath: serviceWeights(_svc).dir, readOnly: true },
      ]),
    );
  });

  test.each(cases)("%s: one weight PVC per replica from the storage class, sized by the plan, filled by the init container", (_n, svc, m) => {
    expect(m.statefulSet.spec!.volumeClaimTemplates).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: "weights" }),
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "qwen-weights",
          resources: { requests: { storage: `${svc.weightCacheGiB}Gi` } },
          dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: `weights-${svc.name}` },
        },
      }),
    ]);
    const [init, proxy] = m.statefulSet.spec!.template.spec!.initContainers!;
    expect([proxy.name, proxy.restartPolicy]).toEqual(["proxy", "Always"]);
    expect(init.image).toBe(IMAGES.sglang);
    expect(init.command).toEqual(["bash", "/opt/qwen-serving/weights-revision.sh", "/volume", serviceWeights(svc).dir, "/opt/qwen-serving/fetch-weights.sh"]);
    expect(init.volumeMounts).toContainEqual({ name: "weights", mountPath: "/volume" });
    expect(m.statefulSet.spec!.template.spec!.volumes).toContainEqual({ name: "weights-script", configMap: { name: m.weightsScript.metadata!.name, defaultMode: 0o555 } });
    expect(m.weightsScript.data!["fetch-weights.sh"]).toBe(renderWeightsScript({ models: weightsModels([svc]), cacheRoot: NODE_PATHS.models }));
    expect(m.weightsScript.data!["fetch-weights.sh"]).toContain(svc.spec.weights.revision);
  });

  test("the created gp3 StorageClass takes the cache's throughput and IOPS and binds where the pod lands", () => {
    expect(serving.storageClass).toMatchObject({
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", throughput: "1000", iops: "6000", encrypted: "true" },
      volumeBindingMode: "WaitForFirstConsumer",
      reclaimPolicy: "Delete",
    });
    expect(serving.services[0].statefulSet.spec!.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Delete", whenScaled: "Retain" });
    const prod = render(k8sStackConfig(), [], "prod");
    expect(prod.serving.storageClass!.reclaimPolicy).toBe("Retain");
    expect(prod.serving.services[0].statefulSet.spec!.persistentVolumeClaimRetentionPolicy!.whenDeleted).toBe("Retain");
  });

  test("GPU node selection and tolerations come from the pool's settings, with a pool label by default", () => {
    const spec = serving.services[0].statefulSet.spec!.template.spec!;
    expect(spec.nodeSelector).toEqual({ "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" });
    expect(spec.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    const input = k8sStackInput() as Record<string, any>;
    const bare = render(StackConfigSchema.parse({ ...input, kubernetes: undefined }));
    expect(bare.serving.services[0].statefulSet.spec!.template.spec!.nodeSelector).toEqual({ "qwen-serving.io/node-pool": "h100" });
  });

  test.each(cases)("%s: a PodDisruptionBudget of one over the StatefulSet's pods", (_n, _svc, m) => {
    expect(m.pdb.spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" });
    expect(subset(m.pdb.spec!.selector!.matchLabels!, m.statefulSet.spec!.template.metadata!.labels)).toBe(true);
  });

  test.each(cases)("%s: the front Service sends its port to the SGLang pods; no router with one replica", (_n, svc, m) => {
    expect(m.router).toBeUndefined();
    expect(m.front.spec!.ports).toEqual([{ name: "http", port: svc.port, targetPort: "http", protocol: "TCP" }]);
    expect(subset(m.front.spec!.selector!, m.statefulSet.spec!.template.metadata!.labels)).toBe(true);
    expect(m.statefulSet.spec!.serviceName).toBe(m.headless.metadata!.name);
  });

  test("without hub tokens nothing is mounted or set for them", () => {
    expect(serving.tokensSecret).toBeUndefined();
    const init = serving.services[0].statefulSet.spec!.template.spec!.initContainers![0];
    expect(init.env).toEqual([{ name: "NVIDIA_VISIBLE_DEVICES", value: "void" }]);
  });
});

describe("routed services, Ingress and hub tokens", () => {
  const { plan, serving, monitoring } = render(routedConfig(), ["hf-token"]);

  test("hub tokens are a Secret mounted as files; the init container only gets their paths", () => {
    expect(serving.tokensSecret).toMatchObject({ metadata: { name: TOKENS_SECRET }, stringData: { "hf-token": "[secret]" } });
    const spec = serving.services[0].statefulSet.spec!.template.spec!;
    expect(spec.volumes).toContainEqual({ name: "hub-tokens", secret: { secretName: TOKENS_SECRET, defaultMode: 0o400 } });
    const init = spec.initContainers![0];
    expect(init.env).toEqual([
      { name: "NVIDIA_VISIBLE_DEVICES", value: "void" },
      { name: "HF_TOKEN_FILE", value: "/run/secrets/qwen-serving/hf-token" },
    ]);
    expect(init.volumeMounts).toContainEqual({ name: "hub-tokens", mountPath: "/run/secrets/qwen-serving", readOnly: true });
    // The server itself never sees the tokens.
    expect(spec.containers[0].volumeMounts!.map((v) => v.name)).not.toContain("hub-tokens");
    expect(spec.containers[0].env).toEqual([{ name: "HF_HUB_OFFLINE", value: "1" }]);
  });

  test("all replicas run one argv on one worker port; the router reaches each by its pod's DNS name, with the hosts' flags", () => {
    plan.services.forEach((svc, i) => {
      const m = serving.services[i];
      const c = m.statefulSet.spec!.template.spec!.containers[0];
      expect(m.statefulSet.spec!.replicas).toBe(2);
      expect(c.args).toEqual(loopbackLaunchArgs(svc.placement[1].launchArgs, svc.placement[1].port));
      const proxy = m.statefulSet.spec!.template.spec!.initContainers!.find((x) => x.name === "proxy")!;
      const router = m.router!.deployment.spec!.template.spec!.containers[0];
      expect(router.image).toBe(ROUTER_IMAGE);
      expect(router.command).toEqual(["python3", "-m", "smg.launch_router"]);
      const args = router.args!;
      expect(parseRouterArgs(args).errors).toEqual([]);
      const after = (flag: string) => args[args.indexOf(flag) + 1];
      // The hosts' builder with these URLs: the same flags exactly, no discovery.
      const urls = [0, 1].map((k) => `http://${m.statefulSet.metadata!.name}-${k}.${m.statefulSet.spec!.serviceName}.qwen-serving.svc:${proxy.ports![0].containerPort}`);
      expect(args).toEqual(
        routerArgs({ host: "127.0.0.1", port: svc.port + PORTS.loopbackOffset, metricsPort: svc.router!.metricsPort + PORTS.loopbackOffset, workerUrls: urls, requestTimeoutSecs: 900 }),
      );
      expect(m.headless.metadata!.name).toBe(m.statefulSet.spec!.serviceName);
      expect(args.filter((a) => a.includes("discovery") || a === "--selector")).toEqual([]);
      expect([after("--host"), after("--port")]).toEqual(["127.0.0.1", String(svc.port + PORTS.loopbackOffset)]);
      expect(after("--policy")).toBe("power_of_two");
      expect(after("--max-buffered-request-bytes")).toBe("0");
      expect(after("--prometheus-host")).toBe("127.0.0.1");
      expect(after("--prometheus-port")).toBe(String(svc.router!.metricsPort + PORTS.loopbackOffset));
      expect(after("--request-timeout-secs")).toBe("900");
      expect(subset(m.front.spec!.selector!, m.router!.deployment.spec!.template.metadata!.labels)).toBe(true);
      expect(m.front.spec!.ports!.map((p) => [p.name, p.port])).toEqual([
        ["http", svc.port],
        ["metrics", svc.router!.metricsPort],
      ]);
    });
  });

  test("the router gets no API token: it never calls the API server", () => {
    const r = serving.services[0].router!;
    expect(r.serviceAccount.automountServiceAccountToken).toBe(false);
    expect(r.deployment.spec!.template.spec!.serviceAccountName).toBe(r.serviceAccount.metadata!.name);
    expect(r.deployment.spec!.template.spec!.automountServiceAccountToken).toBe(false);
    expect(servingObjects(serving).filter((o) => o.apiVersion.startsWith("rbac."))).toEqual([]);
  });

  test("an Ingress per service at <service>.<domain> with TLS", () => {
    const ing = serving.services[1].ingress!;
    expect(ing.spec).toEqual({
      ingressClassName: "nginx",
      tls: [{ hosts: ["qwen25-vl-32b.llm.example.com"], secretName: "llm-tls" }],
      // The public API only: /metrics and SGLang's admin routes are not routed (the proxy would refuse them too).
      rules: [
        {
          host: "qwen25-vl-32b.llm.example.com",
          http: {
            paths: [
              ["/v1", "Prefix"],
              ["/generate", "Exact"],
              ["/get_model_info", "Exact"],
              ["/health", "Exact"],
              ["/health_generate", "Exact"],
            ].map(([path, pathType]) => ({ path, pathType, backend: { service: { name: "qwen25-vl-32b", port: { name: "http" } } } })),
          },
        },
      ],
    });
    // ingress-nginx's LLM defaults (test/kubernetes/ingress.test.ts), under the user's own.
    expect(ing.metadata!.annotations).toMatchObject({ "nginx.ingress.kubernetes.io/proxy-read-timeout": "900", "nginx.ingress.kubernetes.io/proxy-buffering": "off" });
  });

  test("each ServiceMonitor selects exactly one Service, in its namespace, that has the scraped port", () => {
    const services = servingObjects(serving).filter((o) => o.kind === "Service") as unknown as Array<{
      metadata: { name: string; labels: Record<string, string> };
      spec: { ports: { name: string }[] };
    }>;
    expect(services).toHaveLength(4);
    const ours = monitoring.serviceMonitors.filter((s) => s.spec.namespaceSelector.matchNames[0] === "qwen-serving");
    expect(ours.map((s) => s.metadata.name).sort()).toEqual(["sglang-qwen25-vl-32b", "sglang-qwen3-32b", "sglang-router-qwen25-vl-32b", "sglang-router-qwen3-32b"]);
    for (const sm of ours) {
      const matched = services.filter((s) => subset(sm.spec.selector.matchLabels, s.metadata.labels));
      expect(
        matched.map((s) => s.metadata.name),
        sm.metadata.name,
      ).toHaveLength(1);
      expect(matched[0].spec.ports.map((p) => p.name)).toContain(sm.spec.endpoints[0].port);
    }
    const sglang = ours.find((s) => s.metadata.name === "sglang-qwen3-32b")!;
    expect(services.find((s) => subset(sglang.spec.selector.matchLabels, s.metadata.labels))!.metadata.name).toBe("qwen3-32b-sglang");
  });
});

describe("settings that cannot work are refused, all at once", () => {
  test("an unknown node pool (a routed service needs no router image: the small python one is the default)", () => {
    const input = k8sStackInput() as Record<string, any>;
    const config = StackConfigSchema.parse({ ...input, services: [{ ...input.services[0], replicas: 2 }], kubernetes: { nodePools: { a100: {} } } });
    const error = refusal(() => resolveKubernetesSettings(config));
    expect(error.problems.map(formatProblem)).toEqual(["qwen-serving:kubernetes.nodePools.a100: no node pool is named 'a100' (valid: h100)"]);
  });

  test("a service whose replicas the planner spread over two node pools cannot be one StatefulSet", () => {
    const input = k8sStackInput() as Record<string, any>;
    const pools = ["pool-a", "pool-b"].map((name) => ({ name, gpu: "h100-80gb", gpusPerNode: 2, count: 1 }));
    const config = StackConfigSchema.parse({ ...input, nodePools: pools, services: [{ ...input.services[0], replicas: 2 }], kubernetes: { routerImage: ROUTER_IMAGE } });
    const plan = planDeployment("k8s", config);
    expect(plan.services[0].placement.map((p) => p.node)).toEqual(["pool-a-0", "pool-b-0"]);
    const error = refusal(() => renderServingManifests({ plan, config, settings: resolveKubernetesSettings(config) }));
    expect(error.problems.map(formatProblem)).toEqual([
      "qwen-serving:services[0].nodePool: the replicas of 'qwen3-32b' were placed on node pools pool-a, pool-b, and on kubernetes one StatefulSet has one node selector (set the service's nodePool)",
    ]);
  });

  test("a router image must be pinned", () => {
    const r = KubernetesSettingsSchema.safeParse({ routerImage: "example.com/router:latest" });
    expect(r.success).toBe(false);
  });
});

describe("kube-prometheus-stack and the shared renderers", () => {
  const { serving, monitoring } = render(k8sStackConfig());

  test("the chart is pinned and Grafana's admin password comes from our Secret", () => {
    const install = monitoring.install!;
    expect(install.release).toMatchObject({ chart: "kube-prometheus-stack", version: "72.6.2", repository: "https://prometheus-community.github.io/helm-charts", namespace: "monitoring" });
    expect((install.release.values as any).grafana.admin).toEqual({ existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" });
    expect(Object.keys(install.grafanaAdmin.stringData!).sort()).toEqual(["admin-password", "admin-user"]);
    expect(install.grafanaAdmin.stringData!["admin-password"]).toBe("[secret]");
    expect((install.release.values as any).prometheus.prometheusSpec.retention).toBe("15d");
  });

  test("monitors and rules carry the label the release's Prometheus selects (release=<name>)", () => {
    for (const o of [...monitoring.serviceMonitors, monitoring.rule]) expect(o.metadata.labels).toMatchObject({ release: "kube-prometheus-stack" });
  });

  test("with an existing operator nothing is installed and the monitors carry its selector labels", () => {
    const input = k8sStackInput() as Record<string, any>;
    const existing = render(
      StackConfigSchema.parse({ ...input, kubernetes: { ...input.kubernetes, monitoring: { install: false, namespace: "observability", monitorLabels: { prometheus: "main" } } } }),
    );
    expect(existing.monitoring.install).toBeUndefined();
    for (const o of [...existing.monitoring.serviceMonitors, existing.monitoring.rule]) expect(o.metadata.labels).toEqual({ "app.kubernetes.io/part-of": "qwen-serving", prometheus: "main" });
    expect(existing.monitoring.dashboards.map((d) => d.metadata!.namespace)).toEqual(["observability", "observability"]);
  });

  test("dcgm-exporter is scraped where the GPU operator runs it", () => {
    const dcgm = monitoring.serviceMonitors.find((s) => s.metadata.name === "dcgm-exporter")!;
    expect(dcgm.spec.namespaceSelector.matchNames).toEqual(["gpu-operator"]);
    expect(dcgm.spec.selector.matchLabels).toEqual({ app: "nvidia-dcgm-exporter" });
    expect(dcgm.spec.endpoints[0]).toMatchObject({ port: "gpu-metrics", path: "/metrics" });
  });

  test("the ServiceMonitors give the same job/service/component labels the rules and dashboards use", () => {
    const sm = monitoring.serviceMonitors.find((s) => s.metadata.name === "sglang-qwen3-32b")!;
    expect(sm.spec.endpoints[0].relabelings).toEqual([
      { action: "replace", targetLabel: "job", replacement: "sglang-qwen3-32b" },
      { action: "replace", targetLabel: "service", replacement: "qwen3-32b" },
      { action: "replace", targetLabel: "component", replacement: "sglang" },
    ]);
    expect(serving.services[0].headless.spec!.ports![0].name).toBe(sm.spec.endpoints[0].port);
  });

  test("dashboards are ConfigMaps with Grafana's sidecar label, holding the shared renderer's JSON", () => {
    expect(monitoring.dashboards.length).toBeGreaterThan(0);
    for (const d of monitoring.dashboards) {
      expect(d.metadata!.labels).toMatchObject({ grafana_dashboard: "1" });
      const [file, json] = Object.entries(d.data!)[0];
      expect(monitoring.files).toContainEqual({ path: `monitoring/grafana/dashboards/${file}`, content: json });
    }
  });

  test("the PrometheusRule holds the shared alert rules (promtool checks them in manifests.tools.test.ts)", () => {
    expect(monitoring.rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert))).toContain("SGLangKVCacheHigh");
  });
});
