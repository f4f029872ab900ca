#!/bin/bash
# qwen-serving weights, one folder per revision: `weights-revision.sh ROOT KEEP SCRIPT [ARGS...]`
# makes ROOT/KEEP the cache root of the download script SCRIPT (WEIGHTS_CACHE_ROOT) and runs it
# there, so a new revision never overwrites the files a server is reading. Before that it removes
# the other revision folders of ROOT (named PREFIX*) except the newest complete one, the previous
# revision kept for a rollback: the cache is sized for two revisions of its model. Only for a volume
# nothing else reads meanwhile (a kubernetes pod's own volume, the seed volume of a snapshot).
# Rendered by components/render/scripts/weights-revision.ts.
# Header (components/render/scripts/weights-revision.ts): PREFIX MARKER
set -euo pipefail

log() { printf 'qwen-weights: %s\n' "$*" >&2; }

if (( $# < 3 )); then
  log "usage: weights-revision.sh ROOT KEEP SCRIPT [ARGS...]"
  exit 2
fi
root=$1 keep=$2
shift 2
if [[ "$keep" != "$PREFIX"* || "$keep" == */* ]]; then
  log "revision folder '$keep' must be a name starting with $PREFIX"
  exit 2
fi

# The other complete revisions, newest first by their marker; the first one stays.
mapfile -t complete < <(find "$root" -mindepth 4 -maxdepth 4 -path "$root/$PREFIX*" -name "$MARKER" -printf '%T@ %P\n' 2>/dev/null | sort -rn | cut -d' ' -f2- | cut -d/ -f1 | awk -v keep="$keep" '$0 != keep && !seen[$0]++')
previous=${complete[0]:-}
for dir in "$root/$PREFIX"*; do
  [[ -d "$dir" ]] || continue
  name=${dir##*/}
  if [[ "$name" != "$keep" && "$name" != "$previous" ]]; then
    log "removing revision folder $name"
    rm -rf -- "$dir"
  fi
done
[[ -z "$previous" ]] || log "keeping $previous (the previous revision) for a rollback"

mkdir -p "$root/$keep"
export WEIGHTS_CACHE_ROOT="$root/$keep"
exec bash "$@"
