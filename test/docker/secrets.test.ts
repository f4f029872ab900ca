// Secrets on the docker platform, with real-looking values: they reach containers only as files
// inside secret inputs, and providers only as secret TLS material; nowhere else.
import { beforeAll, describe, expect, test } from "vitest";
import { Artifact } from "../../components/render/artifact";
import { RecordedResource, installMocks, isSecretValue, redactSecrets, settle, valueOf } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { engineConfig } from "./helpers";

const SECRETS = {
  grafanaAdminPassword: "pw-Gr4fana-0001",
  hfToken: "hf_TOKEN0002",
  modelscopeToken: "ms-TOKEN-0003",
  dockerTls: { "gpu-b": { ca: "CA-PEM-0004", cert: "CERT-PEM-0005", key: "KEY-PEM-0006" } },
  apiKeys: { "qwen3-8b": "sk-API-0007" },
};
const VALUES = ["pw-Gr4fana-0001", "hf_TOKEN0002", "ms-TOKEN-0003", "CA-PEM-0004", "CERT-PEM-0005", "KEY-PEM-0006", "sk-API-0007"];

let recorded: RecordedResource[];
let artifacts: Artifact[];

beforeAll(async () => {
  recorded = installMocks({
    project: "qwen-serving",
    stack: "sec",
    config: engineConfig({
      platform: "docker",
      hosts: [
        { name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2 },
        { name: "gpu-b", dockerHost: "tcp://10.1.0.6:2376", gpu: "h20", gpuCount: 2 },
      ],
      services: [
        { name: "qwen3-8b", model: "Qwen/Qwen3-8B", weights: { source: "huggingface", revision: "b968826d9c46dd6066d109eabc6255188de91218" }, port: 9001, nodePool: "gpu-a" },
        { name: "qwen3-8b-ms", model: "Qwen/Qwen3-8B", weights: { source: "modelscope", revision: "v1.0.0" }, port: 9002, nodePool: "gpu-b" },
      ],
      ...SECRETS,
    }),
    secretKeys: ["grafanaAdminPassword", "hfToken", "modelscopeToken", "dockerTls", "apiKeys"].map((k) => `qwen-serving:${k}`),
  });
  const { serving } = runProgram();
  artifacts = await valueOf(serving.artifacts);
  await settle();
});

/** The value inside a secret wrapper (recursively), as the provider would receive it. */
function reveal(v: unknown): unknown {
  if (isSecretValue(v)) return reveal((v as { value: unknown }).value);
  if (Array.isArray(v)) return v.map(reveal);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  return v;
}
const byName = (name: string) => recorded.find((r) => r.inputs.name === name)!;
type Upload = { file: string; content: string; permissions: string };

