import { DeploymentPlan, ServicePlan } from "../sglang/planner";
import { Artifact } from "./artifact";

/**
 * Ready-to-paste example requests per service, from the seed: Qwen3 chat in non-thinking mode with
 * the seed's recommended sampling, and Qwen2.5-VL with an image given by URL and inline as base64.
 * Each is a bash script (`examples/<service>.sh`) that calls the service's endpoint with curl;
 * request bodies are built with JSON.stringify, never by hand.
 */

/** The seed's recommended sampling for Qwen3 with `enable_thinking: false`. */
export const QWEN3_SAMPLING = {
  temperature: 0.6,
  top_p: 0.95,
  top_k: 20,
  presence_penalty: 1.5,
  max_tokens: 8192,
} as const;

/** A stable public image (Qwen-VL's own demo picture) for the URL form of the VL example. */
export const EXAMPLE_IMAGE_URL = "https://qianwen-res.oss-cn-beijing.aliyuncs.com/Qwen-VL/assets/demo.jpeg";

/** Env var the scripts read the API key from; it is sent only when set. */
export const API_KEY_ENV_VAR = "QWEN_API_KEY";

const IMAGE_PLACEHOLDER = "@@IMAGE_DATA_URI@@";

/** Quotes a value for bash as one word. */
const shq = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

const isQwen3 = (svc: ServicePlan) => svc.model.architecture.startsWith("Qwen3");

/** Body of the text chat example; Qwen3 gets non-thinking mode and the seed's sampling. */
export function chatRequestBody(svc: ServicePlan): Record<string, unknown> {
  const messages = [{ role: "user", content: "Give me a short introduction to large language models." }];
  return isQwen3(svc)
    ? { model: svc.model.id, messages, ...QWEN3_SAMPLING, chat_template_kwargs: { enable_thinking: false } }
    : { model: svc.model.id, messages, max_tokens: 1024 };
}

/** Body of the VL example; `imageUrl` is an https URL or a `data:image/...;base64,` URI. */
export function visionRequestBody(svc: ServicePlan, imageUrl: string): Record<string, unknown> {
  return {
    model: svc.model.id,
    messages: [
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: imageUrl } },
          { type: "text", text: "Describe this image in two sentences." },
        ],
      },
    ],
    max_tokens: 1024,
  };
}

function header(svc: ServicePlan, baseUrl: string, what: string[]): string[] {
  return [
    "#!/usr/bin/env bash",
    `# ${svc.name} (${svc.model.id}): ${what[0]}`,
    ...what.slice(1).map((l) => `# ${l}`),
    `# Set ${API_KEY_ENV_VAR} to the service's API key if it has one (sent as Authorization: Bearer).`,
    "# BASE_URL overrides the endpoint; OpenAI SDKs take \"$BASE_URL/v1\" as base_url.",
    "set -euo pipefail",
    `base_url="\${BASE_URL:-${baseUrl}}"`,
    "auth=()",
    `if [[ -n "\${${API_KEY_ENV_VAR}:-}" ]]; then auth=(-H "Authorization: Bearer \${${API_KEY_ENV_VAR}}"); fi`,
  ];
}

const curl = (dataFrom: string) =>
  `curl -sS "\${base_url}/v1/chat/completions" -H 'Content-Type: application/json' \${auth[@]+"\${auth[@]}"} --data-binary ${dataFrom}`;

function textScript(svc: ServicePlan, baseUrl: string): string {
  const what = isQwen3(svc)
    ? ["chat completion in non-thinking mode", "(chat_template_kwargs.enable_thinking=false) with the recommended sampling."]
    : ["chat completion."];
  return [...header(svc, baseUrl, what), `${curl("@-")} <<'JSON'`, JSON.stringify(chatRequestBody(svc), null, 2), "JSON", ""].join("\n");
}

function visionScript(svc: ServicePlan, baseUrl: string): string {
  const [before, after] = JSON.stringify(visionRequestBody(svc, IMAGE_PLACEHOLDER)).split(IMAGE_PLACEHOLDER);
  return [
    ...header(svc, baseUrl, ["image + text chat completion (chat template qwen2-vl).", "Usage: ./" + `${svc.name}.sh [image.png|image.jpg]  (with a file, also sends it inline as base64)`]),
    "",
    "# 1) The image by URL.",
    `${curl("@-")} <<'JSON'`,
    JSON.stringify(visionRequestBody(svc, EXAMPLE_IMAGE_URL), null, 2),
    "JSON",
    "echo",
    "",
    "# 2) A local image inline as a base64 data URI, streamed so large images never hit argv limits.",
    'if [[ $# -ge 1 ]]; then',
    '  image="$1"',
    '  case "$image" in',
    "    *.png | *.PNG) mime=image/png ;;",
    "    *) mime=image/jpeg ;;",
    "  esac",
    "  {",
    `    printf '%s' ${shq(before)}`,
    `    printf 'data:%s;base64,' "$mime"`,
    "    base64 < \"$image\" | tr -d '\\n'",
    `    printf '%s' ${shq(after)}`,
    `  } | ${curl("@-")}`,
    "  echo",
    "fi",
    "",
  ].join("\n");
}

/** The example script of one service, calling `baseUrl` (the service's endpoint). */
export function exampleScript(svc: ServicePlan, baseUrl: string): string {
  return svc.model.multimodal ? visionScript(svc, baseUrl) : textScript(svc, baseUrl);
}

/** Example script per service name. */
export function exampleRequests(plan: DeploymentPlan, endpoints: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    plan.services.map((s) => {
      const url = endpoints[s.name];
      if (!url) throw new Error(`no endpoint for service '${s.name}'`);
      return [s.name, exampleScript(s, url)];
    }),
  );
}

/** The scripts as artifacts, `examples/<service>.sh`. */
export function exampleArtifacts(plan: DeploymentPlan, endpoints: Readonly<Record<string, string>>): Artifact[] {
  return Object.entries(exampleRequests(plan, endpoints)).map(([name, content]) => ({ path: `examples/${name}.sh`, content, mode: 0o755 }));
}
