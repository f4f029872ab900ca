/**
 * What runs on a Docker host, as plain data: one ContainerSpec per container. Pure (no Pulumi
 * imports), so tests check exactly what DockerHost hands to `docker.Container`.
 */
import { Artifact } from "../render/artifact";
import { ALERT_RULE_TESTS_PATH, DEFAULT_ALERTS, durationSeconds } from "../render/monitoring";
import { script, shq } from "../render/scripts/shell";
import { MODELS_MOUNT } from "../sglang/launch-args";
import { ROUTER_MODULE, ROUTER_REQUIREMENT } from "../sglang/router-args";

/** What a container is for; also its `qwen-serving.role` label. */
export type ContainerRole = "weights" | "sglang" | "router-install" | "router" | "router-workers" | "node-exporter" | "dcgm-exporter" | "prometheus" | "grafana";

/** Secrets a container may receive, as a file; names match ServingSecrets (`apiKeys.<service>` for one key). */
export type SecretName = "hfToken" | "modelscopeToken" | "grafanaAdminPassword" | `apiKeys.${string}`;

/** A rendered file (an artifact of the plan) copied into the container before it starts. */
export interface FileUpload {
  readonly containerPath: string;
  /** The artifact the content comes from (relative path in the plan's out folder). */
  readonly artifactPath: string;
  readonly content: string;
  /** Octal mode, as docker expects it (`"0644"`). */
  readonly mode: string;
}

/** A secret copied into the container as a file: the spec names it, the content never appears here. */
export interface SecretUpload {
  readonly containerPath: string;
  readonly secret: SecretName;
  readonly mode: string;
}

export interface Healthcheck {
  /** Docker's `test` form: `["CMD", ...argv]`. */
  readonly test: readonly string[];
  readonly intervalSec: number;
  readonly timeoutSec: number;
  /** Failures during this window do not count: SGLang opens its port only when fully loaded. */
  readonly startPeriodSec: number;
  readonly retries: number;
}

export interface ContainerSpec {
  /** Suffix of the Pulumi logical name; unique on its host. */
  readonly key: string;
  readonly role: ContainerRole;
  /** The host (`hosts[].name`) the container runs on. */
  readonly host: string;
  /** Docker container name; unique on the host. */
  readonly name: string;
  /** Pinned image reference. */
  readonly image: string;
  /** Arguments after the image's entrypoint; for SGLang the whole `python3 -m sglang.launch_server` argv. */
  readonly command: readonly string[];
  /** Plain environment. Never holds a secret: secrets arrive as files (`secretFiles`). */
  readonly env: readonly string[];
  /** Published ports: host port `external` forwards to container port `internal`. */
  readonly ports: readonly { readonly internal: number; readonly external: number }[];
  /** GPU indices passed with an NVIDIA device request, or every GPU. @default - none */
  readonly gpus?: readonly number[] | "all";
  /** Share the host's IPC namespace (NCCL between TP ranks uses shared memory). */
  readonly hostIpc: boolean;
  /** Host network namespace: the container's listen ports are host ports (nothing is published). */
  readonly hostNetwork: boolean;
  /** Ports it listens on in the host network namespace (with `hostNetwork`). */
  readonly hostPorts: readonly number[];
  /** Host PID namespace (node_exporter reports the host's processes). */
  readonly hostPid: boolean;
  /** /dev/shm size in MiB. @default - Docker's 64 MiB */
  readonly shmSizeMiB?: number;
  /** Linux capabilities added to Docker's default set. */
  readonly capAdd: readonly string[];
  /** Host folders mounted into the container. */
  readonly binds: readonly { readonly hostPath: string; readonly containerPath: string; readonly readOnly: boolean; readonly propagation?: "rslave" }[];
  /** Named Docker volumes (created on the host) mounted into the container. */
  readonly volumes: readonly { readonly volume: string; readonly containerPath: string; readonly readOnly: boolean }[];
  readonly healthcheck?: Healthcheck;
  readonly restart: "unless-stopped" | "no";
  /** Runs to completion once and `pulumi up` waits for it (the weights download). */
  readonly runOnce: boolean;
  /** How long `pulumi up` may wait for the container to be created (and, run-once, to finish). @default - the provider's 20 minutes */
  readonly createTimeoutMin?: number;
  /** Key of a run-once container on the same host that must have exited 0 before this one is created. */
  readonly after?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly files: readonly FileUpload[];
  readonly secretFiles: readonly SecretUpload[];
}

