// The docker platform's front proxy: one nginx per host holding the planned ports, the key only there.
import { describe, expect, test } from "vitest";
import { IMAGES, PORTS } from "../../components/contract";
import { StackConfigSchema } from "../../components/config/schema";
import { proxyKeyFile } from "../../components/docker/containers/proxy";
import { SecretsPresent, dockerLayout, isPrivateIPv4 } from "../../components/docker/layout";
import { QwenServingError, formatProblem } from "../../components/problems";
import { planDeployment } from "../../components/sglang/planner";

const secrets = (apiKeys: string[]): SecretsPresent => ({ hfToken: false, modelscopeToken: false, grafanaAdminPassword: true, dockerTls: false, apiKeys });
const config = (address: string) =>
  StackConfigSchema.parse({
    platform: "docker",
    hosts: [
      { name: "gpu-a", dockerHost: `ssh://ops@${address}`, gpu: "h20", gpuCount: 2 },
      { name: "gpu-b", dockerHost: "ssh://ops@10.1.0.6", gpu: "h20", gpuCount: 2 },
    ],
    services: [{ name: "qwen3-32b", model: "Qwen/Qwen3-32B", weights: { source: "huggingface", revision: "9216db5781bf21249d130ec9da846c4624c16137" }, tp: 2, replicas: 2, port: 9001 }],
  });

describe("docker front proxy", () => {
  const c = config("10.1.0.5");
  const l = dockerLayout(planDeployment("t", c), c, secrets(["qwen3-32b"]));
  const proxy = (host: string) => l.hosts.find((h) => h.name === host)!.containers.find((x) => x.role === "proxy")!;
  const conf = (host: string) => proxy(host).files.find((f) => f.containerPath.endsWith("nginx.conf"))!.content;

  test("runs the pinned nginx on the host network with the rendered files; only it holds the key", () => {
    expect(proxy("gpu-a")).toMatchObject({ image: IMAGES.proxy, hostNetwork: true, command: ["nginx", "-e", "stderr", "-c", "/etc/qwen-serving/proxy/nginx.conf"] });
    expect(proxy("gpu-a").files.map((f) => f.containerPath)).toEqual(["/etc/qwen-serving/proxy/nginx.conf", "/etc/qwen-serving/proxy/auth.js"]);
    expect(proxy("gpu-a").secretFiles).toEqual([{ containerPath: proxyKeyFile("qwen3-32b"), secret: "apiKeys.qwen3-32b", mode: "0444" }]);
    const sglang = l.hosts.flatMap((h) => h.containers.filter((x) => x.role === "sglang"));
    expect(sglang.map((x) => [x.command.includes("--api-key"), x.secretFiles])).toEqual([
      [false, []],
      [false, []],
    ]);
  });

  test("binds the host's address and 127.0.0.1, fronts loopback backends, admits the router and Prometheus by address", () => {
    expect(conf("gpu-a")).toContain("    listen 10.1.0.5:9001;\n    listen 127.0.0.1:9001;\n");
    expect(conf("gpu-a")).toContain(`server 127.0.0.1:${9001 + PORTS.loopbackOffset};`);
    expect(conf("gpu-b")).toContain(`    listen 10.1.0.6:${PORTS.workerBase};\n`);
    // gpu-b's replica answers gpu-a's router only; /metrics answers the monitoring host (gpu-a).
    expect(conf("gpu-b")).toContain("      allow 10.1.0.5/32;\n      deny all;\n");
    expect(conf("gpu-b")).not.toContain("0.0.0.0");
    expect(conf("gpu-a")).toContain("keepalive_timeout 120s;");
  });

  test("a host at a public address is refused for a service without an API key, and accepted with one", () => {
    const pub = config("203.1.113.7");
    expect(() => dockerLayout(planDeployment("t", pub), pub, secrets(["qwen3-32b"]))).not.toThrow();
    try {
      dockerLayout(planDeployment("t", pub), pub, secrets([]));
      expect.unreachable();
    } catch (e) {
      expect((e as QwenServingError).problems.map(formatProblem)).toEqual([
        "qwen-serving:apiKeys.qwen3-32b: service 'qwen3-32b' would listen on host 'gpu-a' at the public address 203.1.113.7 without an API key (set one with 'pulumi config set --secret --path apiKeys.qwen3-32b ...', or give the host's private address)",
      ]);
    }
  });

  test("private, loopback, CGNAT and documentation ranges are not public", () => {
    expect(["10.0.0.1", "172.16.0.1", "172.31.255.1", "192.168.1.1", "127.0.0.1", "100.64.0.1", "192.0.2.11", "169.254.1.1"].every(isPrivateIPv4)).toBe(true);
    expect(["8.8.8.8", "172.32.0.1", "100.128.0.1", "203.1.113.7", "example.com"].some(isPrivateIPv4)).toBe(false);
  });
});
