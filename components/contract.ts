/**
 * Facts that cross layers: the planner, renderers, platform adapters, the policy pack and the tests
 * all read them from here, so a port, a tag key, a node path or a pinned image has one spelling.
 * `test/contract.test.ts` fails when one of these literals is copied elsewhere in the tree.
 */

/** Pulumi project name, and so the config namespace (`qwen-serving:services`, ...). */
export const PROJECT = "qwen-serving";

/** Tag (AWS) and label keys the project writes and reads back (EC2 discovery, policy pack). */
export const TAGS = {
  /** Marks every resource of a stack; its value is the stack name. */
  stack: "qwen-serving:stack",
  /** The planned node an instance is (`gpu-0`, ...). */
  node: "qwen-serving:node",
  /** `qwen-serving:sglang:<service>` = space-separated SGLang ports on that node. */
  servicePrefix: "qwen-serving:sglang:",
  /** `qwen-serving:router:<service>` = the router's metrics port on that node. */
  routerPrefix: "qwen-serving:router:",
  /** What a resource is for where its type does not say (`weight-cache` volumes, the `monitoring` security group); the policy pack reads it. */
  role: "qwen-serving:role",
} as const;

/** Labels every docker container carries, so `docker ps --filter label=...` and the plan's hosts table find them. */
export const DOCKER_LABELS = {
  stack: "qwen-serving.stack",
  host: "qwen-serving.host",
  role: "qwen-serving.role",
  service: "qwen-serving.service",
  replica: "qwen-serving.replica",
  /** Ports a host-network container binds on the host, comma-separated (`docker ps` shows none). */
  hostPorts: "qwen-serving.host-ports",
  /** `<source>:<repo>@<revision>` an SGLang container serves. */
  weights: "qwen-serving.weights",
  /** The revision folder (under the host's modelsPath) a container mounts; no folder in use is pruned. */
  weightsDir: "qwen-serving.weights-dir",
} as const;

/**
 * Every port the project opens on a node or host, by what listens there. Services' own public ports
 * come from config (`services[].port`); these are the fixed or defaulted ones beside them.
 */
export const PORTS = {
  /** First port handed to SGLang replicas behind a router (SGLang's own default `--port`). */
  workerBase: 30000,
  /** First port for routers' Prometheus endpoints (sglang-router's `--prometheus-port` default). */
  routerMetricsBase: 29000,
  /** node_exporter's default listen port. */
  nodeExporter: 9100,
  /** dcgm-exporter's default listen port (`-a :9400`). */
  dcgmExporter: 9400,
  /** Prometheus's default listen port. */
  prometheus: 9090,
  /** Grafana's default listen port. */
  grafana: 3000,
  /** Alertmanager's default listen port. */
  alertmanager: 9093,
  /**
   * The front proxy listens on the planned ports (service, worker, router metrics); what it fronts
   * (SGLang, the router) listens on loopback at the planned port plus this offset.
   */
  loopbackOffset: 10000,
} as const;

/** Where the node bootstrap puts things on an AWS GPU or monitoring node. */
export const NODE_PATHS = {
  /** Rendered scripts. */
  bin: "/opt/qwen-serving/bin",
  /** Tokens and keys fetched at boot: tmpfs, never on disk, root-only. */
  secrets: "/run/qwen-serving/secrets",
  /** Stamps the bootstrap keeps across reboots. */
  state: "/var/lib/qwen-serving",
  /** systemd units. */
  units: "/etc/systemd/system",
  /** Mount point of the weight cache volume. */
  models: "/models",
} as const;

/** Images the project runs besides the SGLang server image (which is `image` in config). */
export const IMAGES = {
  /** SGLang server, the one version whose argument and memory tables this project carries. */
  sglang: "lmsysorg/sglang:v0.4.9.post2-cu126",
  prometheus: "prom/prometheus:v3.5.0",
  grafana: "grafana/grafana:12.1.1",
  /** Alertmanager (aws monitoring instance, docker monitoring host); kubernetes uses the chart's. */
  alertmanager: "prom/alertmanager:v0.28.1",
  nodeExporter: "prom/node-exporter:v1.9.1",
  dcgmExporter: "nvcr.io/nvidia/k8s/dcgm-exporter:4.4.1-4.6.0-ubuntu22.04",
  awsCli: "public.ecr.aws/aws-cli/aws-cli:2.27.26",
  /** Front proxy: the upstream release of Debian bookworm's nginx 1.22.1, which the tests run; ships the njs module. */
  proxy: "nginx:1.22.1",
  /** kubernetes router pods without a prebuilt image: CPython 3.11 on bookworm, whose cp311 wheels router-requirements.txt pins by hash. */
  routerPython: "python:3.11.13-slim-bookworm",
} as const;