/** Label keys every container carries, so `docker ps --filter label=...` and the plan can find them. */
export const LABELS = {
  stack: "qwen-serving.stack",
  host: "qwen-serving.host",
  role: "qwen-serving.role",
  service: "qwen-serving.service",
  replica: "qwen-serving.replica",
  /** Ports a host-network container binds on the host, comma-separated (`docker ps` shows none). */
  hostPorts: "qwen-serving.host-ports",
  /** `<source>:<repo>@<revision>` an SGLang container serves. */
  weights: "qwen-serving.weights",
} as const;

/** Where secret files go inside containers. */
export const SECRETS_DIR = "/run/secrets";

/** Docker's default health-check cadence is 30 s; retries 3 means 90 s of failures to turn unhealthy. */
export const SGLANG_HEALTHCHECK = { intervalSec: 30, timeoutSec: 5, retries: 3 } as const;

/**
 * How long SGLang may take to open its port: the same allowance the SGLangDown alert gives, since
 * the port opens only after weights, KV cache and CUDA graphs are ready.
 */
export const SGLANG_START_PERIOD_SEC = durationSeconds(DEFAULT_ALERTS.sglangDownFor);

/** Fields most containers share; each builder overrides what differs. */
function base(role: ContainerRole, host: string, stack: string, extra: Record<string, string> = {}): Pick<ContainerSpec, "role" | "host" | "env" | "ports" | "hostIpc" | "hostNetwork" | "hostPorts" | "hostPid" | "capAdd" | "binds" | "volumes" | "restart" | "runOnce" | "labels" | "files" | "secretFiles"> {
  return {
    role,
    host,
    env: [],
    ports: [],
    hostIpc: false,
    hostNetwork: false,
    hostPorts: [],
    hostPid: false,
    capAdd: [],
    binds: [],
    volumes: [],
    restart: "unless-stopped",
    runOnce: false,
    labels: { [LABELS.stack]: stack, [LABELS.host]: host, [LABELS.role]: role, ...extra },
    files: [],
    secretFiles: [],
  };
}

export interface SglangReplicaInput {
  readonly stack: string;
  readonly host: string;
  readonly service: string;
  readonly replica: number;
  readonly image: string;
  /** `<source>:<repo>@<revision>` of the weights it serves: a new revision replaces the container. */
  readonly weights: string;
  /** The service has an API key (a Pulumi secret), passed to SGLang from a file. @default false */
  readonly apiKey?: boolean;
  /** The planned argv after `python3 -m sglang.launch_server`. */
  readonly launchArgs: readonly string[];
  readonly port: number;
  readonly gpus: readonly number[];
  /** Host folder holding `<repo>/` trees. */
  readonly modelsPath: string;
  readonly shmSizeMiB: number;
}

/** Where a service's API key file goes in its SGLang containers. */
export const API_KEY_FILE = `${SECRETS_DIR}/api-key`;

/**
 * The server command: exactly `python3 -m sglang.launch_server <argv>`; with an API key, the same
 * argv plus `--api-key` read from the secret file at exec time (SGLang 0.4.9.post2 takes the key
 * only as a flag, so it is never in the container's config, only in the running process's argv).
 */
export function serverCommand(argv: readonly string[], apiKey: boolean): string[] {
  return apiKey
    ? ["bash", "-c", `exec python3 -m sglang.launch_server "$@" --api-key "$(cat ${API_KEY_FILE})"`, "sglang.launch_server", ...argv]
    : ["python3", "-m", "sglang.launch_server", ...argv];
}

