/**
 * What differs between platforms, as data. The planner, the config checks, the monitoring renderers,
 * the CLI and the policy pack ask these traits instead of branching on a platform's name; adding a
 * platform is one entry here, one in `registry.ts` (its adapter) and its own folder.
 * Pure: imports no Pulumi resource package.
 */

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
  },
} as const satisfies Record<Platform, PlatformTraits>;

export const traitsOf = (p: Platform): PlatformTraits => PLATFORM_TRAITS[p];
