import { IMAGES, NODE_PATHS, PORTS } from "../../contract";
import { Artifact } from "../artifact";
import { NodeFile, renderCloudConfig, userDataBase64 } from "../cloud-config";
import { ALERT_RULE_TESTS_PATH, MonitoringInput, alertmanagerArgs, prometheusArgs, renderMonitoring } from "../monitoring";
import { renderShellScript } from "../scripts/sources";
import { renderSsmSecretsScript } from "./ssm-secrets";
import { bootTarget, command, containerUnit, dependencyLines, oneshotUnit, SystemdUnit } from "../systemd";
import { NODE_EXPORTER_UNIT, nodeExporterUnit } from "./gpu-units";
import { IN_ALERTMANAGER, IN_GRAFANA, IN_PROMETHEUS, MONITORING_NODE_PATHS } from "./monitoring-input";
import { renderMountCacheScript } from "./mount-cache";

/**
 * The aws monitoring instance, rendered (pure): its cloud-init document with every unit and script,
 * from the stack's monitoring input (render/aws/monitoring-input.ts). Prometheus finds the GPU nodes
 * by the tags GpuNode puts on them (stack, node name, services, routers).
 * Prometheus, Grafana and node_exporter run as pinned containers under systemd, all on the host
 * network:
 *
 *   qwen-monitoring-data (mount the TSDB volume, own the data folders) -> prometheus (127.0.0.1:9090)
 *                                                                     -> alertmanager (127.0.0.1:9093, receivers' secrets from SSM)
 *                                                                     -> grafana (password from SSM)
 *
 * Prometheus and Alertmanager listen on loopback only: nothing off the instance can reach them, and
 * an operator reaches them through SSM port forwarding like Grafana without a load-balancer listener.
 * Alertmanager sends out through the NAT gateway; SNS with the instance role.
 */

export interface MonitoringNodeInput {
  /** The stack's monitoring input (`awsMonitoringInput`). */
  readonly monitoring: MonitoringInput;
  /** EBS volume id of the TSDB volume. */
  readonly tsdbVolumeId: string;
  /** Name of the SSM SecureString parameter holding Grafana's admin password. */
  readonly grafanaPasswordParameter: string;
  /** Grafana listens on every interface for the load balancer; otherwise on loopback only (SSM port forwarding). */
  readonly grafanaOnNetwork: boolean;
  /** SSM SecureString parameter of each receiver with a secret (`monitoring.alerting` receivers with `alertingSecrets`). @default [] */
  readonly alertingParameters?: readonly { readonly receiver: string; readonly parameter: string }[];
  readonly images: { readonly prometheus: string; readonly grafana: string; readonly nodeExporter: string; readonly alertmanager?: string; readonly awsCli?: string };
  /** node_exporter port (Prometheus scrapes this instance too, as a member of the stack). @default PORTS.nodeExporter */
  readonly nodeExporterPort?: number;
}

/** The rendered instance: the shared monitoring files, and the instance's units, scripts and cloud-init. */
export interface MonitoringNodeRender {
  /** Every file of `renderMonitoring` (paths `monitoring/...`), including the rules' promtool tests. */
  readonly monitoring: readonly Artifact[];
  readonly units: readonly SystemdUnit[];
  /** Scripts at their paths on the instance. */
  readonly scripts: readonly NodeFile[];
  /** The `#cloud-config` document, uncompressed. */
  readonly cloudInit: string;
  /** What EC2 receives: the document gzipped (cloud-init unpacks it), base64. */
  readonly userDataBase64: string;
}

/** Unit names on the monitoring instance. */
export const MONITORING_UNITS = {
  target: "qwen-monitoring.target",
  data: "qwen-monitoring-data.service",
  prometheus: "prometheus.service",
  alertmanager: "alertmanager.service",
  grafana: "grafana.service",
  nodeExporter: NODE_EXPORTER_UNIT,
} as const;

/** Artifact folder of the monitoring instance's own files (cloud-init, units, scripts). */
export const MONITORING_NODE_DIR = "monitoring-node";

/** Users the images run as: `nobody` in prom/prometheus and prom/alertmanager, `grafana` (gid 0) in grafana/grafana. */
const PROMETHEUS_USER = "65534:65534";
const GRAFANA_USER = "472:0";

const SCRIPTS = {
  mountData: `${NODE_PATHS.bin}/mount-tsdb.sh`,
  grafanaPassword: `${NODE_PATHS.bin}/grafana-admin-password.sh`,
  alertmanagerSecrets: `${NODE_PATHS.bin}/alertmanager-secrets.sh`,
} as const;
/** The receivers' secrets on tmpfs, one file per receiver, readable by the Alertmanager container's user only. */
const ALERTMANAGER_SECRETS = `${NODE_PATHS.secrets}/alertmanager`;
const PASSWORD_FILE = `${NODE_PATHS.secrets}/grafana-admin-password`;
const DATA = { prometheus: `${MONITORING_NODE_PATHS.data}/prometheus`, alertmanager: `${MONITORING_NODE_PATHS.data}/alertmanager`, grafana: `${MONITORING_NODE_PATHS.data}/grafana` } as const;