/** One SGLang server: exactly the planned argv, GPUs and port; weights read-only. */
export function sglangReplica(i: SglangReplicaInput): ContainerSpec {
  return {
    ...base("sglang", i.host, i.stack, { [LABELS.service]: i.service, [LABELS.replica]: String(i.replica), [LABELS.weights]: i.weights }),
    key: `sglang-${i.service}-${i.replica}`,
    name: `${i.stack}-${i.service}-${i.replica}`,
    image: i.image,
    command: serverCommand(i.launchArgs, i.apiKey ?? false),
    secretFiles: i.apiKey ? [{ containerPath: API_KEY_FILE, secret: `apiKeys.${i.service}`, mode: "0400" }] : [],
    ports: [{ internal: i.port, external: i.port }],
    gpus: [...i.gpus],
    // As SGLang's own `docker run`: host IPC for NCCL, a large /dev/shm where IPC is private.
    hostIpc: true,
    shmSizeMiB: i.shmSizeMiB,
    binds: [{ hostPath: i.modelsPath, containerPath: MODELS_MOUNT, readOnly: true }],
    healthcheck: { test: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${i.port}/health`], ...SGLANG_HEALTHCHECK, startPeriodSec: SGLANG_START_PERIOD_SEC },
    after: WEIGHTS_KEY,
  };
}

export interface WeightsDownloadInput {
  readonly stack: string;
  readonly host: string;
  readonly image: string;
  readonly modelsPath: string;
  /** The rendered download script (an artifact of the plan). */
  readonly script: Artifact;
  /** Token files the script reads, for the sources this host downloads from and the stack has secrets for. */
  readonly tokens: readonly SecretUpload[];
}

/** Key of a host's download container; its SGLang containers start only after it succeeded. */
export const WEIGHTS_KEY = "weights";
/** A first download of ~65 GB per model: about 5 hours at 30 Mbit/s; resumable if it still times out. */
export const WEIGHTS_TIMEOUT_MIN = 360;
/** Where the download script is copied in the container. */
export const WEIGHTS_SCRIPT_PATH = "/opt/qwen-serving/fetch-weights.sh";

/** Makes `<modelsPath>/<repo>/` complete for every model of the host, once, inside the pinned SGLang image. */
export function weightsDownload(i: WeightsDownloadInput): ContainerSpec {
  return {
    ...base("weights", i.host, i.stack),
    key: WEIGHTS_KEY,
    name: `${i.stack}-weights`,
    image: i.image,
    command: ["bash", WEIGHTS_SCRIPT_PATH],
    binds: [{ hostPath: i.modelsPath, containerPath: MODELS_MOUNT, readOnly: false }],
    restart: "no",
    runOnce: true,
    createTimeoutMin: WEIGHTS_TIMEOUT_MIN,
    files: [{ containerPath: WEIGHTS_SCRIPT_PATH, artifactPath: i.script.path, content: i.script.content, mode: "0755" }],
    secretFiles: [...i.tokens],
  };
}

/** Where the sglang-router package is installed (a volume), and PYTHONPATH in router containers. */
export const ROUTER_SITE = "/opt/sglang-router";
/** Key of a host's router install container; its routers start only after it succeeded. */
export const ROUTER_INSTALL_KEY = "router-install";
const ROUTER_INSTALL_SCRIPT_PATH = "/opt/qwen-serving/install-router.sh";
const routerVolume = (stack: string) => `${stack}-sglang-router`;

/**
 * Installs the router into ROUTER_SITE with the pinned SGLang image's own Python: `==` pins the
 * release, --no-deps leaves SGLang's pinned packages alone, and the import check fails the install
 * when the router cannot load (the same recipe as the AWS router image, without building one).
 */
export function renderRouterInstallScript(): string {
  return script([
    "#!/bin/bash",
    `# Installs ${ROUTER_REQUIREMENT} into ${ROUTER_SITE}, a volume the router containers mount read-only.`,
    "set -euo pipefail",
    `python3 -m pip install --no-cache-dir --no-deps --only-binary=:all: --upgrade --target ${shq(ROUTER_SITE)} ${shq(ROUTER_REQUIREMENT)}`,
    `PYTHONPATH=${shq(ROUTER_SITE)} python3 -c ${shq(`import sglang_router_rs, ${ROUTER_MODULE}`)}`,
  ]);
}

export interface RouterInstallInput {
  readonly stack: string;
  readonly host: string;
  readonly image: string;
  /** The rendered install script (an artifact of the plan). */
  readonly script: Artifact;
}

