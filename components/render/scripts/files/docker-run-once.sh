#!/bin/bash
# qwen-serving run-once: runs a created, stopped container on a Docker host to completion
# (`docker start --attach`) and exits with its code. `pulumi up` runs this as a command resource;
# a failed run is not recorded, so the next `pulumi up` runs it again by itself, and nothing that
# waits for it (the SGLang containers of a new weights revision) is touched meanwhile.
# Before a weights download it removes the host's other revision folders of that model that no
# container mounts (label qwen-serving.weights-dir): the one a server still reads stays (and is the
# rollback until the next revision), so a host holds at most two revisions of a model.
# TLS material for tcp:// hosts comes in the environment (QWEN_DOCKER_TLS_CA, _CERT, _KEY).
# Rendered by components/docker/run-once.ts.
# Header (components/docker/run-once.ts): ENDPOINT HOST CONTAINER WHAT SSH_OPTS PRUNE_ROOT PRUNE_PREFIX KEEP IMAGE DIR_LABEL
set -uo pipefail

say() { printf 'qwen-serving: %s\n' "$*" >&2; }

tls=()
case "$ENDPOINT" in
  ssh://*)
    rest=${ENDPOINT#ssh://}
    rest=${rest%%/*}
    port=()
    if [[ "$rest" =~ ^(.*):([0-9]+)$ ]]; then
      rest=${BASH_REMATCH[1]}
      port=(-p "${BASH_REMATCH[2]}")
    fi
    # ssh hands the remote shell one line: quote every word.
    dock() { ssh "${SSH_OPTS[@]}" "${port[@]}" "$rest" -- "$(printf '%q ' docker "$@")"; }
    ;;
  tcp://*)
    certs=$(mktemp -d)
    trap 'rm -rf "$certs"' EXIT
    (umask 077 && printf '%s\n' "${QWEN_DOCKER_TLS_CA:?}" > "$certs/ca.pem" && printf '%s\n' "${QWEN_DOCKER_TLS_CERT:?}" > "$certs/cert.pem" && printf '%s\n' "${QWEN_DOCKER_TLS_KEY:?}" > "$certs/key.pem") || exit 2
    tls=(--tlsverify --tlscacert "$certs/ca.pem" --tlscert "$certs/cert.pem" --tlskey "$certs/key.pem")
    dock() { docker -H "$ENDPOINT" "${tls[@]}" "$@"; }
    ;;
  *)
    dock() { docker -H "$ENDPOINT" "$@"; }
    ;;
esac

# Best effort: a folder left behind only costs disk.
prune() {
  [[ -n "$PRUNE_PREFIX" ]] || return 0
  local used dir stale=() present=()
  used=$(dock ps --all --filter "label=$DIR_LABEL" --format "{{.Label \"$DIR_LABEL\"}}") || { say "warning: could not list the containers on $HOST; old revision folders stay"; return 0; }
  mapfile -t present < <(dock run --rm --network none -e NVIDIA_VISIBLE_DEVICES=void -v "$PRUNE_ROOT:/cache" "$IMAGE" bash -c 'ls -1 /cache' 2>/dev/null)
  for dir in "${present[@]}"; do
    [[ "$dir" == "$PRUNE_PREFIX"* && "$dir" != "$KEEP" ]] || continue
    grep -Fxq -- "$dir" <<<"$used" && continue
    stale+=("$dir")
  done
  if (( ${#stale[@]} )); then
    say "removing revision folders no container uses on $HOST: ${stale[*]}"
    dock run --rm --network none -e NVIDIA_VISIBLE_DEVICES=void -v "$PRUNE_ROOT:/cache" -w /cache "$IMAGE" rm -rf -- "${stale[@]}" || say "warning: could not remove ${stale[*]} on $HOST"
  fi
}

prune
dock start --attach "$CONTAINER"
code=$?
if (( code != 0 )); then
  case $code in
    2) why="the container's environment is wrong (cache folder not writable, a tool missing)" ;;
    3) why="the hub kept failing after every retry (network, token, rate limit)" ;;
    4) why="files on disk do not match the source's listing" ;;
    125 | 126 | 127 | 255) why="the Docker daemon at $ENDPOINT could not run it (unreachable, or the container is gone)" ;;
    *) why="it failed" ;;
  esac
  say "$WHAT on host $HOST exited $code: $why. Nothing that serves was changed."
  say "why: on $HOST, docker logs $CONTAINER"
  say "retry: run 'pulumi up' again once the cause is fixed; it runs $CONTAINER again by itself, and a download resumes its partial files."
  exit "$code"
fi
exit 0
