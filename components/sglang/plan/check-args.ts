import { ServiceConfig } from "../../config/schema";
import { keyPath, Problem } from "../../problems";
import { parseServerArgs, resolveFlag, SERVER_ARGS_VERSION } from "../argparse";

/**
 * The SGLang arguments the planner decides, by argparse `dest`, with where a user sets each
 * instead. Every flag `launchArgs` writes is here (test/sglang/plan/check-args.test.ts holds it to
 * that), plus those that would move GPUs, weights or memory under the planner's math.
 */
export const PLANNER_OWNED: Readonly<Record<string, string>> = {
  model_path: "model and weights (the planner points it at the weight cache)",
  trust_remote_code: "the planner (always on)",
  tensor_parallel_size: "tp",
  host: "the planner (the container binds all interfaces; the front door decides who reaches it)",
  port: "port (worker ports behind a router are assigned by the planner)",
  json_model_override_args: "ropeScaling",
  chat_template: "chatTemplate",
  max_running_requests: "maxRunningRequests",
  context_length: "contextLength",
  chunked_prefill_size: "chunkedPrefillSize",
  mem_fraction_static: "memFractionStatic",
  kv_cache_dtype: "kvCacheDtype",
  served_model_name: "the planner (the repository id, which clients send as `model`)",
  enable_metrics: "the planner (monitoring scrapes it)",
  api_key: "apiKeys.<service>, a Pulumi secret",
  data_parallel_size: "replicas (each replica is one server on tp GPUs)",
  pipeline_parallel_size: "tp (the planner places tp GPUs per replica)",
  nnodes: "replicas (a replica runs on one node)",
  node_rank: "replicas (a replica runs on one node)",
  dist_init_addr: "replicas (a replica runs on one node)",
  base_gpu_id: "placement (the container sees exactly the planned GPUs)",
  quantization: "model (the memory math reads the checkpoint as it is)",
  dtype: "model (the memory math reads the checkpoint as it is)",
  max_total_tokens: "memFractionStatic (the KV pool follows from it)",
  revision: "weights.revision (weights are fetched once into the cache)",
  download_dir: "the planner (weights are read from the cache)",
};

/** Values that are credentials whatever flag carries them (the policy pack looks for the same). */
const CREDENTIALS: readonly (readonly [RegExp, string])[] = [
  [/\bhf_[A-Za-z0-9]{20,}/, "a Hugging Face token"],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/\bsk-[A-Za-z0-9_-]{16,}/, "an API key (sk-...)"],
  [/\bBearer\s+\S{8,}/i, "a bearer token"],
];

/** SGLang arguments whose value is a secret. */
const SECRET_DESTS = new Set(["api_key"]);

const SECRET_ADVICE =
  "extraArgs are written in plain text into user-data, units and manifests; remove it (an API key goes in `pulumi config set --secret --path 'apiKeys.<service>'`, tokens in hfToken / modelscopeToken)";

/**
 * Phase 0, each service's `extraArgs` on their own (so these come back even when the service is not
 * placed): what SGLang's argparse would reject, any flag the planner owns under any spelling argparse
 * accepts (aliases, `--flag=value`, unambiguous prefixes), and any secret. A secret's value is never
 * put in the problem.
 */
export function extraArgsProblems(index: number, svc: Pick<ServiceConfig, "extraArgs">): Problem[] {
  const problems: Problem[] = [];
  const args = svc.extraArgs;
  const at = (j: number) => keyPath(["services", index, "extraArgs", j]);
  let secretValueAt = -1;
  args.forEach((tok, j) => {
    const credential = CREDENTIALS.find(([re]) => re.test(tok))?.[1];
    if (credential || j === secretValueAt) {
      problems.push({ path: at(j), rule: `holds ${credential ?? "a secret"}`, advice: SECRET_ADVICE });
      return;
    }
    if (!tok.startsWith("--")) return;
    const eq = tok.indexOf("=");
    const typed = eq >= 0 ? tok.slice(0, eq) : tok;
    const { spec } = resolveFlag(typed);
    if (!spec) return; // argparse's own error is reported below
    const as = typed === spec.flags[0] ? "" : ` (argparse reads '${typed}' as ${spec.flags[0]})`;
    if (SECRET_DESTS.has(spec.dest)) {
      problems.push({ path: at(j), rule: `sets ${spec.flags[0]}${as}, a secret`, advice: SECRET_ADVICE });
      if (eq < 0) secretValueAt = j + 1;
      return;
    }
    const owner = PLANNER_OWNED[spec.dest];
    if (owner) problems.push({ path: at(j), value: tok, rule: `sets ${spec.flags[0]}${as}, which the planner sets`, advice: `remove it; the planner takes it from ${owner}` });
  });
  // Argparse's verdict on the user's part alone; a secret never reaches the message.
  if (!problems.some((p) => p.advice === SECRET_ADVICE))
    for (const err of parseServerArgs(args).errors.filter((e) => !e.startsWith("the following arguments are required")))
      problems.push({ path: keyPath(["services", index, "extraArgs"]), rule: `SGLang ${SERVER_ARGS_VERSION} would reject it: ${err}` });
  return problems;
}
