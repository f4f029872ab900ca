import { MODELS_MOUNT } from "../../sglang/launch-args";
import { ServicePlan } from "../../sglang/planner";
import { script, shq } from "./shell";

/**
 * The weights download script: one bash file that makes each model's weights complete in the
 * cache, once, and is shared by every platform (aws runs it in a oneshot unit, docker in a
 * download container, kubernetes in an init container). It runs INSIDE the pinned SGLang image
 * (`lmsysorg/sglang:v0.4.9.post2-cu126`: bash, python3, coreutils, util-linux's flock) and needs
 * no other package for Hugging Face and ModelScope; for `s3` it imports boto3, pip-installing the
 * pinned `BOTO3_VERSION` into a temporary folder when the image lacks it.
 *
 * Interface (what callers mount and read):
 * - Invocation: `bash <script>` with no arguments; the model list is rendered into the file.
 * - Cache: `<cacheRoot>/<repo>/` (default cacheRoot `/models`, i.e. MODELS_MOUNT), writable.
 *   Override at run time with env `WEIGHTS_CACHE_ROOT`.
 * - Tokens: read from FILES, never from argv or env values: env `HF_TOKEN_FILE` (default
 *   `/run/secrets/hf-token`) and `MODELSCOPE_TOKEN_FILE` (default `/run/secrets/modelscope-token`).
 *   A missing or empty file means anonymous access. Hugging Face gets `Authorization: Bearer`,
 *   ModelScope the `m_session_id` cookie; neither follows a redirect to another host (the CDN).
 * - Endpoints: env `HF_ENDPOINT` (default https://huggingface.co) and `MODELSCOPE_ENDPOINT`
 *   (default https://www.modelscope.cn), for mirrors.
 * - Retries: each listing and download step is tried `attempts` times with a linear back-off of
 *   `WEIGHTS_RETRY_DELAY` seconds (default 10) times the attempt number.
 * - Marker: `<cacheRoot>/<repo>/.qwen-serving-complete` (`weightsMarkerPath`), written last and
 *   atomically (temporary file, fsync, rename). Its first three lines are `source=`, `repo=` and
 *   `revision=`; a marker for another source or revision is removed before anything is fetched,
 *   so a half download is never taken as complete.
 * - Exit codes (`WEIGHTS_EXIT`): 0 every model complete; 2 bad environment (cache root missing
 *   or not writable, python3 or flock missing); 3 listing or download still failing after the
 *   retries; 4 files on disk do not match the source's listing. With several models, every model
 *   is attempted and the script exits with the last failure's code.
 *
 * What "complete" means: the source's file listing at the pinned revision (HF
 * `/api/models/{repo}/revision/{rev}?blobs=true` siblings, ModelScope
 * `/api/v1/models/{repo}/repo/files?Revision={rev}&Recursive=true`, S3 ListObjectsV2 under the
 * prefix) is fetched; every listed file exists with exactly the listed size and, where the source
 * publishes one, the listed hash (HF: LFS sha256 or git blob sha1; ModelScope: sha256; S3: none),
 * so a same-size file of another revision is fetched again; files the listing does not name are
 * removed (no stale shard after a revision change). Downloads go to `<repo>/.partial/` and resume
 * with HTTP Range requests; a file moves into place only at full size and matching hash. Hashing
 * reads each file once more, only while the marker is absent.
 */
export interface WeightsModel {
  readonly source: "modelscope" | "huggingface" | "s3";
  /** Repository id; the files land in `<cacheRoot>/<repo>/`. */
  readonly repo: string;
  /** Pinned revision (commit or tag); for s3 a label recorded in the marker. */
  readonly revision: string;
  /** s3 only: `s3://bucket/prefix/` holding the repository's files. */
  readonly s3Uri?: string;
}

export interface WeightsScriptOptions {
  /** Models to make complete; repeated repos are fetched once. */
  readonly models: readonly WeightsModel[];
  /** Cache root inside the container. @default MODELS_MOUNT ("/models") */
  readonly cacheRoot?: string;
  /** Tries per listing or download step. @default 5 */
  readonly attempts?: number;
}

/** Name of the completion marker inside each model folder. */
export const WEIGHTS_MARKER = ".qwen-serving-complete";
/** Default token file paths inside the container (mount the secrets there). */
export const HF_TOKEN_FILE = "/run/secrets/hf-token";
export const MODELSCOPE_TOKEN_FILE = "/run/secrets/modelscope-token";
/** boto3 installed for `s3` sources when the image has none; pinned so every node runs the same code. */
export const BOTO3_VERSION = "1.35.99";
export const WEIGHTS_EXIT = { ok: 0, environment: 2, download: 3, verify: 4 } as const;

