/**
 * How `pulumi up` reaches a Docker host besides the Docker provider: the ssh options both use (one
 * shared master connection per host), and the run-once command that starts a created container and
 * waits for its exit (docker-run-once.sh). Pure: no Pulumi imports.
 */
import { DOCKER_LABELS } from "../contract";
import { renderShellScript } from "../render/scripts/sources";
import { WEIGHTS_MARKER } from "../render/scripts/weights";

/**
 * ssh options of the Docker provider and of the run-once command. BatchMode: nobody can answer a
 * prompt during `pulumi up`. Keep-alives: a download holds one connection open for as long as it
 * takes. ControlMaster/ControlPersist: every provider call and run-once command to a host rides one
 * authenticated connection (ssh multiplexing, per user, host and port: %C), so dozens of resources
 * do not open dozens of connections at once and trip sshd's MaxStartups (default 10:30:100, which
 * drops unauthenticated connections beyond 10).
 */
export function sshOptions(controlPersistSeconds: number): string[] {
  const base = ["-o", "BatchMode=yes", "-o", "ServerAliveInterval=30"];
  if (controlPersistSeconds === 0) return base;
  return [...base, "-o", "ControlMaster=auto", "-o", "ControlPath=~/.ssh/qwen-serving-%C", "-o", `ControlPersist=${controlPersistSeconds}`];
}

export interface RunOnceScript {
  /** The host's Docker endpoint (`ssh://user@host[:port]`, `tcp://...`, `unix://...`). */
  readonly endpoint: string;
  readonly host: string;
  /** Docker name of the created, stopped container to run. */
  readonly container: string;
  /** What the container does, for the error message ("the weights download of Qwen/Qwen3-32B"). */
  readonly what: string;
  readonly sshOptions: readonly string[];
  /** After a download: the host folder holding revision folders (and the model's legacy folder), the model's prefix and the one just filled; the image to list, link and remove them with. */
  readonly prune?: { readonly root: string; readonly prefix: string; readonly keep: string; readonly image: string };
}

/** The command resource's script: starts the container attached, exits with its code, says how to retry. */
export function renderRunOnce(s: RunOnceScript): string {
  return renderShellScript("docker-run-once.sh", {
    ENDPOINT: s.endpoint,
    HOST: s.host,
    CONTAINER: s.container,
    WHAT: s.what,
    SSH_OPTS: [...s.sshOptions],
    PRUNE_ROOT: s.prune?.root ?? "",
    PRUNE_PREFIX: s.prune?.prefix ?? "",
    KEEP: s.prune?.keep ?? "",
    IMAGE: s.prune?.image ?? "",
    DIR_LABEL: DOCKER_LABELS.weightsDir,
    // The download container's weights label names its repo, hence the model's legacy folder.
    WEIGHTS_LABEL: DOCKER_LABELS.weights,
    MARKER: WEIGHTS_MARKER,
  });
}
