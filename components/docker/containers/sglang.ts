/** The SGLang side of a Docker host: the run-once weights download and one container per replica. */
import { Artifact } from "../../render/artifact";
import { DEFAULT_ALERTS, durationSeconds } from "../../render/monitoring";
import { MODELS_MOUNT } from "../../sglang/launch-args";
import { loopbackPort } from "../../render/proxy/sites";
import { ContainerInput, ContainerSpec, LABELS, SecretUpload, baseSpec, upload } from "./spec";

/** Docker's default health-check cadence is 30 s; retries 3 means 90 s of failures to turn unhealthy. */
export const SGLANG_HEALTHCHECK = { intervalSec: 30, timeoutSec: 5, retries: 3 } as const;

/**
 * How long SGLang may take to open its port: the same allowance the SGLangDown alert gives, since
 * the port opens only after weights, KV cache and CUDA graphs are ready.
 */
export const SGLANG_START_PERIOD_SEC = durationSeconds(DEFAULT_ALERTS.sglangDownFor);

export interface SglangReplicaInput extends ContainerInput {
  readonly service: string;
  readonly replica: number;
  /** `<source>:<repo>@<revision>` of the weights it serves: a new revision replaces the container. */
  readonly weights: string;
  /** The planned argv after `python3 -m sglang.launch_server`. */
  readonly launchArgs: readonly string[];
  readonly port: number;
  readonly gpus: readonly number[];
  /** Host folder holding `<repo>/` trees. */
  readonly modelsPath: string;
  readonly shmSizeMiB: number;
}

/**
 * The server command: exactly `python3 -m sglang.launch_server <argv>`, never `--api-key`: the
 * host's front proxy checks the key and SGLang never sees it.
 */
export function serverCommand(argv: readonly string[]): string[] {
  return ["python3", "-m", "sglang.launch_server", ...argv];
}

/** One SGLang server: exactly the planned argv, GPUs and port; weights read-only. */
export function sglangReplica(i: SglangReplicaInput): ContainerSpec {
  return {
    ...baseSpec("sglang", i, { [LABELS.service]: i.service, [LABELS.replica]: String(i.replica), [LABELS.weights]: i.weights }),
    key: `sglang-${i.service}-${i.replica}`,
    name: `${i.stack}-${i.service}-${i.replica}`,
    command: serverCommand(i.launchArgs),
    // On the host's loopback only, at the planned port's twin: the front proxy holds the planned port.
    ports: [{ internal: i.port, external: loopbackPort(i.port), ip: "127.0.0.1" }],
    gpus: [...i.gpus],
    // As SGLang's own `docker run`: host IPC for NCCL, a large /dev/shm where IPC is private.
    hostIpc: true,
    shmSizeMiB: i.shmSizeMiB,
    binds: [{ hostPath: i.modelsPath, containerPath: MODELS_MOUNT, readOnly: true }],
    healthcheck: { test: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${i.port}/health`], ...SGLANG_HEALTHCHECK, startPeriodSec: SGLANG_START_PERIOD_SEC },
    after: WEIGHTS_KEY,
  };
}

export interface WeightsDownloadInput extends ContainerInput {
  readonly modelsPath: string;
  /** The rendered download script (an artifact of the plan). */
  readonly script: Artifact;
  /** Token files the script reads, for the sources this host downloads from and the stack has secrets for. */
  readonly tokens: readonly SecretUpload[];
}

/** Key of a host's download container; its SGLang containers start only after it succeeded. */
export const WEIGHTS_KEY = "weights";
/** A first download of ~65 GB per model: about 5 hours at 30 Mbit/s; resumable if it still times out. */
export const WEIGHTS_TIMEOUT_MIN = 360;
/** Where the download script is copied in the container. */
export const WEIGHTS_SCRIPT_PATH = "/opt/qwen-serving/fetch-weights.sh";

/** Makes `<modelsPath>/<repo>/` complete for every model of the host, once, inside the pinned SGLang image. */
export function weightsDownload(i: WeightsDownloadInput): ContainerSpec {
  return {
    ...baseSpec("weights", i),
    key: WEIGHTS_KEY,
    name: `${i.stack}-weights`,
    command: ["bash", WEIGHTS_SCRIPT_PATH],
    binds: [{ hostPath: i.modelsPath, containerPath: MODELS_MOUNT, readOnly: false }],
    restart: "no",
    runOnce: true,
    createTimeoutMin: WEIGHTS_TIMEOUT_MIN,
    files: [upload(i.script, WEIGHTS_SCRIPT_PATH, "0755")],
    secretFiles: [...i.tokens],
  };
}
