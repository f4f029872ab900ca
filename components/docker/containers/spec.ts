/**
 * What runs on a Docker host, as plain data: one ContainerSpec per container. Pure (no Pulumi
 * imports), so tests check exactly what DockerHost hands to `docker.Container`.
 */
import { DOCKER_LABELS } from "../../contract";
import { Artifact } from "../../render/artifact";

/** What a container is for; also its `qwen-serving.role` label. */
export type ContainerRole = "weights" | "sglang" | "proxy" | "router-install" | "router" | "node-exporter" | "dcgm-exporter" | "prometheus" | "grafana" | "alertmanager";

/** Secrets a container may receive, as a file; names match ServingSecrets (`apiKeys.<service>` for one key). */
export type SecretName = "hfToken" | "modelscopeToken" | "grafanaAdminPassword" | `apiKeys.${string}` | `alertingSecrets.${string}`;

/** A rendered file (an artifact of the plan) copied into the container before it starts. */
export interface FileUpload {
  readonly containerPath: string;
  /** The artifact the content comes from (relative path in the plan's out folder). */
  readonly artifactPath: string;
  readonly content: string;
  /** Octal mode, as docker expects it (`"0644"`). */
  readonly mode: string;
}

/** A secret copied into the container as a file: the spec names it, the content never appears here. */
export interface SecretUpload {
  readonly containerPath: string;
  readonly secret: SecretName;
  readonly mode: string;
}

export interface Healthcheck {
  /** Docker's `test` form: `["CMD", ...argv]`. */
  readonly test: readonly string[];
  readonly intervalSec: number;
  readonly timeoutSec: number;
  /** Failures during this window do not count: SGLang opens its port only when fully loaded. */
  readonly startPeriodSec: number;
  readonly retries: number;
}

export interface ContainerSpec {
  /** Suffix of the Pulumi logical name; unique on its host. */
  readonly key: string;
  readonly role: ContainerRole;
  /** The host (`hosts[].name`) the container runs on. */
  readonly host: string;
  /** Docker container name; unique on the host. */
  readonly name: string;
  /** Pinned image reference. */
  readonly image: string;
  /** Arguments after the image's entrypoint; for SGLang the whole `python3 -m sglang.launch_server` argv. */
  readonly command: readonly string[];
  /** Plain environment. Never holds a secret: secrets arrive as files (`secretFiles`). */
  readonly env: readonly string[];
  /** Published ports: host port `external` (on host address `ip`, default all) forwards to container port `internal`. */
  readonly ports: readonly { readonly internal: number; readonly external: number; readonly ip?: string }[];
  /** NVIDIA device ids (indices or `GPU-<uuid>`) of a device request, or every GPU. @default - none */
  readonly gpus?: readonly string[] | "all";
  /** Share the host's IPC namespace; with it `shmSizeMiB` would be ignored, so a spec has one or the other. */
  readonly hostIpc: boolean;
  /** Host network namespace: the container's listen ports are host ports (nothing is published). */
  readonly hostNetwork: boolean;
  /** Ports it listens on in the host network namespace (with `hostNetwork`). */
  readonly hostPorts: readonly number[];
  /** Host PID namespace (node_exporter reports the host's processes). */
  readonly hostPid: boolean;
  /** /dev/shm size in MiB, with private IPC only. @default - Docker's 64 MiB */
  readonly shmSizeMiB?: number;
  /** Run docker-init as PID 1 (`--init`), which forwards signals to the program. @default false */
  readonly init?: boolean;
  /** Seconds `docker stop` and a Pulumi replace or destroy wait before SIGKILL. @default - Docker's 10 */
  readonly stopGraceSec?: number;
  /** Linux capabilities added to Docker's default set. */
  readonly capAdd: readonly string[];
  /** Host folders mounted into the container. */
  readonly binds: readonly { readonly hostPath: string; readonly containerPath: string; readonly readOnly: boolean; readonly propagation?: "rslave" }[];
  /** Named Docker volumes (created on the host) mounted into the container. */
  readonly volumes: readonly { readonly volume: string; readonly containerPath: string; readonly readOnly: boolean }[];
  readonly healthcheck?: Healthcheck;
  readonly restart: "unless-stopped" | "no";
  /**
   * Created stopped; `pulumi up` starts it and waits for its exit through a command resource
   * (run-once.ts), which fails the up on a non-zero exit and, not being recorded, runs again at the next up.
   */
  readonly runOnce: boolean;
  /** How long `pulumi up` may wait for the container to be created (and, run-once, to finish). @default - the provider's 20 minutes */
  readonly createTimeoutMin?: number;
  /** Key of a run-once container on the same host that must have exited 0 before this one is created or replaced. */
  readonly after?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly files: readonly FileUpload[];
  readonly secretFiles: readonly SecretUpload[];
}

/** Label keys every container carries (contract: the plan's hosts table reads them too). */
export const LABELS = DOCKER_LABELS;

/** The CUDA base image sets NVIDIA_VISIBLE_DEVICES=all; where the NVIDIA runtime is Docker's default, `void` keeps GPUs out of containers that request none. */
export const NO_GPUS = "NVIDIA_VISIBLE_DEVICES=void";

/** Where secret files go inside containers. */
export const SECRETS_DIR = "/run/secrets";

/** What every container builder is given: where it runs and from which pinned image. */
export interface ContainerInput {
  /** The stack name: container names, volumes and the stack label start with it. */
  readonly stack: string;
  /** The host (`hosts[].name`) it runs on. */
  readonly host: string;
  /** Pinned image reference. */
  readonly image: string;
}

/** Fields most containers share, and the input's host and image; each builder overrides what differs. */
export function baseSpec(
  role: ContainerRole,
  i: ContainerInput,
  extra: Record<string, string> = {},
): Pick<
  ContainerSpec,
  "role" | "host" | "image" | "env" | "ports" | "hostIpc" | "hostNetwork" | "hostPorts" | "hostPid" | "capAdd" | "binds" | "volumes" | "restart" | "runOnce" | "labels" | "files" | "secretFiles"
> {
  return {
    role,
    host: i.host,
    image: i.image,
    env: [],
    ports: [],
    hostIpc: false,
    hostNetwork: false,
    hostPorts: [],
    hostPid: false,
    capAdd: [],
    binds: [],
    volumes: [],
    restart: "unless-stopped",
    runOnce: false,
    labels: { [LABELS.stack]: i.stack, [LABELS.host]: i.host, [LABELS.role]: role, ...extra },
    files: [],
    secretFiles: [],
  };
}

/** An artifact copied into a container at `containerPath`. */
export const upload = (a: Artifact, containerPath: string, mode = "0644"): FileUpload => ({ containerPath, artifactPath: a.path, content: a.content, mode });
