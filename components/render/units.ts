import { API_KEY_ENV, apiKeyEnvFile, fetchApiKeyCommand, serverCommandWithApiKey } from "./api-key";
import { DEFAULT_DCGM_PORT, DEFAULT_NODE_EXPORTER_PORT } from "./monitoring/types";
import { DOCKER, SystemdUnit, systemdArg } from "./router-unit";
import { NODE_PATHS } from "./scripts/node-paths";
import { weightsMarkerPath } from "./scripts/weights";
import { MODELS_MOUNT } from "../sglang/launch-args";

/**
 * systemd units of a GPU node (pure). Boot order, each step gating the next:
 *
 *   qwen-nvidia-setup (plain Ubuntu only) -> docker -> qwen-gpu-check ----------------------.
 *   qwen-cache-mount -> qwen-weights (tokens from SSM, then the weights container) ------> sglang-<service>-<replica>
 *
 * An SGLang unit requires the GPU check (a node without working GPUs keeps every service down)
 * and asserts its model's completion marker (a model whose download failed keeps only its own
 * services down). `qwen-serving.target` pulls everything in; it is the one unit enabled at boot.
 * Containers run with `--rm` under `Restart=always`, so systemd owns their lifecycle and their
 * output lands in the journal.
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

const command = (argv: readonly string[]) => argv.map(systemdArg).join(" ");

function unit(sections: Record<string, readonly string[]>): string {
  return `${Object.entries(sections)
    .map(([name, lines]) => [`[${name}]`, ...lines].join("\n"))
    .join("\n\n")}\n`;
}

interface Deps {
  readonly after: readonly string[];
  readonly requires?: readonly string[];
  readonly wants?: readonly string[];
  readonly before?: readonly string[];
}

const depLines = (d: Deps) => [
  ...(d.before?.length ? [`Before=${d.before.join(" ")}`] : []),
  `After=${d.after.join(" ")}`,
  ...(d.requires?.length ? [`Requires=${d.requires.join(" ")}`] : []),
  ...(d.wants?.length ? [`Wants=${d.wants.join(" ")}`] : []),
];

/** A oneshot step that stays "active" once done, so later units can require it. */
function oneshot(name: string, description: string, deps: Deps, service: readonly string[]): SystemdUnit {
  return { name, enable: false, content: unit({ Unit: [`Description=${description}`, ...depLines(deps)], Service: ["Type=oneshot", "RemainAfterExit=yes", ...service] }) };
}

/** Plain Ubuntu: driver, Docker and toolkit before anything uses them (on later boots a quick no-op). */
export function nvidiaSetupUnit(): SystemdUnit {
  return oneshot(NVIDIA_SETUP_UNIT, "qwen-serving: NVIDIA driver, Docker and NVIDIA Container Toolkit", { before: ["docker.service"], after: ["network-online.target"], wants: ["network-online.target"] }, [
    "TimeoutStartSec=3600",
    `ExecStart=${NODE_SCRIPTS.nvidiaSetup}`,
  ]);
}

/** The GPU check; `ubuntu` adds the setup unit as a requirement. */
export function gpuCheckUnit(opts: { readonly ubuntu: boolean }): SystemdUnit {
  const setup = opts.ubuntu ? [NVIDIA_SETUP_UNIT] : [];
  return oneshot(GPU_CHECK_UNIT, "qwen-serving: GPUs answer on the host and in a container (SGLang stays down otherwise)", { after: ["docker.service", "network-online.target", ...setup], requires: ["docker.service", ...setup], wants: ["network-online.target"] }, [
    // Includes the first pull of the ~11 GiB SGLang image.
    "TimeoutStartSec=3600",
    `ExecStart=${NODE_SCRIPTS.gpuCheck}`,
  ]);
}

export function cacheMountUnit(): SystemdUnit {
  return oneshot(CACHE_MOUNT_UNIT, `qwen-serving: mount the weight cache volume at ${MODELS_MOUNT}`, { after: ["local-fs.target"] }, [
    // The script waits up to 30 minutes for the volume attachment.
    "TimeoutStartSec=2400",
    `ExecStart=${NODE_SCRIPTS.mountCache}`,
  ]);
}

/** Tokens from SSM, then the shared weights script inside the SGLang image. */
export function weightsUnit(image: string): SystemdUnit {
  const run = [DOCKER, "run", "--rm", "--name", "qwen-weights", "--log-driver", "journald",
    "--volume", `${MODELS_MOUNT}:${MODELS_MOUNT}`,
    "--volume", `${NODE_PATHS.secrets}:/run/secrets:ro`,
    "--volume", `${NODE_SCRIPTS.weights}:${WEIGHTS_IN_CONTAINER}:ro`,
    image, "bash", WEIGHTS_IN_CONTAINER];
  return oneshot(WEIGHTS_UNIT, "qwen-serving: download each model once into the cache, verified", { after: ["docker.service", CACHE_MOUNT_UNIT, "network-online.target"], requires: ["docker.service", CACHE_MOUNT_UNIT], wants: ["network-online.target"] }, [
    "TimeoutStartSec=21600",
    `ExecStartPre=${NODE_SCRIPTS.fetchSecrets}`,
    `ExecStartPre=-${command([DOCKER, "rm", "--force", "qwen-weights"])}`,
    `ExecStart=${command(run)}`,
  ]);
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
  /** Set when the service has an API key: region and stack locate its SSM parameter (see render/api-key.ts). */
  readonly apiKey?: { readonly region: string; readonly stack: string };
}