describe("secrets on the docker platform", () => {
  test("no secret value appears anywhere outside a secret input", () => {
    const visible = JSON.stringify(recorded.map((r) => redactSecrets(r.inputs)));
    for (const v of VALUES) expect(visible).not.toContain(v);
  });

  test("no container has a secret in its env, labels or command, even wrapped", () => {
    const containers = recorded.filter((r) => r.type === "docker:index/container:Container");
    expect(containers.length).toBeGreaterThan(4);
    for (const c of containers)
      for (const key of ["envs", "labels", "command"]) {
        expect(isSecretValue(c.inputs[key]) === true, `${c.name}.${key}`).toBe(false);
        const text = JSON.stringify(reveal(c.inputs[key]) ?? null);
        for (const v of VALUES) expect(text, `${c.name}.${key}`).not.toContain(v);
      }
  });

  test("Grafana reads its password from a root-owned 0440 file in a secret upload, next to the rendered configs", () => {
    const g = byName("sec-grafana");
    expect(isSecretValue(g.inputs.uploads)).toBe(true);
    const uploads = reveal(g.inputs.uploads) as Upload[];
    const content = (path: string) => artifacts.find((a) => a.path === path)!.content;
    expect(uploads).toEqual([
      { file: "/etc/grafana/provisioning/datasources/prometheus.yml", content: content("monitoring/grafana/provisioning/datasources/prometheus.yml"), permissions: "0644" },
      { file: "/etc/grafana/provisioning/dashboards/qwen-serving.yml", content: content("monitoring/grafana/provisioning/dashboards/qwen-serving.yml"), permissions: "0644" },
      { file: "/var/lib/grafana/dashboards/qwen-serving-sglang.json", content: content("monitoring/grafana/dashboards/qwen-serving-sglang.json"), permissions: "0644" },
      { file: "/var/lib/grafana/dashboards/qwen-serving-gpu.json", content: content("monitoring/grafana/dashboards/qwen-serving-gpu.json"), permissions: "0644" },
      { file: "/run/secrets/grafana-admin-password", content: SECRETS.grafanaAdminPassword, permissions: "0440" },
    ]);
  });

  test("a download container gets the token of its own source as a 0400 file, and only that one", () => {
    const uploadsOf = (host: string) => {
      const w = recorded.find((r) => r.type === "docker:index/container:Container" && r.parent === `qwen-sec-docker-${host}` && r.name.startsWith(`qwen-sec-docker-${host}-weights-rev-`))!;
      return (reveal(w.inputs.uploads) as Upload[]).map((u) => [u.file, u.file.endsWith(".sh") ? "script" : u.content, u.permissions]);
    };
    expect(uploadsOf("gpu-a")).toEqual([
      ["/opt/qwen-serving/fetch-weights.sh", "script", "0755"],
      ["/run/secrets/hf-token", SECRETS.hfToken, "0400"],
    ]);
    expect(uploadsOf("gpu-b")).toEqual([
      ["/opt/qwen-serving/fetch-weights.sh", "script", "0755"],
      ["/run/secrets/modelscope-token", SECRETS.modelscopeToken, "0400"],
    ]);
  });

  test("the tcp:// host's run-once commands get its TLS material only as a secret environment, never in the script", () => {
    const runs = recorded.filter((r) => r.type === "command:local:Command" && r.parent === "qwen-sec-docker-gpu-b");
    expect(runs).toHaveLength(1);
    expect(isSecretValue(runs[0].inputs.environment)).toBe(true);
    expect(reveal(runs[0].inputs.environment)).toEqual({ QWEN_DOCKER_TLS_CA: "CA-PEM-0004", QWEN_DOCKER_TLS_CERT: "CERT-PEM-0005", QWEN_DOCKER_TLS_KEY: "KEY-PEM-0006" });
    for (const v of VALUES) expect(String(runs[0].inputs.create)).not.toContain(v);
    expect(recorded.find((r) => r.type === "command:local:Command" && r.parent === "qwen-sec-docker-gpu-a")!.inputs.environment).toBeUndefined();
  });

  test("the tcp:// host's provider gets its TLS material as secrets; the ssh:// host's gets none", () => {
    const tls = recorded.find((r) => r.name === "qwen-sec-docker-gpu-b-provider")!.inputs;
    expect(tls.host).toBe("tcp://10.1.0.6:2376");
    for (const k of ["caMaterial", "certMaterial", "keyMaterial"]) expect(isSecretValue(tls[k]), k).toBe(true);
    expect(reveal({ ca: tls.caMaterial, cert: tls.certMaterial, key: tls.keyMaterial })).toEqual({ ca: "CA-PEM-0004", cert: "CERT-PEM-0005", key: "KEY-PEM-0006" });
    const ssh = recorded.find((r) => r.name === "qwen-sec-docker-gpu-a-provider")!.inputs;
    expect(Object.keys(ssh).sort()).toEqual(["host", "sshOpts"]);
  });

  test("a service with an API key: SGLang runs the planned argv without it; only the host's front proxy gets the key, as a secret file", () => {
    const keyed = byName("sec-qwen3-8b-0");
    const argv = (keyed.inputs.command as string[]).slice(3);
    expect(keyed.inputs.command).toEqual(["python3", "-m", "sglang.launch_server", ...argv]);
    expect(argv).not.toContain("--api-key");
    // Only the health check script: no key file reaches SGLang.
    expect((keyed.inputs.uploads as Upload[]).map((u) => u.file)).toEqual(["/opt/qwen-serving/sglang-health.sh"]);
    const proxy = recorded.find((r) => r.name === "qwen-sec-docker-gpu-a-proxy")!;
    const uploads = reveal(proxy.inputs.uploads) as Upload[];
    expect(uploads.find((u) => u.file === "/run/secrets/qwen3-8b.api-key")).toEqual({ file: "/run/secrets/qwen3-8b.api-key", content: "sk-API-0007", permissions: "0444" });
    // The other host's service has no key: its proxy gets none.
    expect((reveal(recorded.find((r) => r.name === "qwen-sec-docker-gpu-b-proxy")!.inputs.uploads) as Upload[]).map((u) => u.file)).toEqual([
      "/etc/qwen-serving/proxy/nginx.conf",
      "/etc/qwen-serving/proxy/auth.js",
    ]);
  });
});