function dataUnit(): SystemdUnit {
  return oneshotUnit({
    name: MONITORING_UNITS.data,
    description: `qwen-serving: mount the TSDB volume at ${MONITORING_NODE_PATHS.data}`,
    deps: { after: ["local-fs.target"] },
    service: [
      // The script waits up to 30 minutes for the volume attachment.
      "TimeoutStartSec=2400",
      `ExecStart=${SCRIPTS.mountData}`,
      // Owned by the users the images run as; install -d leaves existing contents alone.
      `ExecStart=${command(["/usr/bin/install", "-d", "-o", "65534", "-g", "65534", "-m", "0750", DATA.prometheus])}`,
      // Silences and the notification log survive a replaced instance, like the TSDB.
      `ExecStart=${command(["/usr/bin/install", "-d", "-o", "65534", "-g", "65534", "-m", "0750", DATA.alertmanager])}`,
      `ExecStart=${command(["/usr/bin/install", "-d", "-o", "472", "-g", "0", "-m", "0750", DATA.grafana])}`,
    ],
  });
}

/** Prometheus and Grafana: host network, journald, and a start timeout for the first image pull. */
const monitoringContainer = (
  name: string,
  container: string,
  description: string,
  deps: { after: string[]; requires: string[]; wants?: string[] },
  run: readonly string[],
  preStart: readonly string[] = [],
) => containerUnit({ name, container, description, unit: dependencyLines(deps), preStart, startTimeoutSec: 900, run: ["--network", "host", "--log-driver", "journald", ...run] });

/**
 * Reads Grafana's admin password from SSM into a tmpfs file at every start of Grafana. Grafana
 * applies `GF_SECURITY_ADMIN_PASSWORD__FILE` only when it creates its database, which lives on the
 * TSDB volume and outlives the instance, so for an existing database the script also writes the
 * password into it with `grafana cli admin reset-admin-password --password-from-stdin`. The value
 * travels through a variable, files and stdin only: never argv, environment or logs.
 */
export function renderGrafanaPasswordScript(opts: { region: string; parameter: string; grafanaImage: string; awsCliImage?: string }): string {
  return renderShellScript<{ REGION: string; PARAMETER: string; FILE: string; DATA: string; AWS_CLI_IMAGE: string; GRAFANA_IMAGE: string }>("grafana-admin-password.sh", {
    REGION: opts.region,
    PARAMETER: opts.parameter,
    FILE: PASSWORD_FILE,
    DATA: DATA.grafana,
    AWS_CLI_IMAGE: opts.awsCliImage ?? IMAGES.awsCli,
    GRAFANA_IMAGE: opts.grafanaImage,
  });
}

/** The receivers' secrets from SSM into tmpfs at every start of Alertmanager (ssm-secrets.sh, installed as alertmanager-secrets.sh). */
export function renderAlertmanagerSecretsScript(region: string, parameters: readonly { readonly receiver: string; readonly parameter: string }[], awsCliImage?: string): string {
  return renderSsmSecretsScript({
    region,
    dir: ALERTMANAGER_SECRETS,
    owner: PROMETHEUS_USER,
    fileMode: "0400",
    parameters: parameters.map((p) => ({ name: p.parameter, file: p.receiver })),
    ...(awsCliImage ? { awsCliImage } : {}),
  });
}

