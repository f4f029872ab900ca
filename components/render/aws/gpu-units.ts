import { NODE_PATHS, PORTS } from "../../contract";
import { MODELS_MOUNT } from "../../sglang/launch-args";
import { loopbackPort } from "../proxy/sites";
import { renderShellScript } from "../scripts/sources";
import { weightsMarkerPath } from "../scripts/weights";
import { bootTarget, command, containerUnit, dependencyLines, DOCKER, oneshotUnit, SystemdUnit } from "../systemd";

/**
 * systemd units of a GPU node (pure). Boot order, each step gating the next:
 *
 *   qwen-nvidia-setup (plain Ubuntu only) -> docker, Fabric Manager -> qwen-gpu-check (stamp) ---------.
 *   qwen-cache-mount -> qwen-weights-<model> (tokens from SSM, then the weights container; marker) --> sglang-<service>-<replica>
 *
 * Every gate recovers by itself from a transient failure, with no operator action: the oneshot
 * steps restart on failure (systemd 249, the DLAMI's, has no RestartSteps=, so the back-off of a
 * download is the script's own, per file), and an SGLang unit does not Require= or Assert= them
 * (a start job that fails on a dependency or an assert is never retried): it waits in
 * `ExecStartPre=` for the GPU check's stamp and its own model's completion marker, and restarts
 * until both exist. So a node without working GPUs keeps every service down, a model whose
 * download is failing keeps only its own services down, and both come up once the cause is gone.
 * `qwen-serving.target` pulls everything in; it is the one unit enabled at boot. Long-running
 * containers are render/systemd.ts `containerUnit`s.
 */

export const SERVING_TARGET = "qwen-serving.target";
export const NVIDIA_SETUP_UNIT = "qwen-nvidia-setup.service";
export const GPU_CHECK_UNIT = "qwen-gpu-check.service";
export const CACHE_MOUNT_UNIT = "qwen-cache-mount.service";
/** Written by the GPU check when every check passed; on tmpfs, so each boot checks again. */
export const GPU_OK_STAMP = "/run/qwen-serving/gpu-ok";
/** How long one `ExecStartPre=` wait for a stamp or marker lasts before the unit restarts and waits again. */
const GATE_WAIT_SECONDS = 300;
export const NODE_EXPORTER_UNIT = "node-exporter.service";
export const DCGM_EXPORTER_UNIT = "dcgm-exporter.service";

/** Scripts the units run, at their node paths. */
export const NODE_SCRIPTS = {
  nvidiaSetup: `${NODE_PATHS.bin}/nvidia-install.sh`,
  gpuCheck: `${NODE_PATHS.bin}/gpu-check.sh`,
  mountCache: `${NODE_PATHS.bin}/mount-cache.sh`,
  fetchSecrets: `${NODE_PATHS.bin}/fetch-secrets.sh`,
  weights: `${NODE_PATHS.bin}/fetch-weights.sh`,
  waitFor: `${NODE_PATHS.bin}/wait-for.sh`,
} as const;

/** One download unit per model: `qwen-weights-qwen-qwen3-32b.service` for `Qwen/Qwen3-32B`. */
export const weightsContainerName = (repo: string): string =>
  `qwen-weights-${repo
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")}`;
export const weightsUnitName = (repo: string): string => `${weightsContainerName(repo)}.service`;

/** wait-for.sh: waits (bounded) until every given file exists, saying which one it waits for. */
export function renderWaitForScript(): string {
  return renderShellScript<{ WAIT_SECONDS: number }>("wait-for.sh", { WAIT_SECONDS: GATE_WAIT_SECONDS });
}

/** The gate of a unit that needs `files`: wait in ExecStartPre, so a restart (not an operator) retries. */
const waitFor = (files: readonly string[]) => command([NODE_SCRIPTS.waitFor, ...files]);

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
    // After the NVIDIA daemons: on NVSwitch types CUDA needs Fabric Manager's trained fabric (the script waits for it).
    deps: {
      after: ["docker.service", "network-online.target", "nvidia-persistenced.service", "nvidia-fabricmanager.service", ...setup],
      requires: ["docker.service", ...setup],
      wants: ["network-online.target"],
    },
    // Includes the first pull of the ~11 GiB SGLang image.
    service: ["TimeoutStartSec=3600", `ExecStart=${command([NODE_SCRIPTS.gpuCheck, GPU_OK_STAMP])}`, "Restart=on-failure", "RestartSec=30"],
  });
}

export function cacheMountUnit(): SystemdUnit {
  return oneshotUnit({
    name: CACHE_MOUNT_UNIT,
    description: `qwen-serving: mount the weight cache volume at ${NODE_PATHS.models}`,
    deps: { after: ["local-fs.target"] },
    // The script waits up to 30 minutes for the volume attachment.
    service: ["TimeoutStartSec=2400", `ExecStart=${NODE_SCRIPTS.mountCache}`, "Restart=on-failure", "RestartSec=30"],
  });
}

/**
 * One model's download: tokens from SSM, then the shared weights script inside the SGLang image,
 * for this model only, so each model arrives (and its services start) as soon as it is complete.
 */
