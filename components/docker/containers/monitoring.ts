/** Prometheus, Alertmanager and Grafana on the monitoring host, carrying the files renderMonitoring produced. */
import { PORTS } from "../../contract";
import { Artifact } from "../../render/artifact";
import { ALERTMANAGER_CONFIG_PATH, ALERT_RULE_TESTS_PATH, GRAFANA_DASHBOARDS_PATH, alertmanagerArgs } from "../../render/monitoring";
import { ContainerInput, ContainerSpec, SECRETS_DIR, SecretUpload, baseSpec, upload } from "./spec";

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
 * The user-defined network of the monitoring containers: Docker's embedded DNS resolves their
 * container names there (not on the default bridge), so Grafana and Prometheus reach each other
 * and Alertmanager whatever address they are published on
 * (https://docs.docker.com/engine/network/drivers/bridge/#differences-between-user-defined-bridges-and-the-default-bridge).
 */
export const monitoringNetwork = (stack: string): string => `${stack}-monitoring`;
const prometheusName = (stack: string) => `${stack}-prometheus`;
const alertmanagerName = (stack: string) => `${stack}-alertmanager`;
/** Grafana's datasource: Prometheus by container name on the monitoring network, at the port it listens on. */
export const prometheusNetworkUrl = (stack: string): string => `http://${prometheusName(stack)}:${PORTS.prometheus}`;
/** Prometheus's Alertmanager target, the same way. */
export const alertmanagerNetworkTarget = (stack: string): string => `${alertmanagerName(stack)}:${PORTS.alertmanager}`;

export interface MonitoringServerInput extends ContainerInput {
  /** Host port to publish; the container listens on its image's default port. */
  readonly port: number;
  /** Host address the port is published on (`docker.monitoringBindAddress`). */
  readonly bindAddress: string;
  /** Every file renderMonitoring produced for the stack. */
  readonly artifacts: readonly Artifact[];
}

/** Prometheus with the rendered config and rules; its TSDB lives in a named volume. */
export function prometheus(i: MonitoringServerInput & { readonly args: readonly string[] }): ContainerSpec {
  // The promtool unit tests of the rules are for CI, not for the server.
  const files = i.artifacts.filter((a) => a.path.startsWith(MONITORING_PREFIX) && !a.path.startsWith(GRAFANA_PREFIX) && !a.path.startsWith(ALERTMANAGER_PREFIX) && a.path !== ALERT_RULE_TESTS_PATH);
  return {
    ...baseSpec("prometheus", i),
    key: "prometheus",
    name: prometheusName(i.stack),
    command: [...i.args],
    ports: [{ internal: PORTS.prometheus, external: i.port, ip: i.bindAddress }],
    networks: [monitoringNetwork(i.stack)],
    volumes: [{ volume: `${i.stack}-prometheus-data`, containerPath: PROMETHEUS_DATA, readOnly: false }],
    files: files.map((a) => upload(a, PROMETHEUS_DIR + a.path.slice(MONITORING_PREFIX.length))),
  };
}

/** Grafana provisioned from files only; the admin password is read from a secret file. */
export function grafana(i: MonitoringServerInput & { readonly dashboardsDir: string }): ContainerSpec {
  const provisioning = `${GRAFANA_PREFIX}provisioning/`;
  // Grafana runs as uid 472 in group 0, so root:root 0440 is readable by it and nobody else.
  const password: SecretUpload = { containerPath: `${SECRETS_DIR}/grafana-admin-password`, secret: "grafanaAdminPassword", mode: "0440" };
  return {
    ...baseSpec("grafana", i),
    key: "grafana",
    name: `${i.stack}-grafana`,
    command: [],
    // Grafana's `__FILE` convention: the environment holds only the path.
    env: [`GF_SECURITY_ADMIN_PASSWORD__FILE=${password.containerPath}`, "GF_USERS_ALLOW_SIGN_UP=false"],
    ports: [{ internal: PORTS.grafana, external: i.port, ip: i.bindAddress }],
    networks: [monitoringNetwork(i.stack)],
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
 * which runs nothing else); Prometheus reaches it by name on the monitoring network.
 */
export function alertmanager(i: MonitoringServerInput & { readonly secretReceivers: readonly string[] }): ContainerSpec {
  const config = i.artifacts.find((a) => a.path === ALERTMANAGER_CONFIG_PATH);
  if (!config) throw new Error("alertmanager: renderMonitoring produced no alertmanager.yml (the monitoring input has no alerting)");
  return {
    ...baseSpec("alertmanager", i),
    key: "alertmanager",
    name: alertmanagerName(i.stack),
    command: alertmanagerArgs({ configFile: `${ALERTMANAGER_DIR}alertmanager.yml`, storagePath: ALERTMANAGER_DATA, listenAddress: `0.0.0.0:${PORTS.alertmanager}` }),
    ports: [{ internal: PORTS.alertmanager, external: i.port, ip: i.bindAddress }],
    networks: [monitoringNetwork(i.stack)],
    volumes: [{ volume: `${i.stack}-alertmanager-data`, containerPath: ALERTMANAGER_DATA, readOnly: false }],
    files: [upload(config, `${ALERTMANAGER_DIR}alertmanager.yml`)],
    secretFiles: i.secretReceivers.map((r): SecretUpload => ({ containerPath: `${ALERTMANAGER_SECRETS_DIR}/${r}`, secret: `alertingSecrets.${r}`, mode: "0444" })),
  };
}
