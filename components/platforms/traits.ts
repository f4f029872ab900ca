/**
 * What differs between platforms, as data. The planner, the config checks, the monitoring renderers,
 * the CLI and the policy pack ask these traits instead of branching on a platform's name; adding a
 * platform is one entry here, one in `registry.ts` (its adapter) and its own folder.
 * Pure: imports no Pulumi resource package.
 */
import type { AlertReceiverType } from "../config/alerting";

/** The platforms a stack can deploy to (`platform:` in stack config). */
export const PLATFORM_NAMES = ["aws", "docker", "kubernetes"] as const;
export type Platform = (typeof PLATFORM_NAMES)[number];

/** How Prometheus finds the scrape targets on a platform. */
export type Discovery =
  /** EC2 service discovery by instance tags (`prometheus.yml` with `ec2_sd_configs`). */
  | "ec2"
  /** Fixed `host:port` targets (`prometheus.yml` with `static_configs`). */
  | "static"
  /** The Prometheus Operator's ServiceMonitor/PodMonitor objects; no `prometheus.yml` is rendered. */
  | "operator";

export interface PlatformTraits {
  /** The config key that lists the machines SGLang runs on. */
  readonly machines: "hosts" | "nodePools";
  /** Node pools name an EC2 instance type (the GPU comes from the catalog entry). */
  readonly instanceTypes: boolean;
  /** Node pools state their GPU model and count (`gpu`, `gpusPerNode`). */
  readonly gpuShape: boolean;
  /** Each replica runs in its own network namespace (a pod), so workers need not get distinct host ports. */
  readonly podNetwork: boolean;
  /** How Prometheus discovers targets. */
  readonly discovery: Discovery;
  /** The project renders `prometheus.yml` and Grafana provisioning files (false: a chart/operator owns them). */
  readonly rendersMonitoringFiles: boolean;
  /** Monitoring scrapes a router only where the plan gives it a concrete target. */
  readonly routerScrapedBy: "metricsPort" | "targets";
  /** The service's public port must be known for discovery (`services[].port`). */
  readonly needsServicePort: boolean;
  /** Ports the platform opens beside the services, from contract PORTS (the planner refuses a collision). */
  readonly fixedPorts: readonly FixedPort[];
  /** Each service port is also a listener of one load balancer (with any `fixedPorts` `on: "lb"`). */
  readonly serviceListenerOnLb: boolean;
  /** Config key naming the host that runs Prometheus and Grafana. @default - the first machine */
  readonly monitoringHostKey?: string;
  /** Where weights live: a volume per node, a volume per replica, or a host folder the plan does not size. */
  readonly weightCache: "node-volume" | "replica-volume" | "host-folder";
  /** Receiver types the platform's Alertmanager can deliver to (SNS needs the instance role aws gives it). */
  readonly alertReceivers: readonly AlertReceiverType[];
}

/** A port a platform opens beside the services. */
export interface FixedPort {
  /** Its entry in contract PORTS, the default. */
  readonly role: "nodeExporter" | "dcgmExporter" | "prometheus" | "grafana" | "alertmanager";
  /** In every GPU node's or host's network (`node`), on the monitoring host, or on the load balancer. */
  readonly on: "node" | "monitoring-host" | "lb";
  /** Config key under `qwen-serving:` that moves it. @default - always PORTS[role] */
  readonly key?: string;
  /** Config key that must be true or non-empty for the port to be opened. @default - always opened */
  readonly when?: string;
}

export const PLATFORM_TRAITS = {
  aws: {
    machines: "nodePools",
    instanceTypes: true,
    gpuShape: false,
    podNetwork: false,
    discovery: "ec2",
    rendersMonitoringFiles: true,
    routerScrapedBy: "metricsPort",
    needsServicePort: true,
    // The node bootstrap always starts both exporters; Prometheus and Grafana have their own instance.
    fixedPorts: [
      { role: "nodeExporter", on: "node" },
      { role: "dcgmExporter", on: "node" },
      { role: "grafana", on: "lb", key: "aws.monitoring.grafanaPort", when: "aws.monitoring.grafanaAllowedCidrs" },
    ],
    serviceListenerOnLb: true,
    weightCache: "node-volume",
    alertReceivers: ["sns", "webhook", "slack", "pagerduty", "email"],
  },
  docker: {
    machines: "hosts",
    instanceTypes: false,
    gpuShape: false,
    podNetwork: false,
    discovery: "static",
    rendersMonitoringFiles: true,
    routerScrapedBy: "targets",
    needsServicePort: false,
    fixedPorts: [
      { role: "nodeExporter", on: "node", key: "docker.nodeExporterPort", when: "monitoring.enabled" },
      { role: "dcgmExporter", on: "node", key: "docker.dcgmExporterPort", when: "monitoring.enabled" },
      { role: "prometheus", on: "monitoring-host", key: "docker.prometheusPort", when: "monitoring.enabled" },
      { role: "grafana", on: "monitoring-host", key: "docker.grafanaPort", when: "monitoring.enabled" },
      { role: "alertmanager", on: "monitoring-host", key: "docker.alertmanagerPort", when: "monitoring.enabled" },
    ],
    serviceListenerOnLb: false,
    monitoringHostKey: "docker.monitoringHost",
    weightCache: "host-folder",
    alertReceivers: ["webhook", "slack", "pagerduty", "email"],
  },
  kubernetes: {
    machines: "nodePools",
    instanceTypes: false,
    gpuShape: true,
    podNetwork: true,
    discovery: "operator",
    rendersMonitoringFiles: false,
    routerScrapedBy: "metricsPort",
    needsServicePort: false,
    // Exporters and monitoring run in their own pods; a pod's network holds only its own process.
    fixedPorts: [],
    serviceListenerOnLb: false,
    weightCache: "replica-volume",
    alertReceivers: ["webhook", "slack", "pagerduty", "email"],
  },
} as const satisfies Record<Platform, PlatformTraits>;

export const traitsOf = (p: Platform): PlatformTraits => PLATFORM_TRAITS[p];