/** Runs the install script once per host that runs routers. */
export function routerInstall(i: RouterInstallInput): ContainerSpec {
  return {
    ...base("router-install", i.host, i.stack),
    key: ROUTER_INSTALL_KEY,
    name: `${i.stack}-router-install`,
    image: i.image,
    command: ["bash", ROUTER_INSTALL_SCRIPT_PATH],
    volumes: [{ volume: routerVolume(i.stack), containerPath: ROUTER_SITE, readOnly: false }],
    restart: "no",
    runOnce: true,
    files: [{ containerPath: ROUTER_INSTALL_SCRIPT_PATH, artifactPath: i.script.path, content: i.script.content, mode: "0755" }],
  };
}

export interface RouterInput {
  readonly stack: string;
  readonly host: string;
  readonly service: string;
  readonly image: string;
  /** The planned argv after `python3 -m sglang_router.launch_router`. */
  readonly argv: readonly string[];
  /** The service port and the router's metrics port, bound on the host. */
  readonly ports: readonly number[];
}

/**
 * SGLang's cache-aware router of a service. On the host network, as on AWS: it binds the service
 * port on the host and reaches same-host replicas on 127.0.0.1 at their published ports.
 * Docker restarts it when it gives up waiting for replicas that are still loading.
 */
export function router(i: RouterInput): ContainerSpec {
  return {
    ...base("router", i.host, i.stack, { [LABELS.service]: i.service, [LABELS.hostPorts]: i.ports.join(",") }),
    key: `router-${i.service}`,
    name: `${i.stack}-${i.service}-router`,
    image: i.image,
    command: ["python3", "-m", ROUTER_MODULE, ...i.argv],
    env: [`PYTHONPATH=${ROUTER_SITE}`],
    hostNetwork: true,
    hostPorts: [...i.ports],
    volumes: [{ volume: routerVolume(i.stack), containerPath: ROUTER_SITE, readOnly: true }],
    after: ROUTER_INSTALL_KEY,
  };
}

export interface RouterWorkersInput {
  readonly stack: string;
  readonly host: string;
  readonly service: string;
  readonly image: string;
  /** The rendered registration script (render/router-unit.ts), an artifact of the plan. */
  readonly script: Artifact;
  readonly intervalSec: number;
}

/** Re-adds replicas the router dropped, every `intervalSec`: router 0.1.5 never does it itself. */
export function routerWorkers(i: RouterWorkersInput): ContainerSpec {
  const path = `/opt/qwen-serving/register-${i.service}-workers.sh`;
  return {
    ...base("router-workers", i.host, i.stack, { [LABELS.service]: i.service }),
    key: `router-${i.service}-workers`,
    name: `${i.stack}-${i.service}-router-workers`,
    image: i.image,
    // bash is PID 1: without the trap it would ignore `docker stop`'s SIGTERM.
    command: ["bash", "-c", `trap 'exit 0' TERM; while :; do bash ${path}; sleep ${i.intervalSec} & wait $!; done`],
    hostNetwork: true,
    files: [{ containerPath: path, artifactPath: i.script.path, content: i.script.content, mode: "0755" }],
  };
}

export interface ExporterInput {
  readonly stack: string;
  readonly host: string;
  readonly image: string;
  readonly port: number;
}

/** node_exporter as its docs run it in Docker: host network and PID namespaces, `/` read-only. */
export function nodeExporter(i: ExporterInput): ContainerSpec {
  return {
    ...base("node-exporter", i.host, i.stack, { [LABELS.hostPorts]: String(i.port) }),
    key: "node-exporter",
    name: `${i.stack}-node-exporter`,
    image: i.image,
    command: ["--path.rootfs=/host", `--web.listen-address=:${i.port}`],
    hostNetwork: true,
    hostPorts: [i.port],
    hostPid: true,
    binds: [{ hostPath: "/", containerPath: "/host", readOnly: true, propagation: "rslave" }],
  };
}

/** dcgm-exporter's own listen port (`-a :9400`); the host port is configurable. */
export const DCGM_EXPORTER_CONTAINER_PORT = 9400;

