import { z } from "zod";
import { pinnedImage, port } from "./common";

/** Images of the containers around SGLang (the SGLang image itself is the top-level `image`). */
export const DockerImagesSchema = z
  .object({
    /** Prometheus server. @default "prom/prometheus:v3.5.0" */
    prometheus: pinnedImage.default("prom/prometheus:v3.5.0"),
    /** Grafana OSS. @default "grafana/grafana:12.1.1" */
    grafana: pinnedImage.default("grafana/grafana:12.1.1"),
    /** node_exporter, one per host. @default "prom/node-exporter:v1.9.1" */
    nodeExporter: pinnedImage.default("prom/node-exporter:v1.9.1"),
    /** NVIDIA dcgm-exporter, one per host. @default "nvcr.io/nvidia/k8s/dcgm-exporter:4.4.1-4.6.0-ubuntu22.04" */
    dcgmExporter: pinnedImage.default("nvcr.io/nvidia/k8s/dcgm-exporter:4.4.1-4.6.0-ubuntu22.04"),
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
    /** Host port Prometheus is published on. @default 9090 */
    prometheusPort: port.default(9090),
    /** Host port Grafana is published on. @default 3000 */
    grafanaPort: port.default(3000),
    /** Host port of node_exporter on every host. @default 9100 */
    nodeExporterPort: port.default(9100),
    /** Host port of dcgm-exporter on every host. @default 9400 */
    dcgmExporterPort: port.default(9400),
    /** Size of /dev/shm in SGLang containers, MiB (SGLang's docs run with 32g). @default 32768 */
    shmSizeMiB: z.number().int().min(64).max(1_048_576).default(32768),
    /** Pinned images of the monitoring containers. @default - the versions listed on each field */
    images: DockerImagesSchema.prefault({}),
  })
  .strict();

export type DockerSettings = z.output<typeof DockerSettingsSchema>;
export type DockerImages = z.output<typeof DockerImagesSchema>;

/** The settings a stack without a `docker` block gets. */
export const DEFAULT_DOCKER_SETTINGS: DockerSettings = DockerSettingsSchema.parse({});