/** Renders the monitoring instance. Throws a QwenServingError when the gzipped document would exceed EC2's user-data limit. */
export function renderMonitoringNode(input: MonitoringNodeInput): MonitoringNodeRender {
  const m = input.monitoring;
  if (!m.aws) throw new Error("renderMonitoringNode: the monitoring input must be for platform aws");
  const monitoring = renderMonitoring(m);
  const nodeExporterPort = input.nodeExporterPort ?? PORTS.nodeExporter;
  const cfg = MONITORING_NODE_PATHS.config;

  const amSecrets = input.alertingParameters ?? [];
  const scripts: NodeFile[] = [
    { path: SCRIPTS.mountData, content: renderMountCacheScript({ volumeId: input.tsdbVolumeId, mountPoint: MONITORING_NODE_PATHS.data }), mode: 0o755 },
    {
      path: SCRIPTS.grafanaPassword,
      content: renderGrafanaPasswordScript({ region: m.aws.region, parameter: input.grafanaPasswordParameter, grafanaImage: input.images.grafana, awsCliImage: input.images.awsCli }),
      mode: 0o755,
    },
    ...(amSecrets.length ? [{ path: SCRIPTS.alertmanagerSecrets, content: renderAlertmanagerSecretsScript(m.aws.region, amSecrets, input.images.awsCli), mode: 0o755 }] : []),
  ];

  const promArgs = [...prometheusArgs(m, { configFile: `${IN_PROMETHEUS.config}/prometheus.yml`, storagePath: IN_PROMETHEUS.data }), `--web.listen-address=127.0.0.1:${PORTS.prometheus}`];
  const grafanaAddress = input.grafanaOnNetwork ? "0.0.0.0" : "127.0.0.1";
  const units: SystemdUnit[] = [
    dataUnit(),
    monitoringContainer(
      MONITORING_UNITS.prometheus,
      "prometheus",
      `Prometheus on 127.0.0.1:${PORTS.prometheus}, TSDB on ${DATA.prometheus}`,
      { after: ["docker.service", MONITORING_UNITS.data], requires: ["docker.service", MONITORING_UNITS.data] },
      ["--user", PROMETHEUS_USER, "--volume", `${cfg}:${IN_PROMETHEUS.config}:ro`, "--volume", `${DATA.prometheus}:${IN_PROMETHEUS.data}`, input.images.prometheus, ...promArgs],
    ),
    monitoringContainer(
      MONITORING_UNITS.alertmanager,
      "alertmanager",
      `Alertmanager on 127.0.0.1:${PORTS.alertmanager}, state on ${DATA.alertmanager}`,
      { after: ["docker.service", MONITORING_UNITS.data], requires: ["docker.service", MONITORING_UNITS.data] },
      [
        "--user",
        PROMETHEUS_USER,
        "--volume",
        `${cfg}/alertmanager:${IN_ALERTMANAGER.config}:ro`,
        "--volume",
        `${DATA.alertmanager}:${IN_ALERTMANAGER.data}`,
        ...(amSecrets.length ? ["--volume", `${ALERTMANAGER_SECRETS}:${IN_ALERTMANAGER.secrets}:ro`] : []),
        input.images.alertmanager ?? IMAGES.alertmanager,
        ...alertmanagerArgs({ configFile: `${IN_ALERTMANAGER.config}/alertmanager.yml`, storagePath: IN_ALERTMANAGER.data, listenAddress: `127.0.0.1:${PORTS.alertmanager}` }),
      ],
      amSecrets.length ? [SCRIPTS.alertmanagerSecrets] : [],
    ),
    monitoringContainer(
      MONITORING_UNITS.grafana,
      "grafana",
      `Grafana on ${grafanaAddress}:${PORTS.grafana}, provisioned from ${cfg}/grafana`,
      { after: ["docker.service", MONITORING_UNITS.data, MONITORING_UNITS.prometheus], requires: ["docker.service", MONITORING_UNITS.data], wants: [MONITORING_UNITS.prometheus] },
      [
        "--user",
        GRAFANA_USER,
        // Grafana's `__FILE` convention: the environment holds only the path.
        "--env",
        `GF_SECURITY_ADMIN_PASSWORD__FILE=${IN_GRAFANA.password}`,
        "--env",
        `GF_SERVER_HTTP_ADDR=${grafanaAddress}`,
        "--env",
        `GF_SERVER_HTTP_PORT=${PORTS.grafana}`,
        "--env",
        "GF_USERS_ALLOW_SIGN_UP=false",
        "--env",
        "GF_AUTH_ANONYMOUS_ENABLED=false",
        "--volume",
        `${cfg}/grafana/provisioning:${IN_GRAFANA.provisioning}:ro`,
        "--volume",
        `${cfg}/grafana/dashboards:${IN_GRAFANA.dashboards}:ro`,
        "--volume",
        `${DATA.grafana}:${IN_GRAFANA.data}`,
        "--volume",
        `${PASSWORD_FILE}:${IN_GRAFANA.password}:ro`,
        input.images.grafana,
      ],
      [SCRIPTS.grafanaPassword],
    ),
    // The GPU nodes' own unit: Prometheus watches this instance's disk and memory like theirs.
    nodeExporterUnit(input.images.nodeExporter, nodeExporterPort),
  ];
  units.push(
    bootTarget(
      MONITORING_UNITS.target,
      "qwen-serving: Prometheus, Alertmanager, Grafana and node_exporter",
      units.map((u) => u.name),
    ),
  );

  // The promtool tests of the rules are for CI, not for the server.
  const configFiles = monitoring.filter((a) => a.path !== ALERT_RULE_TESTS_PATH).map((a) => ({ path: `${cfg}/${a.path.slice("monitoring/".length)}`, content: a.content, mode: 0o644 }));
  const cloudInit = renderCloudConfig({
    packages: ["docker.io"],
    files: [...configFiles, ...scripts],
    units,
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "--no-block", ...units.filter((u) => u.enable).map((u) => u.name)],
    ],
  });
  const userData = userDataBase64(cloudInit, { path: "monitoring", what: "the monitoring instance", advice: "fewer services or dashboards make the document smaller" });
  return { monitoring, units, scripts, cloudInit, userDataBase64: userData };
}

/** The instance's own files as artifacts, under `monitoring-node/` (the shared ones stay under `monitoring/`). */
export function monitoringNodeArtifacts(r: MonitoringNodeRender): Artifact[] {
  return [
    { path: `${MONITORING_NODE_DIR}/cloud-init.yaml`, content: r.cloudInit },
    ...r.units.map((u) => ({ path: `${MONITORING_NODE_DIR}/units/${u.name}`, content: u.content })),
    ...r.scripts.map((s) => ({ path: `${MONITORING_NODE_DIR}/bin/${s.path.split("/").pop()}`, content: s.content, mode: 0o755 })),
  ];
}