export function weightsUnit(image: string, repo: string): SystemdUnit {
  const container = weightsContainerName(repo);
  const run = [
    DOCKER,
    "run",
    "--rm",
    "--name",
    container,
    "--log-driver",
    "journald",
    "--volume",
    `${NODE_PATHS.models}:${MODELS_MOUNT}`,
    "--volume",
    `${NODE_PATHS.secrets}:/run/secrets:ro`,
    "--volume",
    `${NODE_SCRIPTS.weights}:${WEIGHTS_IN_CONTAINER}:ro`,
    image,
    "bash",
    WEIGHTS_IN_CONTAINER,
    repo,
  ];
  return oneshotUnit({
    name: weightsUnitName(repo),
    description: `qwen-serving: download ${repo} once into the cache, verified`,
    // Wants, not Requires, the mount step: it restarts on failure, and this unit checks the mount itself.
    deps: { after: ["docker.service", CACHE_MOUNT_UNIT, "network-online.target"], requires: ["docker.service"], wants: [CACHE_MOUNT_UNIT, "network-online.target"] },
    service: [
      "TimeoutStartSec=21600",
      // Never into the root disk's /models folder: only onto the mounted cache volume.
      `ExecStartPre=/usr/bin/mountpoint -q ${NODE_PATHS.models}`,
      `ExecStartPre=${NODE_SCRIPTS.fetchSecrets}`,
      `ExecStartPre=-${command([DOCKER, "rm", "--force", container])}`,
      `ExecStart=${command(run)}`,
      "Restart=on-failure",
      "RestartSec=30",
    ],
  });
}

/** One planned SGLang replica: what its unit runs. */
export interface SglangReplicaUnitInput {
  readonly service: string;
  readonly replica: number;
  /** Planned GPU indices: the container sees exactly these. */
  readonly gpus: readonly number[];
  /**
   * Planned port (the service port, or a worker port behind a router): SGLang's `--port` in its
   * container, published on the node's 127.0.0.1 at its loopback twin; the front proxy holds it.
   */
  readonly port: number;
  /** The builder's argv, after `python3 -m sglang.launch_server`. */
  readonly launchArgs: readonly string[];
  /** Repository folder under the cache, whose completion marker gates the unit. */
  readonly modelRepo: string;
  /** Pinned SGLang image. */
  readonly image: string;
}

/**
 * The `docker run` options, image and command of one replica: only the planned GPUs
 * (`--gpus "device=0,1"`, the quotes keep the comma inside one device list), the host IPC
 * namespace (NCCL and CUDA IPC between TP ranks; it also gives the container the host's /dev/shm,
 * half of RAM, so no --shm-size), unlimited locked memory as SGLang's compose file sets, the cache
 * read-only, the planned port on the node's loopback only, and then exactly
 * `python3 -m sglang.launch_server <the builder's argv>`: never `--api-key`, since the node's front
 * proxy checks the key and SGLang logs its whole server_args.
 */
function sglangRun(r: SglangReplicaUnitInput): string[] {
  return [
    "--gpus",
    `"device=${r.gpus.join(",")}"`,
    "--ipc=host",
    "--ulimit",
    "memlock=-1",
    "--ulimit",
    "stack=67108864",
    "--publish",
    `127.0.0.1:${loopbackPort(r.port)}:${r.port}`,
    "--volume",
    `${NODE_PATHS.models}:${MODELS_MOUNT}:ro`,
    "--log-driver",
    "journald",
    r.image,
    "python3",
    "-m",
    "sglang.launch_server",
    ...r.launchArgs,
  ];
}

export function sglangUnit(r: SglangReplicaUnitInput): SystemdUnit {
  return containerUnit({
    name: sglangUnitName(r.service, r.replica),
    container: sglangContainerName(r.service, r.replica),
    description: `SGLang ${r.service} replica ${r.replica}: ${r.modelRepo} on GPUs ${r.gpus.join(",")}, port ${r.port} behind the front proxy (127.0.0.1:${loopbackPort(r.port)})`,
    unit: [
      // Wants, not Requires: the gates restart until they pass, and this unit waits for their stamps.
      ...dependencyLines({ after: ["docker.service", GPU_CHECK_UNIT, weightsUnitName(r.modelRepo)], requires: ["docker.service"], wants: [GPU_CHECK_UNIT, weightsUnitName(r.modelRepo)] }),
      `RequiresMountsFor=${NODE_PATHS.models}`,
    ],
    preStart: [waitFor([GPU_OK_STAMP, weightsMarkerPath(NODE_PATHS.models, r.modelRepo)])],
    startTimeoutSec: GATE_WAIT_SECONDS + 60,
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
    unit: dependencyLines({ after: ["docker.service", GPU_CHECK_UNIT], requires: ["docker.service"], wants: [GPU_CHECK_UNIT] }),
    preStart: [waitFor([GPU_OK_STAMP])],
    startTimeoutSec: GATE_WAIT_SECONDS + 60,
    // The exporter listens on its default port inside the container.
    run: ["--gpus", "all", "--cap-add", "SYS_ADMIN", "--publish", `${port}:${PORTS.dcgmExporter}`, "--log-driver", "journald", image],
  });
}

/** The one unit enabled at boot: wants every serving unit of the node. */
export function servingTarget(units: readonly string[]): SystemdUnit {
  return bootTarget(SERVING_TARGET, "qwen-serving: GPU node bootstrap, weights and SGLang services", units);
}
