#!/bin/bash
# qwen-serving weights: makes each model below complete in the cache, once; see
# components/render/scripts/weights.ts for the interface (env, marker, exit codes).
# MODEL_*[i] describe model i; HUB_PY is files/hub.py, rendered.
# Header (components/render/scripts/weights.ts): DEFAULT_CACHE_ROOT DEFAULT_HF_TOKEN_FILE DEFAULT_MODELSCOPE_TOKEN_FILE ATTEMPTS MARKER BOTO3_VERSION MODEL_SOURCES MODEL_REPOS MODEL_REVISIONS MODEL_S3_URIS HUB_PY

set -euo pipefail

CACHE_ROOT="${WEIGHTS_CACHE_ROOT:-$DEFAULT_CACHE_ROOT}"
export HF_TOKEN_FILE="${HF_TOKEN_FILE:-$DEFAULT_HF_TOKEN_FILE}"
export MODELSCOPE_TOKEN_FILE="${MODELSCOPE_TOKEN_FILE:-$DEFAULT_MODELSCOPE_TOKEN_FILE}"
RETRY_DELAY="${WEIGHTS_RETRY_DELAY:-10}"
# hub.py retries each file by itself (WEIGHTS_PARALLEL files at once, default 8).
export WEIGHTS_ATTEMPTS="$ATTEMPTS" WEIGHTS_RETRY_DELAY="$RETRY_DELAY"

log() { printf 'qwen-weights: %s\n' "$*" >&2; }

for tool in python3 flock; do
  command -v "$tool" >/dev/null || { log "$tool is missing from this image"; exit 2; }
done
if [[ ! -d "$CACHE_ROOT" || ! -w "$CACHE_ROOT" ]]; then
  log "cache root $CACHE_ROOT is missing or read-only"
  exit 2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
printf '%s\n' "$HUB_PY" > "$WORK/hub.py"

retry() {
  local n=1
  until "$@"; do
    if (( n >= ATTEMPTS )); then return 1; fi
    log "attempt $n of $ATTEMPTS failed; retrying in $(( n * RETRY_DELAY ))s"
    sleep $(( n * RETRY_DELAY ))
    n=$(( n + 1 ))
  done
}

# Every listed file must exist with exactly the listed size.
verify() {
  local dir=$1 manifest=$2 size path got bad=0
  while IFS=$'\t' read -r size _ path; do
    if [[ ! -f "$dir/$path" ]]; then
      log "missing: $path"; bad=1; continue
    fi
    got=$(stat -c %s "$dir/$path")
    if [[ "$got" != "$size" ]]; then
      log "size mismatch: $path has $got bytes, the listing says $size"; bad=1
    fi
  done < "$manifest"
  return "$bad"
}

# Files the revision does not list (a previous revision's) would be served by mistake.
prune() {
  local dir=$1 manifest=$2 rel
  while IFS= read -r -d '' rel; do
    rel=${rel#./}
    if ! cut -f3- "$manifest" | grep -Fxq -- "$rel"; then
      log "removing $rel: not in this revision"
      rm -f -- "$dir/$rel"
    fi
  done < <(cd "$dir" && find . -type f -not -path '*/.*' -print0)
}

ensure_model() {
  local source=$1 repo=$2 revision=$3 s3uri=$4
  local dir="$CACHE_ROOT/$repo" key stamp manifest files bytes
  key=$(printf '%s' "$repo" | tr '/' '_')
  stamp=$(printf 'source=%s\nrepo=%s\nrevision=%s' "$source" "$repo" "$revision")
  manifest="$WORK/$key.tsv"
  mkdir -p "$CACHE_ROOT/.locks" "$dir"
  (
    # One writer per model: replicas sharing a cache wait here, then find the marker.
    flock 9
    if [[ -f "$dir/$MARKER" && "$(head -n 3 "$dir/$MARKER")" == "$stamp" ]]; then
      log "$repo@$revision is complete"
      exit 0
    fi
    rm -f "$dir/$MARKER"
    if [[ "$source" == s3 ]] && ! python3 -c "import boto3" 2>/dev/null; then
      retry python3 -m pip install --quiet --no-cache-dir --target "$WORK/py" "boto3==$BOTO3_VERSION" || exit 3
      export PYTHONPATH="$WORK/py${PYTHONPATH:+:$PYTHONPATH}"
    fi
    log "$repo@$revision: listing files ($source)"
    retry python3 "$WORK/hub.py" list "$source" "$repo" "$revision" "$s3uri" "$manifest" || exit 3
    python3 "$WORK/hub.py" fetch "$source" "$repo" "$revision" "$s3uri" "$dir" "$manifest" || exit 3
    verify "$dir" "$manifest" || exit 4
    prune "$dir" "$manifest"
    files=$(wc -l < "$manifest")
    bytes=$(awk -F'\t' '{ s += $1 } END { printf "%.0f", s }' "$manifest")
    # errexit is off in here (the caller tests our status), so every step that matters is checked.
    { printf '%s\nfiles=%s\nbytes=%s\n' "$stamp" "$files" "$bytes" > "$dir/$MARKER.tmp" &&
      sync -f "$dir/$MARKER.tmp" && mv -f "$dir/$MARKER.tmp" "$dir/$MARKER" && sync -f "$dir/$MARKER"; } || { log "cannot write $dir/$MARKER"; exit 3; }
    rm -rf "$dir/.partial"
    log "$repo@$revision is complete: $files files, $bytes bytes"
  ) 9>>"$CACHE_ROOT/.locks/$key.lock"
}

# Arguments name the models to make complete (one download unit per model); none means all.
for repo in "$@"; do
  printf '%s\n' "${MODEL_REPOS[@]}" | grep -Fxq -- "$repo" || { log "$repo is not one of this script's models: ${MODEL_REPOS[*]}"; exit 2; }
done
status=0
for i in "${!MODEL_REPOS[@]}"; do
  if (( $# )) && ! printf '%s\n' "$@" | grep -Fxq -- "${MODEL_REPOS[i]}"; then continue; fi
  ensure_model "${MODEL_SOURCES[i]}" "${MODEL_REPOS[i]}" "${MODEL_REVISIONS[i]}" "${MODEL_S3_URIS[i]}" || status=$?
done
exit "$status"
