/**
 * The docker monitoring host's part of the layout: what Prometheus scrapes and where it sends
 * alerts, the three monitoring containers on the host network, and the checks of the address they
 * listen on. Pure, like layout.ts.
 */
import { DEFAULT_DOCKER_SETTINGS, DockerSettings } from "../config/docker";
import { StackConfig } from "../config/schema";
import { ProblemInput } from "../problems";
import { Artifact } from "../render/artifact";
import { DEFAULT_DASHBOARDS_DIR, MonitoringInput, alertingFromConfig, monitoredService, planMonitoring, prometheusArgs } from "../render/monitoring";
import { DeploymentPlan } from "../sglang/planner";
import { IPV4, isPrivateIPv4 } from "./addresses";
import { ALERTMANAGER_SECRETS_DIR, ContainerSpec, PROMETHEUS_CONFIG_FILE, PROMETHEUS_DATA, alertmanager, grafana, listenAddress, prometheus } from "./containers";

/**
 * Prometheus scrapes every host by address; Grafana reaches Prometheus, and Prometheus
 * Alertmanager, where they listen on the monitoring host's network (`docker.monitoringBindAddress`).
 */
export function monitoringInput(plan: DeploymentPlan, config: StackConfig, addr: (host: string) => string, alertingSecrets: readonly string[] = []): MonitoringInput {
  const settings = config.docker ?? DEFAULT_DOCKER_SETTINGS;
  return {
    ...planMonitoring(plan, config.monitoring),
    services: plan.services.map((s) => ({
      ...monitoredService(s),
      port: s.port,
      targets: s.placement.map((p) => `${addr(p.node)}:${p.port}`),
      routerTargets: s.router ? [`${addr(s.router.node)}:${s.router.metricsPort}`] : [],
    })),
    nodeExporterTargets: config.hosts.map((h) => `${addr(h.name)}:${settings.nodeExporterPort}`),
    dcgmTargets: config.hosts.map((h) => `${addr(h.name)}:${settings.dcgmExporterPort}`),
    grafana: { prometheusUrl: `http://${listenAddress({ bindAddress: settings.monitoringBindAddress, port: settings.prometheusPort })}` },
    alertmanagers: [listenAddress({ bindAddress: settings.monitoringBindAddress, port: settings.alertmanagerPort })],
    alerting: alertingFromConfig(config.monitoring.alerting, { secretFile: (n) => `${ALERTMANAGER_SECRETS_DIR}/${n}`, secrets: alertingSecrets }),
  };
}

export interface MonitoringContainersInput {
  readonly stack: string;
  readonly host: string;
  readonly settings: DockerSettings;
  readonly monitoring: MonitoringInput;
  /** Every file renderMonitoring produced for the stack. */
  readonly artifacts: readonly Artifact[];
  readonly alertingSecrets: readonly string[];
}

/** Prometheus, Grafana and Alertmanager of the monitoring host, listening on `docker.monitoringBindAddress`. */
export function monitoringContainers(i: MonitoringContainersInput): ContainerSpec[] {
  const { stack, host, settings, artifacts } = i;
  const bindAddress = settings.monitoringBindAddress;
  const args = prometheusArgs(i.monitoring, { configFile: PROMETHEUS_CONFIG_FILE, storagePath: PROMETHEUS_DATA });
  return [
    prometheus({ stack, host, image: settings.images.prometheus, port: settings.prometheusPort, bindAddress, artifacts, args }),
    grafana({ stack, host, image: settings.images.grafana, port: settings.grafanaPort, bindAddress, artifacts, dashboardsDir: DEFAULT_DASHBOARDS_DIR }),
    alertmanager({ stack, host, image: settings.images.alertmanager, port: settings.alertmanagerPort, bindAddress, artifacts, secretReceivers: i.alertingSecrets }),
  ];
}

/**
 * Prometheus and Alertmanager answer anyone who reaches them (no login), so like a proxy without
 * API keys they never bind a public address: loopback, or a private IPv4 address of the host.
 */
export function monitoringBindProblems(settings: DockerSettings): ProblemInput[] {
  const address = settings.monitoringBindAddress;
  const path = ["docker", "monitoringBindAddress"];
  const advice = "use 127.0.0.1 (the default; reach it through an SSH tunnel) or a private IPv4 address of the monitoring host (its LAN or VPN address)";
  if (!IPV4.test(address)) return [{ path, value: address, rule: "Prometheus, Grafana and Alertmanager are published on one IPv4 address of the monitoring host", advice }];
  if (!isPrivateIPv4(address))
    return [
      {
        path,
        value: address,
        rule: `Prometheus and Alertmanager have no login and would answer anyone who reaches ${address === "0.0.0.0" ? "any address of the host, public ones included" : "this public address"}`,
        advice,
      },
    ];
  return [];
}
