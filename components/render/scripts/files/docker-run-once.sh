#!/bin/bash
# qwen-serving run-once: runs a created, stopped container on a Docker host to completion
# (`docker start --attach`) and exits with its code. `pulumi up` runs this as a command resource;
# a failed run is not recorded, so the next `pulumi up` runs it again by itself, and nothing that
# waits for it (the SGLang containers of a new weights revision) is touched meanwhile.
# Before a weights download it removes the host's other revision folders of that model that no
# container mounts (label qwen-serving.weights-dir): the one a server still reads stays (and is the
# rollback until the next revision), so a host holds at most two revisions of a model.
# The model's legacy folder (PRUNE_ROOT/<org>/<name>/ with the marker, from before revision folders,
# which old containers may still mount) is hard-linked into the new revision folder before the
# download, so unchanged files are not fetched again, and removed after it only once no container
# on the host mounts it.
# TLS material for tcp:// hosts comes in the environment (QWEN_DOCKER_TLS_CA, _CERT, _KEY).
# Rendered by components/docker/run-once.ts.
# Header (components/docker/run-once.ts): ENDPOINT HOST CONTAINER WHAT SSH_OPTS PRUNE_ROOT PRUNE_PREFIX KEEP IMAGE DIR_LABEL WEIGHTS_LABEL MARKER
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

# A shell script run on the host's models folder (PRUNE_ROOT at /cache, the working directory).
on_host() {
  local script=$1
  shift
  dock run --rm --network none -e NVIDIA_VISIBLE_DEVICES=void -v "$PRUNE_ROOT:/cache" -w /cache "$IMAGE" bash -c "$script" bash "$@"
}

# Best effort: a folder left behind only costs disk.
prune() {
  [[ -n "$PRUNE_PREFIX" ]] || return 0
  local used dir stale=() present=()
  used=$(dock ps --all --filter "label=$DIR_LABEL" --format "{{.Label \"$DIR_LABEL\"}}") || { say "warning: could not list the containers on $HOST; old revision folders stay"; return 0; }
  mapfile -t present < <(on_host 'ls -1' 2>/dev/null)
  for dir in "${present[@]}"; do
    [[ "$dir" == "$PRUNE_PREFIX"* && "$dir" != "$KEEP" ]] || continue
    grep -Fxq -- "$dir" <<<"$used" && continue
    stale+=("$dir")
  done
  if (( ${#stale[@]} )); then
    say "removing revision folders no container uses on $HOST: ${stale[*]}"
    on_host 'rm -rf -- "$@"' "${stale[@]}" || say "warning: could not remove ${stale[*]} on $HOST"
  fi
}

# The model's legacy folder, <org>/<name> under PRUNE_ROOT: the repo of the container's weights
# label (<source>:<repo>@<revision>).
legacy="" legacy_found=""
if [[ -n "$PRUNE_PREFIX" ]]; then
  legacy=$(dock inspect --format "{{index .Config.Labels \"$WEIGHTS_LABEL\"}}" "$CONTAINER" 2>/dev/null) || legacy=""
  legacy=${legacy#*:}
  legacy=${legacy%%@*}
  [[ "$legacy" =~ ^[^/.][^/]*/[^/.][^/]*$ ]] || legacy=""
fi

# Hard links are safe because the downloader never writes a file in place: weights.sh ensure_model
# finds the marker of the same revision complete (no download at all), replaces the marker by mv and
# its prune() unlinks (rm -f); hub.py fetch_file keeps a file of the listed size and hash, unlinks
# one that differs, downloads into .partial/ and moves it in place with os.replace. So the legacy
# copy an old server reads never changes. .partial/ is not linked: hub.py appends to it.
reuse_legacy() {
  [[ -n "$legacy" ]] || return 0
  local out
  # shellcheck disable=SC2016 # expanded by the shell on the host
  out=$(on_host '[[ -f "$1/$3" ]] || exit 0; if [[ -e "$2/$1" ]]; then echo present; else mkdir -p "$2/${1%/*}" && cp -al -- "$1" "$2/$1" && rm -rf -- "$2/$1/.partial" && echo linked; fi' "$legacy" "$KEEP" "$MARKER") || {
    say "warning: could not hard-link the legacy folder $legacy into $KEEP on $HOST; its files are downloaded again"
    return 0
  }
  case $out in
    linked) legacy_found=1 && say "hard-linked the legacy folder $legacy into $KEEP on $HOST: its unchanged files are not downloaded again" ;;
    present) legacy_found=1 && say "$KEEP/$legacy exists on $HOST: the legacy folder $legacy is not linked into it" ;;
  esac
}

# After a complete download: the legacy folder goes unless a container mounts it, a folder above it
# (the models folder, as containers before revision folders did) or one inside it.
drop_legacy() {
  [[ -n "$legacy_found" ]] || return 0
  local dir=$PRUNE_ROOT/$legacy out ids=() sources="" src
  local unknown="warning: could not list the mounts of the containers on $HOST; the legacy folder $dir stays"
  out=$(dock ps --all --quiet) || { say "$unknown"; return 0; }
  if [[ -n "$out" ]]; then
    mapfile -t ids <<<"$out"
    sources=$(dock inspect --format '{{range .Mounts}}{{println .Source}}{{end}}' "${ids[@]}") || { say "$unknown"; return 0; }
  fi
  while IFS= read -r src; do
    src=${src%/}
    [[ -n "$src" ]] || continue
    if [[ "$dir" == "$src" || "$dir" == "$src/"* || "$src" == "$dir/"* ]]; then
      say "the legacy folder $dir stays on $HOST: a container mounts $src; the next download of this model removes it once none does"
      return 0
    fi
  done <<<"$sources"
  say "removing the legacy folder $dir on $HOST: no container mounts it"
  # shellcheck disable=SC2016 # expanded by the shell on the host
  on_host 'rm -rf -- "$1" && { rmdir -- "${1%/*}" 2>/dev/null || true; }' "$legacy" || say "warning: could not remove $dir on $HOST"
}

prune
reuse_legacy
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
drop_legacy
exit 0