/** Where the marker of `repo` lives under `cacheRoot`. */
export function weightsMarkerPath(cacheRoot: string, repo: string): string {
  return `${cacheRoot.replace(/\/+$/, "")}/${repo}/${WEIGHTS_MARKER}`;
}

/** The distinct models a set of planned services needs, in service order. */
export function weightsModels(services: readonly ServicePlan[]): WeightsModel[] {
  const byRepo = new Map<string, WeightsModel>();
  for (const s of services) {
    const repo = s.weightsRepo;
    const model: WeightsModel = { source: s.spec.weights.source, repo, revision: s.spec.weights.revision, ...(s.spec.weights.s3Uri ? { s3Uri: s.spec.weights.s3Uri } : {}) };
    const seen = byRepo.get(repo);
    if (seen && (seen.revision !== model.revision || seen.source !== model.source || seen.s3Uri !== model.s3Uri))
      throw new Error(`services disagree on the weights of ${repo}: ${seen.source}@${seen.revision} vs ${model.source}@${model.revision}; one cache folder holds one revision`);
    byRepo.set(repo, model);
  }
  return [...byRepo.values()];
}

// Lists and downloads with the standard library only, so the SGLang image needs nothing extra.
const HUB_PY = String.raw`import contextlib, hashlib, json, os, sys, urllib.error, urllib.parse, urllib.request

CHUNK = 8 << 20
q = urllib.parse.quote


def token(env):
    try:
        with open(os.environ[env]) as f:
            return f.read().strip() or None
    except (KeyError, FileNotFoundError):
        return None


class NoCredentialsAcrossHosts(urllib.request.HTTPRedirectHandler):
    # Hubs redirect large files to a CDN with a signed URL: credentials stay with the hub.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            for h in ("Authorization", "Cookie"):
                new.remove_header(h)
        return new


OPENER = urllib.request.build_opener(NoCredentialsAcrossHosts)


def get_json(url, headers):
    with OPENER.open(urllib.request.Request(url, headers=headers), timeout=60) as r:
        return json.load(r)


class Http:
    def __init__(self, source, repo, rev):
        if source == "huggingface":
            ep = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
            tok = token("HF_TOKEN_FILE")
            self.headers = {"Authorization": "Bearer " + tok} if tok else {}
            self.list_url = f"{ep}/api/models/{repo}/revision/{q(rev, safe='')}?blobs=true"
            self.file_url = lambda p: f"{ep}/{repo}/resolve/{q(rev, safe='')}/{q(p)}"
        else:
            ep = os.environ.get("MODELSCOPE_ENDPOINT", "https://www.modelscope.cn").rstrip("/")
            tok = token("MODELSCOPE_TOKEN_FILE")
            self.headers = {"Cookie": "m_session_id=" + tok} if tok else {}
            self.list_url = f"{ep}/api/v1/models/{repo}/repo/files?Revision={q(rev, safe='')}&Recursive=true"
            self.file_url = lambda p: f"{ep}/api/v1/models/{repo}/repo?Revision={q(rev, safe='')}&FilePath={q(p, safe='')}"
        self.source = source

    def listing(self):
        d = get_json(self.list_url, self.headers)
        if self.source == "huggingface":
            return [(s["rfilename"], int(s["size"]), "sha256:" + s["lfs"]["sha256"] if s.get("lfs") else "gitsha1:" + s["blobId"]) for s in d["siblings"]]
        if not isinstance(d.get("Data"), dict):
            raise RuntimeError(f"unexpected ModelScope answer: {str(d)[:200]}")
        return [(f["Path"], int(f["Size"]), "sha256:" + f["Sha256"] if f.get("Sha256") else "-") for f in d["Data"]["Files"] if f.get("Type") != "tree"]

    def open_from(self, path, offset):
        headers = dict(self.headers)
        if offset:
            headers["Range"] = f"bytes={offset}-"
        r = OPENER.open(urllib.request.Request(self.file_url(path), headers=headers), timeout=60)
        return r, r.status == 206


class S3:
    def __init__(self, uri):
        import boto3
        bucket, _, prefix = uri[len("s3://"):].partition("/")
        self.bucket, self.prefix, self.client = bucket, prefix, boto3.client("s3")

    def listing(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        # S3 ETags are not content hashes for multipart uploads: sizes only.
        return [(o["Key"][len(self.prefix):], o["Size"], "-") for p in pages for o in p.get("Contents", []) if not o["Key"].endswith("/")]

    def open_from(self, path, offset):
        extra = {"Range": f"bytes={offset}-"} if offset else {}
        r = self.client.get_object(Bucket=self.bucket, Key=self.prefix + path, **extra)
        return r["Body"], bool(offset)


def safe(path):
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts) or parts[0] in (".partial", "${WEIGHTS_MARKER}") or "\t" in path or "\n" in path:
        raise RuntimeError(f"refusing unsafe path from the listing: {path!r}")
    return path


def digest(path, want):
    kind = want.split(":", 1)[0]
    h = hashlib.sha256() if kind == "sha256" else hashlib.sha1()
    if kind == "gitsha1":
        h.update(b"blob %d\0" % os.path.getsize(path))
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return f"{kind}:{h.hexdigest()}"


def fetch(src, dest, manifest):
    with open(manifest) as m:
        entries = [line.rstrip("\n").split("\t", 2) for line in m]
    for size, want, path in entries:
        size = int(size)
        final = os.path.join(dest, path)
        if os.path.isfile(final) and os.path.getsize(final) == size:
            # A file of the right size may still be another revision's: compare content when the source gives a hash.
            if want == "-" or digest(final, want) == want:
                continue
            print(f"qwen-weights: {path}: content differs from this revision; fetching again", file=sys.stderr)
            os.remove(final)
        part = os.path.join(dest, ".partial", path)
        os.makedirs(os.path.dirname(part), exist_ok=True)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        have = os.path.getsize(part) if os.path.isfile(part) else 0
        if have > size:
            os.remove(part)
            have = 0
        if have < size:
            print(f"qwen-weights: {path}: {size} bytes" + (f", resuming at {have}" if have else ""), file=sys.stderr)
            body, resumed = src.open_from(path, have)
            with contextlib.closing(body), open(part, "ab" if resumed else "wb") as f:
                while True:
                    chunk = body.read(CHUNK)
                    if not chunk:
                        break
                    f.write(chunk)
        else:
            open(part, "ab").close()
        got = os.path.getsize(part)
        if got != size:
            raise RuntimeError(f"{path}: have {got} of {size} bytes")
        if want != "-" and digest(part, want) != want:
            os.remove(part)
            raise RuntimeError(f"{path}: content does not match {want}")
        os.replace(part, final)


def main():
    op, source, repo, rev, s3uri, *rest = sys.argv[1:]
    src = S3(s3uri) if source == "s3" else Http(source, repo, rev)
    if op == "list":
        files = [(safe(p), s, h) for p, s, h in src.listing()]
        if not files:
            raise RuntimeError(f"{source} lists no files for {repo} at {rev}")
        tmp = rest[0] + ".tmp"
        with open(tmp, "w") as out:
            out.writelines(f"{s}\t{h}\t{p}\n" for p, s, h in sorted(files))
        os.replace(tmp, rest[0])
    else:
        fetch(src, rest[0], rest[1])


try:
    main()
except (OSError, RuntimeError, ValueError, KeyError, urllib.error.URLError) as e:
    print(f"qwen-weights: {e}", file=sys.stderr)
    sys.exit(1)
`;

