/**
 * The SGLang side of a Docker host: one run-once download container per model revision (its own
 * folder `<modelsPath>/rev-<model>-<hash>/`, so a new revision never touches the files a server
 * reads) and one container per replica, which waits for its revision's download.
 */
import { Artifact } from "../../render/artifact";
import { DEFAULT_ALERTS, durationSeconds } from "../../render/monitoring";
import { renderShellScript } from "../../render/scripts/sources";
import { WeightsModel } from "../../render/scripts/weights";
import { weightsRevisionDir, weightsText } from "../../render/scripts/weights-revision";
import { MODELS_MOUNT } from "../../sglang/launch-args";
import { loopbackPort } from "../../render/proxy/sites";
import { ContainerInput, ContainerSpec, LABELS, NO_GPUS, SecretUpload, baseSpec, upload } from "./spec";

/**
 * Health check on /health_generate (sglang-health.sh): every 30 s, curl's timeout (25 s) above
 * SGLang's own 20 s, Docker's timeout above curl's; 3 failures mark it unhealthy (`docker ps`), and
 * after 10 in a row (5 minutes, as the kubernetes liveness probe) the check restarts the server.
 */
export const SGLANG_HEALTHCHECK = { intervalSec: 30, timeoutSec: 30, retries: 3 } as const;
export const HEALTH = { curlTimeoutSec: 25, restartAfter: 10 } as const;
export const HEALTH_SCRIPT_PATH = "/opt/qwen-serving/sglang-health.sh";

/** The health check script as the containers carry it. */
export function renderHealthScript(): string {
  return renderShellScript("sglang-health.sh", { TIMEOUT: HEALTH.curlTimeoutSec, RESTART_AFTER: HEALTH.restartAfter });
}

/**
 * How long SGLang may take to open its port: the same allowance the SGLangDown alert gives, since
 * the port opens only after weights, KV cache and CUDA graphs are ready.
 */
export const SGLANG_START_PERIOD_SEC = durationSeconds(DEFAULT_ALERTS.sglangDownFor);

export interface SglangReplicaInput extends ContainerInput {
  readonly service: string;
  readonly replica: number;
  /** The weights it serves: a new revision is another folder, so the container is replaced. */
  readonly model: WeightsModel;
  /** The planned argv after `python3 -m sglang.launch_server`. */
  readonly launchArgs: readonly string[];
  readonly port: number;
  /** NVIDIA device ids: the planned GPU indices, or the host's GPU UUIDs at those indices. */
  readonly gpus: readonly string[];
  /** Host folder holding the revision folders. */
  readonly modelsPath: string;
  readonly shmSizeMiB: number;
  /** How long a stop waits before SIGKILL: the longest generation. */
  readonly stopGraceSec: number;
  /** The rendered sglang-health.sh (an artifact of the plan). */
  readonly healthScript: Artifact;
}

/**
 * The server command: exactly `python3 -m sglang.launch_server <argv>`, never `--api-key`: the
 * host's front proxy checks the key and SGLang never sees it.
 */
export function serverCommand(argv: readonly string[]): string[] {
  return ["python3", "-m", "sglang.launch_server", ...argv];
}

/** Key of the download container of a model revision; that revision's SGLang containers wait for it. */
export const weightsKey = (m: WeightsModel): string => `weights-${weightsRevisionDir(m)}`;

/** One SGLang server: exactly the planned argv, GPUs and port; its revision's folder read-only. */
export function sglangReplica(i: SglangReplicaInput): ContainerSpec {
  const dir = weightsRevisionDir(i.model);
  return {
    ...baseSpec("sglang", i, { [LABELS.service]: i.service, [LABELS.replica]: String(i.replica), [LABELS.weights]: weightsText(i.model), [LABELS.weightsDir]: dir }),
    key: `sglang-${i.service}-${i.replica}`,
    name: `${i.stack}-${i.service}-${i.replica}`,
    command: serverCommand(i.launchArgs),
    // On the host's loopback only, at the planned port's twin: the front proxy holds the planned port.
    ports: [{ internal: i.port, external: loopbackPort(i.port), ip: "127.0.0.1" }],
    gpus: [...i.gpus],
    // Private IPC with an explicit /dev/shm, not host IPC: a replica's TP ranks are processes of this
    // one container, so NCCL's shared-memory transport needs no IPC namespace beyond it; host IPC would
    // expose the host's and other containers' shared memory, and ignores shmSize (its /dev/shm is the host's).
    hostIpc: false,
    shmSizeMiB: i.shmSizeMiB,
    binds: [{ hostPath: `${i.modelsPath.replace(/\/+$/, "")}/${dir}`, containerPath: MODELS_MOUNT, readOnly: true }],
    files: [upload(i.healthScript, HEALTH_SCRIPT_PATH, "0755")],
    healthcheck: { test: ["CMD", "bash", HEALTH_SCRIPT_PATH, String(i.port)], ...SGLANG_HEALTHCHECK, startPeriodSec: SGLANG_START_PERIOD_SEC },
    // docker-init as PID 1 forwards the health check's SIGTERM (PID 1 ignores signals it has no handler for).
    init: true,
    stopGraceSec: i.stopGraceSec,
    after: weightsKey(i.model),
  };
}

export interface WeightsDownloadInput extends ContainerInput {
  readonly modelsPath: string;
  readonly model: WeightsModel;
  /** The rendered download script for this model (an artifact of the plan). */
  readonly script: Artifact;
  /** Token files the script reads, for the model's source when the stack has its secret. */
  readonly tokens: readonly SecretUpload[];
}

/** A first download of ~65 GB per model: about 5 hours at 30 Mbit/s; the next `pulumi up` resumes it if it still times out. */
export const WEIGHTS_TIMEOUT_MIN = 360;
/** Where the download script is copied in the container. */
export const WEIGHTS_SCRIPT_PATH = "/opt/qwen-serving/fetch-weights.sh";

/**
 * Makes `<modelsPath>/<revision folder>/<repo>/` complete, once, inside the pinned SGLang image. Its
 * name is its revision's, so a new revision is a new container beside the old one, never a replacement
 * of it, and the servers keep running until the new one has exited 0.
 */
export function weightsDownload(i: WeightsDownloadInput): ContainerSpec {
  const dir = weightsRevisionDir(i.model);
  return {
    ...baseSpec("weights", i, { [LABELS.weights]: weightsText(i.model), [LABELS.weightsDir]: dir }),
    key: weightsKey(i.model),
    name: `${i.stack}-weights-${dir}`,
    command: ["bash", WEIGHTS_SCRIPT_PATH, i.model.repo],
    env: [NO_GPUS],
    binds: [{ hostPath: `${i.modelsPath.replace(/\/+$/, "")}/${dir}`, containerPath: MODELS_MOUNT, readOnly: false }],
    restart: "no",
    runOnce: true,
    createTimeoutMin: WEIGHTS_TIMEOUT_MIN,
    files: [upload(i.script, WEIGHTS_SCRIPT_PATH, "0755")],
    secretFiles: [...i.tokens],
  };
}
