import { execFile } from "child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { Artifact } from "../../components/render/artifact";
import { MonitoringInput } from "../../components/render/monitoring";

/** Real-tool binaries the monitoring tests run. Missing ones fail the test, never skip it. */
export const PROMTOOL = process.env.PROMTOOL ?? "/usr/bin/promtool";
export const PROMETHEUS = process.env.PROMETHEUS ?? "/usr/bin/prometheus";

/** Throws (so the test fails loudly) when a tool is not installed. */
export function requireTool(path: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is not installed or not executable. Install Prometheus 2.x (Debian/Ubuntu: apt-get install prometheus) or set PROMTOOL / PROMETHEUS.`);
  }
  return path;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command with a timeout and returns its exit code and output (never rejects on exit code). */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { cwd: opts.cwd, timeout: opts.timeoutMs ?? 20_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Writes artifacts under a fresh temp folder, keeping their relative paths; returns the folder. */
export function writeArtifacts(artifacts: readonly Artifact[], prefix = "qs-monitoring-"): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const a of artifacts) {
    const path = join(root, a.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, a.content, { mode: a.mode ?? 0o644 });
  }
  return root;
}

/** Two services like the seed's (one with a router), on docker. */
export function dockerInput(overrides: Partial<MonitoringInput> = {}): MonitoringInput {
  return {
    stack: "dev",
    platform: "docker",
    services: [
      { name: "qwen3-32b", model: "Qwen/Qwen3-32B", port: 9001, targets: ["qwen3-32b-0:9001", "qwen3-32b-1:9001"], routerTargets: ["qwen3-32b-router:29000"] },
      { name: "qwen2.5-vl-32b", model: "Qwen/Qwen2.5-VL-32B-Instruct", port: 9002, targets: ["qwen2.5-vl-32b-0:9002"], routerTargets: [] },
    ],
    nodeExporterTargets: ["node-exporter:9100"],
    dcgmTargets: ["dcgm-exporter:9400"],
    grafana: { prometheusUrl: "http://prometheus:9090" },
    ...overrides,
  };
}

/** The same services on aws with EC2 discovery. */
export function awsInput(overrides: Partial<MonitoringInput> = {}): MonitoringInput {
  return {
    stack: "prod",
    platform: "aws",
    services: [
      { name: "qwen3-32b", model: "Qwen/Qwen3-32B", port: 9001, routerMetricsPort: 29000 },
      { name: "qwen2.5-vl-32b", model: "Qwen/Qwen2.5-VL-32B-Instruct", port: 9002 },
    ],
    aws: { region: "us-east-1", tagKey: "qwen-serving:stack", tagValue: "prod" },
    grafana: { prometheusUrl: "http://127.0.0.1:9090" },
    retention: { time: "30d", size: "100GB" },
    ...overrides,
  };
}

export function kubernetesInput(overrides: Partial<MonitoringInput> = {}): MonitoringInput {
  return {
    stack: "k8s",
    platform: "kubernetes",
    services: [
      { name: "qwen3-32b", model: "Qwen/Qwen3-32B", port: 9001, routerMetricsPort: 29000 },
      { name: "qwen2.5-vl-32b", model: "Qwen/Qwen2.5-VL-32B-Instruct", port: 9002 },
    ],
    grafana: { prometheusUrl: "http://prometheus-operated.monitoring:9090" },
    ...overrides,
  };
}
