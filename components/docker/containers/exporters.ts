/** The per-host exporters Prometheus scrapes: node_exporter and dcgm-exporter. */
import { PORTS } from "../../contract";
import { ContainerInput, ContainerSpec, LABELS, baseSpec } from "./spec";

export interface ExporterInput extends ContainerInput {
  /** Host port it is reached on. */
  readonly port: number;
  /** The host's IPv4 address Prometheus scrapes it at, the only one it listens on; none: every address. */
  readonly address?: string;
}

/**
 * node_exporter as its docs run it in Docker: host network and PID namespaces, `/` read-only.
 * `--web.listen-address` is `[host]:port` (exporter-toolkit, web/kingpinflag/flag.go; default `:9100`, every address).
 */
export function nodeExporter(i: ExporterInput): ContainerSpec {
  return {
    ...baseSpec("node-exporter", i, { [LABELS.hostPorts]: String(i.port) }),
    key: "node-exporter",
    name: `${i.stack}-node-exporter`,
    command: ["--path.rootfs=/host", `--web.listen-address=${i.address ?? ""}:${i.port}`],
    hostNetwork: true,
    hostPorts: [i.port],
    hostPid: true,
    binds: [{ hostPath: "/", containerPath: "/host", readOnly: true, propagation: "rslave" }],
  };
}

/** dcgm-exporter on every GPU; SYS_ADMIN lets DCGM read profiling counters. Its own listen port is the image's default; the host port is configurable. */
export function dcgmExporter(i: ExporterInput): ContainerSpec {
  return {
    ...baseSpec("dcgm-exporter", i),
    key: "dcgm-exporter",
    name: `${i.stack}-dcgm-exporter`,
    command: [],
    ports: [{ internal: PORTS.dcgmExporter, external: i.port, ...(i.address ? { ip: i.address } : {}) }],
    gpus: "all",
    capAdd: ["SYS_ADMIN"],
  };
}
