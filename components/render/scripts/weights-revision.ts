import { createHash } from "crypto";
import { renderShellScript } from "./sources";
import { WEIGHTS_MARKER, WeightsModel } from "./weights";

/**
 * One folder per weights revision, on the platforms where a running server keeps reading its files
 * while the next revision downloads (kubernetes volumes, docker host folders): `<root>/<dir>/<repo>/`,
 * where `dir` names the model and a hash of source, repo and revision. The server mounts `<root>/<dir>`
 * at the models mount, so its `--model-path` (the models mount plus the repo) never changes.
 */

/** Every revision folder's name starts with this; nothing else under a cache root does. */
export const REVISION_DIR_PREFIX = "rev-";

/** 12 hex digits of sha256(source, repo, revision, s3Uri): one per distinct set of weights. */
export function weightsRevisionId(m: WeightsModel): string {
  return createHash("sha256")
    .update([m.source, m.repo, m.revision, m.s3Uri ?? ""].join("\n"))
    .digest("hex")
    .slice(0, 12);
}

/** The model's part of a folder name: its repository name, lowercase, in `[a-z0-9-]`, at most 30 characters. */
export const repoSlug = (repo: string): string =>
  (repo.split("/").pop() ?? repo)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 30)
    .replace(/-+$/, "");

/** `rev-qwen3-32b-1a2b3c4d5e6f`: the folder (and DNS label) of one model's revision. */
export function weightsRevisionDir(m: WeightsModel): string {
  return `${REVISION_DIR_PREFIX}${repoSlug(m.repo)}-${weightsRevisionId(m)}`;
}

/** `rev-qwen3-32b-`: what every revision folder of the model `dir` is of starts with. */
export const revisionDirPrefix = (dir: string): string => dir.slice(0, dir.lastIndexOf("-") + 1);

/** `<source>:<repo>@<revision>`: how labels, annotations and logs name a set of weights. */
export const weightsText = (m: WeightsModel): string => `${m.source}:${m.repo}@${m.revision}`;

/** weights-revision.sh: runs the download script in one revision folder after pruning all but the previous one. */
export function renderRevisionWrapper(): string {
  return renderShellScript("weights-revision.sh", { PREFIX: REVISION_DIR_PREFIX, MARKER: WEIGHTS_MARKER });
}
