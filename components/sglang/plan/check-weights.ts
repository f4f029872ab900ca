import { ServiceConfig } from "../../config/schema";
import { keyPath, Problem } from "../../problems";

/**
 * The revision forms each hub resolves, as data with their source.
 * ModelScope: `HubApi.get_valid_revision_detail` (modelscope/modelscope, modelscope/hub/api.py at
 * 003d3dc954f6bc1dc2673395367fe31e63bff199) accepts a user-given revision only if it is one of the
 * model's tags or branches (from `/api/v1/models/<id>/revisions`), and `get_model_files` documents
 * `revision` as "The branch or tag name": a commit id is neither, so ModelScope answers "has no
 * revision". Moving branches are refused by the schema already.
 */
export const MODELSCOPE_REVISIONS = {
  forms: "a tag of the model (e.g. v1.0.0), as listed on modelscope.cn/models/<repo> under its versions",
  source: "modelscope/hub/api.py get_valid_revision_detail, get_model_files (modelscope/modelscope@003d3dc)",
} as const;

/** A git object id, abbreviated or whole: hex with letters and digits (an all-digit tag such as 20250101 is a tag). */
const COMMIT_ID = /^(?=.*[a-f])(?=.*\d)[0-9a-f]{7,64}$/i;

/**
 * Phase 0, each service's weights on their own: a ModelScope revision in a form ModelScope does not
 * resolve (a commit id, the form Hugging Face pins with).
 */
export function weightsProblems(index: number, svc: Pick<ServiceConfig, "weights">): Problem[] {
  const w = svc.weights;
  if (w.source === "modelscope" && COMMIT_ID.test(w.revision))
    return [
      {
        path: keyPath(["services", index, "weights", "revision"]),
        value: w.revision,
        rule: "looks like a commit id, which ModelScope does not resolve: it takes a tag or branch of the model",
        advice: `use ${MODELSCOPE_REVISIONS.forms}, or source huggingface to pin this commit (${MODELSCOPE_REVISIONS.source})`,
      },
    ];
  return [];
}