/** dcgm-exporter on every GPU; SYS_ADMIN lets DCGM read profiling counters. */
export function dcgmExporter(i: ExporterInput): ContainerSpec {
  return {
    ...base("dcgm-exporter", i.host, i.stack),
    key: "dcgm-exporter",
    name: `${i.stack}-dcgm-exporter`,
    image: i.image,
    command: [],
    ports: [{ internal: DCGM_EXPORTER_CONTAINER_PORT, external: i.port }],
    gpus: "all",
    capAdd: ["SYS_ADMIN"],
  };
}

/** Where the monitoring artifacts go: Prometheus reads `rule_files` relative to its config file. */
const PROMETHEUS_DIR = "/etc/prometheus/";
export const PROMETHEUS_CONFIG_FILE = `${PROMETHEUS_DIR}prometheus.yml`;
export const PROMETHEUS_DATA = "/prometheus";
/** Listen ports of the Prometheus and Grafana images; the host ports are configurable. */
export const PROMETHEUS_CONTAINER_PORT = 9090;
export const GRAFANA_CONTAINER_PORT = 3000;
const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning/";
const MONITORING_PREFIX = "monitoring/";
const GRAFANA_PREFIX = "monitoring/grafana/";

export interface MonitoringServerInput {
  readonly stack: string;
  readonly host: string;
  readonly image: string;
  /** Host port to publish. */
  readonly port: number;
  /** Every file renderMonitoring produced for the stack. */
  readonly artifacts: readonly Artifact[];
}

const upload = (a: Artifact, containerPath: string): FileUpload => ({ containerPath, artifactPath: a.path, content: a.content, mode: "0644" });

/** Prometheus with the rendered config and rules; its TSDB lives in a named volume. */
export function prometheus(i: MonitoringServerInput & { readonly args: readonly string[] }): ContainerSpec {
  // The promtool unit tests of the rules are for CI, not for the server.
  const files = i.artifacts.filter((a) => a.path.startsWith(MONITORING_PREFIX) && !a.path.startsWith(GRAFANA_PREFIX) && a.path !== ALERT_RULE_TESTS_PATH);
  return {
    ...base("prometheus", i.host, i.stack),
    key: "prometheus",
    name: `${i.stack}-prometheus`,
    image: i.image,
    command: [...i.args],
    ports: [{ internal: PROMETHEUS_CONTAINER_PORT, external: i.port }],
    volumes: [{ volume: `${i.stack}-prometheus-data`, containerPath: PROMETHEUS_DATA, readOnly: false }],
    files: files.map((a) => upload(a, PROMETHEUS_DIR + a.path.slice(MONITORING_PREFIX.length))),
  };
}

/** Grafana provisioned from files only; the admin password is read from a secret file. */
export function grafana(i: MonitoringServerInput & { readonly dashboardsDir: string }): ContainerSpec {
  const provisioning = `${GRAFANA_PREFIX}provisioning/`;
  const dashboards = `${GRAFANA_PREFIX}dashboards/`;
  // Grafana runs as uid 472 in group 0, so root:root 0440 is readable by it and nobody else.
  const password: SecretUpload = { containerPath: `${SECRETS_DIR}/grafana-admin-password`, secret: "grafanaAdminPassword", mode: "0440" };
  return {
    ...base("grafana", i.host, i.stack),
    key: "grafana",
    name: `${i.stack}-grafana`,
    image: i.image,
    command: [],
    // Grafana's `__FILE` convention: the environment holds only the path.
    env: [`GF_SECURITY_ADMIN_PASSWORD__FILE=${password.containerPath}`, "GF_USERS_ALLOW_SIGN_UP=false"],
    ports: [{ internal: GRAFANA_CONTAINER_PORT, external: i.port }],
    files: [
      ...i.artifacts.filter((a) => a.path.startsWith(provisioning)).map((a) => upload(a, GRAFANA_PROVISIONING_DIR + a.path.slice(provisioning.length))),
      ...i.artifacts.filter((a) => a.path.startsWith(dashboards)).map((a) => upload(a, `${i.dashboardsDir}/${a.path.slice(dashboards.length)}`)),
    ],
    secretFiles: [password],
  };
}