/** Renders the download script for `opts.models` (see the module doc for its interface). */
export function renderWeightsScript(opts: WeightsScriptOptions): string {
  const cacheRoot = opts.cacheRoot ?? MODELS_MOUNT;
  const attempts = opts.attempts ?? 5;
  const seen = new Set<string>();
  const models = opts.models.filter((m) => !seen.has(m.repo) && seen.add(m.repo));
  if (models.length === 0) throw new Error("renderWeightsScript: no models given");
  return script([
    "#!/bin/bash",
    "# qwen-serving weights: makes each model below complete in the cache, once; see",
    "# components/render/scripts/weights.ts for the interface (env, marker, exit codes).",
    "set -euo pipefail",
    "",
    `CACHE_ROOT="\${WEIGHTS_CACHE_ROOT:-${cacheRoot}}"`,
    `export HF_TOKEN_FILE="\${HF_TOKEN_FILE:-${HF_TOKEN_FILE}}"`,
    `export MODELSCOPE_TOKEN_FILE="\${MODELSCOPE_TOKEN_FILE:-${MODELSCOPE_TOKEN_FILE}}"`,
    `ATTEMPTS=${attempts}`,
    `RETRY_DELAY="\${WEIGHTS_RETRY_DELAY:-10}"`,
    `MARKER=${shq(WEIGHTS_MARKER)}`,
    `BOTO3_VERSION=${shq(BOTO3_VERSION)}`,
    "",
    "log() { printf 'qwen-weights: %s\\n' \"$*\" >&2; }",
    "",
    'for tool in python3 flock; do',
    '  command -v "$tool" >/dev/null || { log "$tool is missing from this image"; exit 2; }',
    "done",
    'if [[ ! -d "$CACHE_ROOT" || ! -w "$CACHE_ROOT" ]]; then',
    '  log "cache root $CACHE_ROOT is missing or read-only"',
    "  exit 2",
    "fi",
    "",
    'WORK="$(mktemp -d)"',
    `trap 'rm -rf "$WORK"' EXIT`,
    `cat > "$WORK/hub.py" <<'PY'`,
    HUB_PY.replace(/\n$/, ""),
    "PY",
    "",
    "retry() {",
    "  local n=1",
    '  until "$@"; do',
    '    if (( n >= ATTEMPTS )); then return 1; fi',
    '    log "attempt $n of $ATTEMPTS failed; retrying in $(( n * RETRY_DELAY ))s"',
    "    sleep $(( n * RETRY_DELAY ))",
    "    n=$(( n + 1 ))",
    "  done",
    "}",
    "",
    "# Every listed file must exist with exactly the listed size.",
    "verify() {",
    "  local dir=$1 manifest=$2 size path got bad=0",
    "  while IFS=$'\\t' read -r size _ path; do",
    '    if [[ ! -f "$dir/$path" ]]; then',
    '      log "missing: $path"; bad=1; continue',
    "    fi",
    '    got=$(stat -c %s "$dir/$path")',
    '    if [[ "$got" != "$size" ]]; then',
    '      log "size mismatch: $path has $got bytes, the listing says $size"; bad=1',
    "    fi",
    '  done < "$manifest"',
    '  return "$bad"',
    "}",
    "",
    "# Files the revision does not list (a previous revision's) would be served by mistake.",
    "prune() {",
    "  local dir=$1 manifest=$2 rel",
    "  while IFS= read -r -d '' rel; do",
    "    rel=${rel#./}",
    '    if ! cut -f3- "$manifest" | grep -Fxq -- "$rel"; then',
    '      log "removing $rel: not in this revision"',
    '      rm -f -- "$dir/$rel"',
    "    fi",
    `  done < <(cd "$dir" && find . -type f -not -path '*/.*' -print0)`,
    "}",
    "",
    "ensure_model() {",
    "  local source=$1 repo=$2 revision=$3 s3uri=$4",
    '  local dir="$CACHE_ROOT/$repo" key stamp manifest files bytes',
    "  key=$(printf '%s' \"$repo\" | tr '/' '_')",
    "  stamp=$(printf 'source=%s\\nrepo=%s\\nrevision=%s' \"$source\" \"$repo\" \"$revision\")",
    '  manifest="$WORK/$key.tsv"',
    '  mkdir -p "$CACHE_ROOT/.locks" "$dir"',
    "  (",
    "    # One writer per model: replicas sharing a cache wait here, then find the marker.",
    "    flock 9",
    '    if [[ -f "$dir/$MARKER" && "$(head -n 3 "$dir/$MARKER")" == "$stamp" ]]; then',
    '      log "$repo@$revision is complete"',
    "      exit 0",
    "    fi",
    '    rm -f "$dir/$MARKER"',
    '    if [[ "$source" == s3 ]] && ! python3 -c "import boto3" 2>/dev/null; then',
    '      retry python3 -m pip install --quiet --no-cache-dir --target "$WORK/py" "boto3==$BOTO3_VERSION" || exit 3',
    '      export PYTHONPATH="$WORK/py${PYTHONPATH:+:$PYTHONPATH}"',
    "    fi",
    '    log "$repo@$revision: listing files ($source)"',
    '    retry python3 "$WORK/hub.py" list "$source" "$repo" "$revision" "$s3uri" "$manifest" || exit 3',
    '    retry python3 "$WORK/hub.py" fetch "$source" "$repo" "$revision" "$s3uri" "$dir" "$manifest" || exit 3',
    '    verify "$dir" "$manifest" || exit 4',
    '    prune "$dir" "$manifest"',
    "    files=$(wc -l < \"$manifest\")",
    "    bytes=$(awk -F'\\t' '{ s += $1 } END { printf \"%.0f\", s }' \"$manifest\")",
    "    # errexit is off in here (the caller tests our status), so every step that matters is checked.",
    '    { printf \'%s\\nfiles=%s\\nbytes=%s\\n\' "$stamp" "$files" "$bytes" > "$dir/$MARKER.tmp" &&',
    '      sync "$dir/$MARKER.tmp" && mv -f "$dir/$MARKER.tmp" "$dir/$MARKER"; } || { log "cannot write $dir/$MARKER"; exit 3; }',
    '    rm -rf "$dir/.partial"',
    '    log "$repo@$revision is complete: $files files, $bytes bytes"',
    '  ) 9>>"$CACHE_ROOT/.locks/$key.lock"',
    "}",
    "",
    "status=0",
    ...models.map((m) => `ensure_model ${shq(m.source)} ${shq(m.repo)} ${shq(m.revision)} ${shq(m.s3Uri ?? "")} || status=$?`),
    'exit "$status"',
  ]);
}
