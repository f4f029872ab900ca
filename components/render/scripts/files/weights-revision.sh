#!/bin/bash
# qwen-serving weights, one folder per revision: `weights-revision.sh ROOT KEEP SCRIPT [ARGS...]`
# makes ROOT/KEEP the cache root of the download script SCRIPT (WEIGHTS_CACHE_ROOT) and runs it
# there, so a new revision never overwrites the files a server is reading. Before that it removes
# the other revision folders of ROOT (named PREFIX*) except the newest complete one, the previous
# revision kept for a rollback: the cache is sized for two revisions of its model. Only for a volume
# nothing else reads meanwhile (a kubernetes pod's own volume, the seed volume of a snapshot).
# A legacy model folder (ROOT/<org>/<name>/ with the marker, from before revision folders) is moved
# into ROOT/KEEP when that has no complete copy of the model yet, else removed.
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

# Legacy folders: moving one into KEEP is a rename on the same volume, and the download script then
# keeps every unchanged file and replaces the rest: weights.sh ensure_model finds the marker of the
# same revision complete (no download at all) and prune() unlinks files the revision does not list;
# hub.py fetch_file keeps a file of the listed size and hash, downloads into .partial/ and moves it in
# place with os.replace, never writing a kept file in place.
adopt() {
  local dir=$1 rel=$2 target=$root/$keep/$2 file
  if [[ -f "$target/$MARKER" ]]; then
    log "removing legacy folder $rel: $keep already holds a complete copy"
    rm -rf -- "$dir"
  elif [[ ! -e "$target" ]]; then
    log "moving legacy folder $rel ($(sed -n 3p "$dir/$MARKER")) into $keep: its unchanged files are reused, the rest pruned"
    mkdir -p "${target%/*}"
    mv -T -- "$dir" "$target"
  else
    # An unfinished download of KEEP: the legacy files it lacks join it, the rest go.
    log "moving the files of legacy folder $rel that $keep/$rel lacks into it"
    while IFS= read -r -d '' file; do
      [[ -e "$target/$file" ]] || { mkdir -p "$(dirname -- "$target/$file")" && mv -- "$dir/$file" "$target/$file"; }
    done < <(cd "$dir" && find . -type f -not -path './.partial/*' -not -name "$MARKER" -printf '%P\0')
    rm -rf -- "$dir"
  fi
  rmdir -- "${dir%/*}" 2>/dev/null || true
}
for found in "$root"/*/*/"$MARKER"; do
  dir=${found%/*}
  rel=${dir#"$root"/}
  # Revision folders and dot folders (.locks) are not legacy; a symlink may lead off the volume.
  [[ -f "$found" && "$rel" != "$PREFIX"* && ! -L "$dir" && ! -L "${dir%/*}" ]] || continue
  adopt "$dir" "$rel"
done

mkdir -p "$root/$keep"
export WEIGHTS_CACHE_ROOT="$root/$keep"
exec bash "$@"
