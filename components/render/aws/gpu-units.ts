import { NODE_PATHS, PORTS } from "../../contract";
import { MODELS_MOUNT } from "../../sglang/launch-args";
import { API_KEY_ENV, apiKeyEnvFile, fetchApiKeyCommand, serverCommandWithApiKey } from "./api-key";
import { weightsMarkerPath } from "../scripts/weights";
import { bootTarget, command, containerUnit, dependencyLines, DOCKER, oneshotUnit, SystemdUnit } from "../systemd";

/**
 * systemd units of a GPU node (pure). Boot order, each step gating the next:
 *
 *   qwen-nvidia-setup (plain Ubuntu only) -> docker -> qwen-gpu-check ----------------------.
 *   qwen-cache-mount -> qwen-weights (tokens from SSM, then the weights container) ------> sglang-<service>-<replica>
 *
 * An SGLang unit requires the GPU check (a node without working GPUs keeps every service down)
 * and asserts its model's completion marker (a model whose download failed keeps only its own
 * services down). `qwen-serving.target` pulls everything in; it is the one unit enabled at boot.
 * Long-running containers are render/systemd.ts `containerUnit`s.
 */

export const SERVING_TARGET = "qwen-serving.target";
export const NVIDIA_SETUP_UNIT = "qwen-nvidia-setup.service";
export const GPU_CHECK_UNIT = "qwen-gpu-check.service";
export const CACHE_MOUNT_UNIT = "qwen-cache-mount.service";
export const WEIGHTS_UNIT = "qwen-weights.service";
export const NODE_EXPORTER_UNIT = "node-exporter.service";
export const DCGM_EXPORTER_UNIT = "dcgm-exporter.service";

/** Scripts the units run, at their node paths. */
export const NODE_SCRIPTS = {
  nvidiaSetup: `${NODE_PATHS.bin}/nvidia-install.sh`,
  gpuCheck: `${NODE_PATHS.bin}/gpu-check.sh`,
  mountCache: `${NODE_PATHS.bin}/mount-cache.sh`,
  fetchSecrets: `${NODE_PATHS.bin}/fetch-secrets.sh`,
  weights: `${NODE_PATHS.bin}/fetch-weights.sh`,
} as const;

/** Where the weights script is mounted inside the download container. */
const WEIGHTS_IN_CONTAINER = "/opt/qwen-serving/fetch-weights.sh";

export const sglangUnitName = (service: string, replica: number): string => `sglang-${service}-${replica}.service`;
export const sglangContainerName = (service: string, replica: number): string => `sglang-${service}-${replica}`;

/** Plain Ubuntu: driver, Docker and toolkit before anything uses them (on later boots a quick no-op). */
export function nvidiaSetupUnit(): SystemdUnit {
  return oneshotUnit({
    name: NVIDIA_SETUP_UNIT,
    description: "qwen-serving: NVIDIA driver, Docker and NVIDIA Container Toolkit",
    deps: { before: ["docker.service"], after: ["network-online.target"], wants: ["network-online.target"] },
    service: ["TimeoutStartSec=3600", `ExecStart=${NODE_SCRIPTS.nvidiaSetup}`],
  });
}

/** The GPU check; `ubuntu` adds the setup unit as a requirement. */
export function gpuCheckUnit(opts: { readonly ubuntu: boolean }): SystemdUnit {
  const setup = opts.ubuntu ? [NVIDIA_SETUP_UNIT] : [];
  return oneshotUnit({
    name: GPU_CHECK_UNIT,
    description: "qwen-serving: GPUs answer on the host and in a container (SGLang stays down otherwise)",
    deps: { after: ["docker.service", "network-online.target", ...setup], requires: ["docker.service", ...setup], wants: ["network-online.target"] },
    // Includes the first pull of the ~11 GiB SGLang image.
    service: ["TimeoutStartSec=3600", `ExecStart=${NODE_SCRIPTS.gpuCheck}`],
  });
}

export function cacheMountUnit(): SystemdUnit {
  return oneshotUnit({
    name: CACHE_MOUNT_UNIT,
    description: `qwen-serving: mount the weight cache volume at ${NODE_PATHS.models}`,
    deps: { after: ["local-fs.target"] },
    // The script waits up to 30 minutes for the volume attachment.
    service: ["TimeoutStartSec=2400", `ExecStart=${NODE_SCRIPTS.mountCache}`],
  });
}

/** Tokens from SSM, then the shared weights script inside the SGLang image. */
export function weightsUnit(image: string): SystemdUnit {
  const run = [DOCKER, "run", "--rm", "--name", "qwen-weights", "--log-driver", "journald",
    "--volume", `${NODE_PATHS.models}:${MODELS_MOUNT}`,
    "--volume", `${NODE_PATHS.secrets}:/run/secrets:ro`,
    "--volume", `${NODE_SCRIPTS.weights}:${WEIGHTS_IN_CONTAINER}:ro`,
    image, "bash", WEIGHTS_IN_CONTAINER];
  return oneshotUnit({
    name: WEIGHTS_UNIT,
    description: "qwen-serving: download each model once into the cache, verified",
    deps: { after: ["docker.service", CACHE_MOUNT_UNIT, "network-online.target"], requires: ["docker.service", CACHE_MOUNT_UNIT], wants: ["network-online.target"] },
    service: [
      "TimeoutStartSec=21600",
      `ExecStartPre=${NODE_SCRIPTS.fetchSecrets}`,
      `ExecStartPre=-${command([DOCKER, "rm", "--force", "qwen-weights"])}`,
      `ExecStart=${command(run)}`,
    ],
  });
}

