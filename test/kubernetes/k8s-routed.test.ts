// QwenServing on kubernetes with routers, an Ingress and real secret values, under strict mocks.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, test } from "vitest";
import { formatProblem } from "../../components/problems";
import { Artifact } from "../../components/render/artifact";
import { isSecretValue, installMocks, RecordedResource, redactSecrets, settle, valueOf } from "../../infra/mocks";
import { routedConfig, ROUTER_IMAGE, subset } from "./helpers";
import { refusal } from "../support/refusal";

const HF_TOKEN = "hf_liveTOKEN0123456789";
const GRAFANA_PASSWORD = "grafana-Pa55word-XYZ";
const API_KEYS = { "qwen3-32b": "sk-qwen3-LIVEkey-0123", "qwen25-vl-32b": "sk-vl-LIVEkey-4567" };

let recorded: RecordedResource[];
let artifacts: Artifact[];
let endpoints: Record<string, string>;
type Inputs = Record<string, any>;
const of = (type: string) => recorded.filter((r) => r.type === type);
beforeAll(async () => {
  recorded = installMocks({ project: "qwen-serving", stack: "k8s", config: {}, secretKeys: [] });
  // Imported after the mocks are in place, as Pulumi requires.
  const { QwenServing } = await import("../../components/qwen-serving");
  const serving = new QwenServing("qwen", {
    config: routedConfig(),
    stack: "k8s",
    secrets: { hfToken: pulumi.secret(HF_TOKEN), grafanaAdminPassword: pulumi.secret(GRAFANA_PASSWORD), apiKeys: Object.fromEntries(Object.entries(API_KEYS).map(([s, k]) => [s, pulumi.secret(k)])) },
  });
  artifacts = await valueOf(serving.artifacts);
  endpoints = await valueOf(serving.endpoints);
  await settle();
});

describe("secrets", () => {
  test("the hub token, Grafana's password and the API keys reach only Secrets, as Pulumi secrets", () => {
    const secrets = of("kubernetes:core/v1:Secret");
    expect(secrets.map((s) => (s.inputs as Inputs).metadata.name).sort()).toEqual(["grafana-admin", "qwen-serving-api-keys", "qwen-serving-hub-tokens"]);
    for (const s of secrets) expect(isSecretValue((s.inputs as Inputs).stringData), (s.inputs as Inputs).metadata.name).toBe(true);
  });

  test("no secret value appears in any other input, in any artifact or in an env var", () => {
    const plain = JSON.stringify(recorded.map((r) => redactSecrets(r.inputs)));
    for (const secret of [HF_TOKEN, GRAFANA_PASSWORD, ...Object.values(API_KEYS)]) {
      expect(plain).not.toContain(secret);
      for (const a of artifacts) expect(a.content, a.path).not.toContain(secret);
    }
    for (const sts of of("kubernetes:apps/v1:StatefulSet")) {
      const spec = (sts.inputs as Inputs).spec.template.spec;
      for (const c of [...spec.containers, ...spec.initContainers]) for (const e of c.env ?? []) expect(e.value, `${c.name} ${e.name}`).not.toMatch(/hf_|Pa55word|LIVEkey/);
    }
  });

  test("each service's key reaches only its pods' proxy sidecars, as a file of the API-key Secret; SGLang and the router never get one", () => {
    const pods = [...of("kubernetes:apps/v1:StatefulSet"), ...of("kubernetes:apps/v1:Deployment")].map((o) => o.inputs as Inputs);
    expect(pods).toHaveLength(4);
    for (const p of pods) {
      const spec = p.spec.template.spec;
      const service = p.metadata.labels["app.kubernetes.io/instance"];
      expect(spec.volumes).toContainEqual({ name: "proxy-api-key", secret: { secretName: "qwen-serving-api-keys", items: [{ key: service, path: service }], defaultMode: 0o444 } });
      const mounting = [...spec.initContainers, ...spec.containers].filter((c: Inputs) => (c.volumeMounts ?? []).some((v: Inputs) => v.name === "proxy-api-key")).map((c: Inputs) => c.name);
      expect(mounting, p.metadata.name).toEqual(["proxy"]);
      for (const c of spec.containers) expect(JSON.stringify(c.args ?? [])).not.toContain("api-key");
    }
  });
});

describe("routers and Ingress", () => {
  test("each routed service gets a router Deployment with its replicas' DNS names, no API token and no RBAC", () => {
    const deployments = of("kubernetes:apps/v1:Deployment").map((d) => d.inputs as Inputs);
    expect(deployments.map((d) => d.metadata.name)).toEqual(["qwen3-32b-router", "qwen25-vl-32b-router"]);
    for (const d of deployments) {
      const c = d.spec.template.spec.containers[0];
      expect(c.image).toBe(ROUTER_IMAGE);
      const service = d.metadata.labels["app.kubernetes.io/instance"];
      const urls = c.args.slice(c.args.indexOf("--worker-urls") + 1, c.args.indexOf("--policy"));
      expect(urls).toEqual([0, 1].map((i) => `http://${service}-${i}.${service}-sglang.qwen-serving.svc:${new URL(urls[0]).port}`));
      expect(d.spec.template.spec.automountServiceAccountToken).toBe(false);
      const account = of("kubernetes:core/v1:ServiceAccount")
        .map((a) => a.inputs as Inputs)
        .find((a) => a.metadata.name === d.spec.template.spec.serviceAccountName)!;
      expect(account.automountServiceAccountToken).toBe(false);
    }
    expect(recorded.filter((r) => r.type.startsWith("kubernetes:rbac."))).toEqual([]);
  });

  test("ServiceMonitors for SGLang and the routers each match one Service and one of its ports", () => {
    const services = of("kubernetes:core/v1:Service").map((s) => s.inputs as Inputs);
    const monitors = of("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
      .map((m) => m.inputs as Inputs)
      .filter((m) => m.spec.namespaceSelector.matchNames[0] === "qwen-serving");
    expect(monitors).toHaveLength(4);
    for (const m of monitors) {
      const matched = services.filter((s) => subset(m.spec.selector.matchLabels, s.metadata.labels));
      expect(matched, m.metadata.name).toHaveLength(1);
      expect(
        matched[0].spec.ports.map((p: Inputs) => p.name),
        m.metadata.name,
      ).toContain(m.spec.endpoints[0].port);
    }
  });

  test("endpoints are the Ingress hosts over HTTPS", () => {
    expect(endpoints).toEqual({ "qwen3-32b": "https://qwen3-32b.llm.example.com", "qwen25-vl-32b": "https://qwen25-vl-32b.llm.example.com" });
    expect(of("kubernetes:networking.k8s.io/v1:Ingress")).toHaveLength(2);
  });
});

describe("refused before any kubernetes resource exists", () => {
  test("a missing Grafana password (API keys are accepted: the pods' front proxies check them)", async () => {
    const { QwenServing } = await import("../../components/qwen-serving");
    const before = recorded.length;
    const error = refusal(() => new QwenServing("bad", { config: routedConfig(), stack: "k8s", secrets: { apiKeys: { "qwen3-32b": pulumi.secret("k") } } }));
    expect(error.problems.map(formatProblem)).toEqual([expect.stringMatching(/^qwen-serving:grafanaAdminPassword: installing kube-prometheus-stack needs it/)]);
    await settle();
    expect(recorded.slice(before).filter((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("qwen-serving:kubernetes:"))).toEqual([]);
  });
});
