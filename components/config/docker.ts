import { z } from "zod";
import { IMAGES, PORTS } from "../contract";
import { pinnedImage, port } from "./common";

/** Images of the containers around SGLang (the SGLang image itself is the top-level `image`). */
export const DockerImagesSchema = z
  .object({
    /** Prometheus server. @default IMAGES.prometheus */
    prometheus: pinnedImage.default(IMAGES.prometheus),
    /** Grafana OSS. @default IMAGES.grafana */
    grafana: pinnedImage.default(IMAGES.grafana),
    /** node_exporter, one per host. @default IMAGES.nodeExporter */
    nodeExporter: pinnedImage.default(IMAGES.nodeExporter),
    /** NVIDIA dcgm-exporter, one per host. @default IMAGES.dcgmExporter */
    dcgmExporter: pinnedImage.default(IMAGES.dcgmExporter),
    /** Alertmanager, beside Prometheus. @default IMAGES.alertmanager */
    alertmanager: pinnedImage.default(IMAGES.alertmanager),
  })
  .strict();

/**
 * `qwen-serving:docker`: settings only the docker platform reads (hosts and their GPUs are the
 * top-level `hosts`). Every field is optional so a stack can omit the block.
 */
export const DockerSettingsSchema = z
  .object({
    /** Host (a `hosts[].name`) that runs Prometheus and Grafana. @default - the first host */
    monitoringHost: z.string().min(1).optional(),
    /**
     * The one address of the monitoring host that Prometheus, Grafana and Alertmanager listen on (they
     * run on the host network). Prometheus and Alertmanager have no login, so by default only the
     * monitoring host itself reaches them (an operator uses an SSH tunnel:
     * `ssh -L 3000:127.0.0.1:3000 <host>`); a private IPv4 address of that host (its LAN or VPN address)
     * opens them to that network. A public address is refused. @default "127.0.0.1"
     */
    monitoringBindAddress: z.string().min(1).default("127.0.0.1"),
    /** Port Prometheus listens on, at monitoringBindAddress (Grafana's datasource). @default PORTS.prometheus (9090) */
    prometheusPort: port.default(PORTS.prometheus),
    /** Port Grafana listens on, at monitoringBindAddress. @default PORTS.grafana (3000) */
    grafanaPort: port.default(PORTS.grafana),
    /** Port Alertmanager listens on, at monitoringBindAddress (Prometheus sends to it there). @default PORTS.alertmanager (9093) */
    alertmanagerPort: port.default(PORTS.alertmanager),
    /** Port of node_exporter on every host, at the host's address (hosts[].address, else its endpoint's). @default PORTS.nodeExporter (9100) */
    nodeExporterPort: port.default(PORTS.nodeExporter),
    /** Host port of dcgm-exporter on every host, published at the host's address like node_exporter's. @default PORTS.dcgmExporter (9400) */
    dcgmExporterPort: port.default(PORTS.dcgmExporter),
    /**
     * Size of /dev/shm in SGLang containers, MiB (SGLang's docs run with 32g). They run with private IPC,
     * so this is their /dev/shm; host IPC would ignore it. @default 32768
     */
    shmSizeMiB: z.number().int().min(64).max(1_048_576).default(32768),
    /** Docker's json-file log rotation on every container: size of one file, MiB, and files kept. @default { maxSizeMiB: 100, maxFiles: 5 } */
    logs: z
      .object({ maxSizeMiB: z.number().int().min(1).max(10_240).default(100), maxFiles: z.number().int().min(1).max(100).default(5) })
      .strict()
      .prefault({}),
    /**
     * ssh://hosts: how long the shared ssh connection (ControlMaster) stays open after the last use,
     * seconds; 0 opens one connection per call (beware sshd's MaxStartups). @default 600
     */
    sshControlPersistSeconds: z.number().int().min(0).max(86_400).default(600),
    /** Pinned images of the monitoring containers. @default - the versions listed on each field */
    images: DockerImagesSchema.prefault({}),
  })
  .strict();

export type DockerSettings = z.output<typeof DockerSettingsSchema>;
export type DockerImages = z.output<typeof DockerImagesSchema>;

/** The settings a stack without a `docker` block gets. */
export const DEFAULT_DOCKER_SETTINGS: DockerSettings = DockerSettingsSchema.parse({});