/** One planned SGLang replica: what its unit runs. */
export interface SglangReplicaUnitInput {
  readonly service: string;
  readonly replica: number;
  /** Planned GPU indices: the container sees exactly these. */
  readonly gpus: readonly number[];
  /** Planned port (the service port, or a worker port behind a router). */
  readonly port: number;
  /** The builder's argv, after `python3 -m sglang.launch_server`. */
  readonly launchArgs: readonly string[];
  /** Repository folder under the cache, whose completion marker gates the unit. */
  readonly modelRepo: string;
  /** Pinned SGLang image. */
  readonly image: string;
  /** Set when the service has an API key: region and stack locate its SSM parameter (see render/aws/api-key.ts). */
  readonly apiKey?: { readonly region: string; readonly stack: string };
}

/**
 * The `docker run` options, image and command of one replica: only the planned GPUs
 * (`--gpus "device=0,1"`, the quotes keep the comma inside one device list), the host IPC
 * namespace (NCCL and CUDA IPC between TP ranks; it also gives the container the host's /dev/shm,
 * half of RAM, so no --shm-size), unlimited locked memory as SGLang's compose file sets, the cache
 * read-only, the planned port, and then `python3 -m sglang.launch_server` with exactly the
 * builder's argv.
 */
function sglangRun(r: SglangReplicaUnitInput): string[] {
  const server = r.apiKey ? serverCommandWithApiKey(r.launchArgs) : ["python3", "-m", "sglang.launch_server", ...r.launchArgs];
  return [
    "--gpus", `"device=${r.gpus.join(",")}"`,
    "--ipc=host",
    "--ulimit", "memlock=-1",
    "--ulimit", "stack=67108864",
    "--publish", `${r.port}:${r.port}`,
    "--volume", `${NODE_PATHS.models}:${MODELS_MOUNT}:ro`,
    ...(r.apiKey ? ["--env-file", apiKeyEnvFile(r.service)] : []),
    "--log-driver", "journald",
    r.image,
    ...server,
  ];
}

export function sglangUnit(r: SglangReplicaUnitInput): SystemdUnit {
  return containerUnit({
    name: sglangUnitName(r.service, r.replica),
    container: sglangContainerName(r.service, r.replica),
    description: `SGLang ${r.service} replica ${r.replica}: ${r.modelRepo} on GPUs ${r.gpus.join(",")}, port ${r.port}${r.apiKey ? `, API key from ${API_KEY_ENV}` : ""}`,
    unit: [
      // Wants, not Requires: another model's failed download must not stop this one.
      ...dependencyLines({ after: ["docker.service", GPU_CHECK_UNIT, WEIGHTS_UNIT], requires: ["docker.service", GPU_CHECK_UNIT], wants: [WEIGHTS_UNIT] }),
      `AssertPathExists=${weightsMarkerPath(NODE_PATHS.models, r.modelRepo)}`,
    ],
    preStart: r.apiKey ? [command(fetchApiKeyCommand(r.apiKey.region, r.apiKey.stack, r.service))] : [],
    run: sglangRun(r),
    stopGraceSec: 30,
  });
}

/** Host metrics for Prometheus on the node's private address. */
export function nodeExporterUnit(image: string, port: number = PORTS.nodeExporter): SystemdUnit {
  return containerUnit({
    name: NODE_EXPORTER_UNIT,
    container: "node-exporter",
    description: `node_exporter on port ${port}`,
    unit: dependencyLines({ after: ["docker.service"], requires: ["docker.service"] }),
    run: ["--network", "host", "--pid", "host", "--volume", "/:/host:ro,rslave", "--log-driver", "journald", image, "--path.rootfs=/host", `--web.listen-address=:${port}`],
  });
}

/** GPU metrics (DCGM) for Prometheus; needs the GPU check to have passed. */
export function dcgmExporterUnit(image: string, port: number = PORTS.dcgmExporter): SystemdUnit {
  return containerUnit({
    name: DCGM_EXPORTER_UNIT,
    container: "dcgm-exporter",
    description: `NVIDIA dcgm-exporter on port ${port}`,
    unit: dependencyLines({ after: ["docker.service", GPU_CHECK_UNIT], requires: ["docker.service", GPU_CHECK_UNIT] }),
    // The exporter listens on its default port inside the container.
    run: ["--gpus", "all", "--cap-add", "SYS_ADMIN", "--publish", `${port}:${PORTS.dcgmExporter}`, "--log-driver", "journald", image],
  });
}

/** The one unit enabled at boot: wants every serving unit of the node. */
export function servingTarget(units: readonly string[]): SystemdUnit {
  return bootTarget(SERVING_TARGET, "qwen-serving: GPU node bootstrap, weights and SGLang services", units);
}
