import { DeploymentPlan, ServicePlan } from "../sglang/planner";
import { Artifact } from "./artifact";
import { renderShellScript } from "./scripts/sources";

/**
 * Ready-to-paste example requests per service, from the seed: Qwen3 chat in non-thinking mode with
 * the seed's recommended sampling, and Qwen2.5-VL with an image given by URL and inline as base64.
 * Each is a bash script (`examples/<service>.sh`, from files/example-chat.sh or
 * files/example-vision.sh) that calls the service's endpoint with curl; request bodies are built
 * with JSON.stringify, never by hand.
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

const IMAGE_PLACEHOLDER = "@@IMAGE_DATA_URI@@";

const isQwen3 = (svc: ServicePlan) => svc.model.architecture.startsWith("Qwen3");

/** Body of the text chat example; Qwen3 gets non-thinking mode and the seed's sampling. */
export function chatRequestBody(svc: ServicePlan): Record<string, unknown> {
  const messages = [{ role: "user", content: "Give me a short introduction to large language models." }];
  return isQwen3(svc) ? { model: svc.model.id, messages, ...QWEN3_SAMPLING, chat_template_kwargs: { enable_thinking: false } } : { model: svc.model.id, messages, max_tokens: 1024 };
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

/** The text example (files/example-chat.sh): POSTs the service's recommended request. */
function textScript(svc: ServicePlan, baseUrl: string): string {
  return renderShellScript<{ DEFAULT_BASE_URL: string; REQUEST: string }>("example-chat.sh", {
    DEFAULT_BASE_URL: baseUrl,
    REQUEST: JSON.stringify(chatRequestBody(svc), null, 2),
  });
}

/** The vision example (files/example-vision.sh): the image by URL, then a given file inline. */
function visionScript(svc: ServicePlan, baseUrl: string): string {
  const [before, after] = JSON.stringify(visionRequestBody(svc, IMAGE_PLACEHOLDER)).split(IMAGE_PLACEHOLDER);
  return renderShellScript<{ DEFAULT_BASE_URL: string; REQUEST: string; INLINE_BEFORE: string; INLINE_AFTER: string }>("example-vision.sh", {
    DEFAULT_BASE_URL: baseUrl,
    REQUEST: JSON.stringify(visionRequestBody(svc, EXAMPLE_IMAGE_URL), null, 2),
    INLINE_BEFORE: before,
    INLINE_AFTER: after,
  });
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
