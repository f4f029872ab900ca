/** Prometheus, Alertmanager and Grafana on the monitoring host, carrying the files renderMonitoring produced. */
import { Artifact } from "../../render/artifact";
import { ALERTMANAGER_CONFIG_PATH, ALERT_RULE_TESTS_PATH, GRAFANA_DASHBOARDS_PATH, alertmanagerArgs } from "../../render/monitoring";
import { ContainerInput, ContainerSpec, LABELS, SECRETS_DIR, SecretUpload, baseSpec, upload } from "./spec";

/** Where the monitoring artifacts go: Prometheus reads `rule_files` relative to its config file. */
const PROMETHEUS_DIR = "/etc/prometheus/";
export const PROMETHEUS_CONFIG_FILE = `${PROMETHEUS_DIR}prometheus.yml`;
export const PROMETHEUS_DATA = "/prometheus";
const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning/";
const MONITORING_PREFIX = "monitoring/";
const GRAFANA_PREFIX = "monitoring/grafana/";
const ALERTMANAGER_PREFIX = "monitoring/alertmanager/";
const ALERTMANAGER_DIR = "/etc/alertmanager/";
const ALERTMANAGER_DATA = "/alertmanager";
/** Where receivers' secrets go in the Alertmanager container: one file per receiver (`alertingFromConfig`'s secretFile). */
export const ALERTMANAGER_SECRETS_DIR = `${SECRETS_DIR}/alertmanager`;

/**
 * The monitoring containers run in the host's network namespace, listening on
 * `docker.monitoringBindAddress` only. From a bridge network Prometheus's scrape of its own host's
 * proxy would leave with the container's address, which that proxy's /metrics allow-list (the
 * monitoring host's address) refuses; on the host network it leaves from the host's own address,
 * with no Docker subnet to clash with the hosts' networks
 * (https://docs.docker.com/engine/network/drivers/host/: no isolation, published ports are ignored).
 */
const prometheusName = (stack: string) => `${stack}-prometheus`;
const alertmanagerName = (stack: string) => `${stack}-alertmanager`;
/** Where a monitoring server listens: its listen flag, and the address Grafana and Prometheus (same host network) reach it at. */
export const listenAddress = (i: { readonly bindAddress: string; readonly port: number }): string => `${i.bindAddress}:${i.port}`;

export interface MonitoringServerInput extends ContainerInput {
  /** Port it listens on in the host network namespace. */
  readonly port: number;
  /** The one host address it listens on (`docker.monitoringBindAddress`). */
  readonly bindAddress: string;
  /** Every file renderMonitoring produced for the stack. */
  readonly artifacts: readonly Artifact[];
}

/** The host network, and the label the plan's hosts table reads the port from. */
const onHostNetwork = (role: "prometheus" | "grafana" | "alertmanager", i: MonitoringServerInput) => ({
  ...baseSpec(role, i, { [LABELS.hostPorts]: String(i.port) }),
  hostNetwork: true,
  hostPorts: [i.port],
});

/**
 * Prometheus with the rendered config and rules; its TSDB lives in a named volume.
 * `--web.listen-address` (default 0.0.0.0:9090): https://prometheus.io/docs/prometheus/latest/command-line/prometheus/
 */
export function prometheus(i: MonitoringServerInput & { readonly args: readonly string[] }): ContainerSpec {
  // The promtool unit tests of the rules are for CI, not for the server.
  const files = i.artifacts.filter((a) => a.path.startsWith(MONITORING_PREFIX) && !a.path.startsWith(GRAFANA_PREFIX) && !a.path.startsWith(ALERTMANAGER_PREFIX) && a.path !== ALERT_RULE_TESTS_PATH);
  return {
    ...onHostNetwork("prometheus", i),
    key: "prometheus",
    name: prometheusName(i.stack),
    command: [...i.args, `--web.listen-address=${listenAddress(i)}`],
    volumes: [{ volume: `${i.stack}-prometheus-data`, containerPath: PROMETHEUS_DATA, readOnly: false }],
    files: files.map((a) => upload(a, PROMETHEUS_DIR + a.path.slice(MONITORING_PREFIX.length))),
  };
}

/**
 * Grafana provisioned from files only; the admin password is read from a secret file. It listens on
 * `[server] http_addr`:`http_port`, set as GF_<SECTION>_<KEY>
 * (https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#override-configuration-with-environment-variables).
 */
export function grafana(i: MonitoringServerInput & { readonly dashboardsDir: string }): ContainerSpec {
  const provisioning = `${GRAFANA_PREFIX}provisioning/`;
  // Grafana runs as uid 472 in group 0, so root:root 0440 is readable by it and nobody else.
  const password: SecretUpload = { containerPath: `${SECRETS_DIR}/grafana-admin-password`, secret: "grafanaAdminPassword", mode: "0440" };
  return {
    ...onHostNetwork("grafana", i),
    key: "grafana",
    name: `${i.stack}-grafana`,
    command: [],
    // Grafana's `__FILE` convention: the environment holds only the path.
    env: [`GF_SECURITY_ADMIN_PASSWORD__FILE=${password.containerPath}`, `GF_SERVER_HTTP_ADDR=${i.bindAddress}`, `GF_SERVER_HTTP_PORT=${i.port}`, "GF_USERS_ALLOW_SIGN_UP=false"],
    files: [
      ...i.artifacts.filter((a) => a.path.startsWith(provisioning)).map((a) => upload(a, GRAFANA_PROVISIONING_DIR + a.path.slice(provisioning.length))),
      ...i.artifacts.filter((a) => a.path.startsWith(GRAFANA_DASHBOARDS_PATH)).map((a) => upload(a, `${i.dashboardsDir}/${a.path.slice(GRAFANA_DASHBOARDS_PATH.length)}`)),
    ],
    secretFiles: [password],
  };
}

/**
 * Alertmanager with the rendered alertmanager.yml; silences and the notification log live in a named
 * volume. Each receiver's secret is a file (the image runs as nobody, so 0444 inside this container,
 * which runs nothing else). It listens on the bind address only and opens no gossip port
 * (alertmanagerArgs; `--web.listen-address`, `--cluster.listen-address`:
 * https://github.com/prometheus/alertmanager#turn-off-high-availability).
 */
export function alertmanager(i: MonitoringServerInput & { readonly secretReceivers: readonly string[] }): ContainerSpec {
  const config = i.artifacts.find((a) => a.path === ALERTMANAGER_CONFIG_PATH);
  if (!config) throw new Error("alertmanager: renderMonitoring produced no alertmanager.yml (the monitoring input has no alerting)");
  return {
    ...onHostNetwork("alertmanager", i),
    key: "alertmanager",
    name: alertmanagerName(i.stack),
    command: alertmanagerArgs({ configFile: `${ALERTMANAGER_DIR}alertmanager.yml`, storagePath: ALERTMANAGER_DATA, listenAddress: listenAddress(i) }),
    volumes: [{ volume: `${i.stack}-alertmanager-data`, containerPath: ALERTMANAGER_DATA, readOnly: false }],
    files: [upload(config, `${ALERTMANAGER_DIR}alertmanager.yml`)],
    secretFiles: i.secretReceivers.map((r): SecretUpload => ({ containerPath: `${ALERTMANAGER_SECRETS_DIR}/${r}`, secret: `alertingSecrets.${r}`, mode: "0444" })),
  };
}
