import { MODELS_MOUNT } from "../../sglang/launch-args";
import { ServicePlan } from "../../sglang/planner";
import { renderPythonScript, renderShellScript } from "./sources";

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
 * - Invocation with arguments: `bash <script> <repo>...` makes only those models complete (a node
 *   runs one download unit per model); a repo the script was not rendered with exits 2.
 * - Retries: the listing is tried `attempts` times with a linear back-off of `WEIGHTS_RETRY_DELAY`
 *   seconds (default 10) times the attempt number. Files download `WEIGHTS_PARALLEL` at a time
 *   (default 8), each retried on its own: the back-off doubles (from `WEIGHTS_RETRY_DELAY`, at most
 *   300 s) while tries make no progress and starts over whenever the partial file grew; a file
 *   fails after `attempts` tries in a row without progress.
 * - Durability: each file is fsynced before it moves into place and the filesystem is synced
 *   before and after the marker is written, so a power cut never leaves a marker over lost data.
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

/** What weights.sh is rendered with (its `# Header:`). */
interface WeightsHeader {
  readonly DEFAULT_CACHE_ROOT: string;
  readonly DEFAULT_HF_TOKEN_FILE: string;
  readonly DEFAULT_MODELSCOPE_TOKEN_FILE: string;
  readonly ATTEMPTS: number;
  readonly MARKER: string;
  readonly BOTO3_VERSION: string;
  /** One entry per model, the same index in each list. */
  readonly MODEL_SOURCES: readonly string[];
  readonly MODEL_REPOS: readonly string[];
  readonly MODEL_REVISIONS: readonly string[];
  readonly MODEL_S3_URIS: readonly string[];
  /** hub.py, rendered: the script writes it to a temporary folder and runs it with python3. */
  readonly HUB_PY: string;
}

/** Renders the download script for `opts.models` (see the module doc for its interface). */
export function renderWeightsScript(opts: WeightsScriptOptions): string {
  const seen = new Set<string>();
  const models = opts.models.filter((m) => !seen.has(m.repo) && seen.add(m.repo));
  if (models.length === 0) throw new Error("renderWeightsScript: no models given");
  return renderShellScript<WeightsHeader>("weights.sh", {
    DEFAULT_CACHE_ROOT: opts.cacheRoot ?? MODELS_MOUNT,
    DEFAULT_HF_TOKEN_FILE: HF_TOKEN_FILE,
    DEFAULT_MODELSCOPE_TOKEN_FILE: MODELSCOPE_TOKEN_FILE,
    ATTEMPTS: opts.attempts ?? 5,
    MARKER: WEIGHTS_MARKER,
    BOTO3_VERSION,
    MODEL_SOURCES: models.map((m) => m.source),
    MODEL_REPOS: models.map((m) => m.repo),
    MODEL_REVISIONS: models.map((m) => m.revision),
    MODEL_S3_URIS: models.map((m) => m.s3Uri ?? ""),
    HUB_PY: renderHubPy().replace(/\n$/, ""),
  });
}

/** hub.py, the lister and downloader weights.sh runs (standard library only). */
export function renderHubPy(): string {
  return renderPythonScript<{ readonly marker: string }>("hub.py", { marker: WEIGHTS_MARKER });
}