/**
 * The `docker` argv of one replica: only the planned GPUs (`--gpus "device=0,1"`, the quotes keep
 * the comma inside one device list), the host IPC namespace (NCCL and CUDA IPC between TP ranks;
 * it also gives the container the host's /dev/shm, half of RAM, so no --shm-size), unlimited
 * locked memory as SGLang's compose file sets, the cache read-only, the planned port, and then
 * `python3 -m sglang.launch_server` with exactly the builder's argv.
 */
export function sglangDockerArgs(r: SglangReplicaUnitInput): string[] {
  const server = r.apiKey ? serverCommandWithApiKey(r.launchArgs) : ["python3", "-m", "sglang.launch_server", ...r.launchArgs];
  return [
    "run", "--rm", "--name", sglangContainerName(r.service, r.replica),
    "--gpus", `"device=${r.gpus.join(",")}"`,
    "--ipc=host",
    "--ulimit", "memlock=-1",
    "--ulimit", "stack=67108864",
    "--publish", `${r.port}:${r.port}`,
    "--volume", `${MODELS_MOUNT}:${MODELS_MOUNT}:ro`,
    ...(r.apiKey ? ["--env-file", apiKeyEnvFile(r.service)] : []),
    "--log-driver", "journald",
    r.image,
    ...server,
  ];
}

export function sglangUnit(r: SglangReplicaUnitInput): SystemdUnit {
  const name = sglangContainerName(r.service, r.replica);
  return {
    name: sglangUnitName(r.service, r.replica),
    enable: false,
    content: unit({
      Unit: [
        `Description=SGLang ${r.service} replica ${r.replica}: ${r.modelRepo} on GPUs ${r.gpus.join(",")}, port ${r.port}${r.apiKey ? `, API key from ${API_KEY_ENV}` : ""}`,
        `After=docker.service ${GPU_CHECK_UNIT} ${WEIGHTS_UNIT}`,
        `Requires=docker.service ${GPU_CHECK_UNIT}`,
        // Wants, not Requires: another model's failed download must not stop this one.
        `Wants=${WEIGHTS_UNIT}`,
        `AssertPathExists=${weightsMarkerPath(MODELS_MOUNT, r.modelRepo)}`,
      ],
      Service: [
        `ExecStartPre=-${command([DOCKER, "rm", "--force", name])}`,
        ...(r.apiKey ? [`ExecStartPre=${command(fetchApiKeyCommand(r.apiKey.region, r.apiKey.stack, r.service))}`] : []),
        `ExecStart=${command([DOCKER, ...sglangDockerArgs(r)])}`,
        `ExecStop=${command([DOCKER, "stop", "--time", "30", name])}`,
        "Restart=always",
        "RestartSec=10",
        "TimeoutStopSec=60",
      ],
    }),
  };
}

/** Host metrics for Prometheus on the node's private address. */
export function nodeExporterUnit(image: string, port = DEFAULT_NODE_EXPORTER_PORT): SystemdUnit {
  const run = [DOCKER, "run", "--rm", "--name", "node-exporter", "--network", "host", "--pid", "host", "--volume", "/:/host:ro,rslave", "--log-driver", "journald", image, "--path.rootfs=/host", `--web.listen-address=:${port}`];
  return {
    name: NODE_EXPORTER_UNIT,
    enable: false,
    content: unit({
      Unit: [`Description=node_exporter on port ${port}`, "After=docker.service", "Requires=docker.service"],
      Service: [`ExecStartPre=-${command([DOCKER, "rm", "--force", "node-exporter"])}`, `ExecStart=${command(run)}`, `ExecStop=${command([DOCKER, "stop", "node-exporter"])}`, "Restart=always", "RestartSec=10"],
    }),
  };
}

/** GPU metrics (DCGM) for Prometheus; needs the GPU check to have passed. */
export function dcgmExporterUnit(image: string, port = DEFAULT_DCGM_PORT): SystemdUnit {
  const run = [DOCKER, "run", "--rm", "--name", "dcgm-exporter", "--gpus", "all", "--cap-add", "SYS_ADMIN", "--publish", `${port}:9400`, "--log-driver", "journald", image];
  return {
    name: DCGM_EXPORTER_UNIT,
    enable: false,
    content: unit({
      Unit: [`Description=NVIDIA dcgm-exporter on port ${port}`, `After=docker.service ${GPU_CHECK_UNIT}`, `Requires=docker.service ${GPU_CHECK_UNIT}`],
      Service: [`ExecStartPre=-${command([DOCKER, "rm", "--force", "dcgm-exporter"])}`, `ExecStart=${command(run)}`, `ExecStop=${command([DOCKER, "stop", "dcgm-exporter"])}`, "Restart=always", "RestartSec=10"],
    }),
  };
}

/** The one unit enabled at boot: wants every serving unit of the node. */
export function servingTarget(units: readonly string[]): SystemdUnit {
  return {
    name: SERVING_TARGET,
    enable: true,
    content: unit({
      Unit: ["Description=qwen-serving: GPU node bootstrap, weights and SGLang services", `Wants=${units.join(" ")}`, "After=network-online.target"],
      Install: ["WantedBy=multi-user.target"],
    }),
  };
}
