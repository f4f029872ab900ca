import * as pulumi from "@pulumi/pulumi";
import { GrafanaAccess } from "../components/platform";
import { QwenServing } from "../components/qwen-serving";
import { exampleRequests } from "../components/render/examples";
import { readStackConfig } from "./config";

/** The stack outputs `pulumi stack output` shows. */
export interface StackOutputs {
  /** Base URL per service. */
  readonly endpoints: pulumi.Output<Record<string, string>>;
  /** Planned KV tokens / context per service, for a quick look after `pulumi up`. */
  readonly capacity: Record<string, { gpu: string; tp: number; replicas: number; kvTokens: number; contextLength: number }>;
  /** Ready-to-paste example request per service: a bash script calling its endpoint with curl. */
  readonly exampleRequests: pulumi.Output<Record<string, string>>;
  /** How to open Grafana: its URL, and on aws without grafanaAllowedCidrs the SSM port-forwarding command to run first. */
  readonly grafana?: pulumi.Output<GrafanaAccess>;
  /** aws: the SNS topic created for each SNS alert receiver without a topicArn (subscribe people to it). */
  readonly alertTopicArns?: pulumi.Output<Record<string, string>>;
}

/**
 * The stack program: read config once, then one QwenServing, which reports every problem (the
 * config reader's, the config's, the plan's, the platform's) in one error. Shared by
 * `pulumi up` (infra/index.ts) and the offline plan, which runs it under mocks.
 */
export function runProgram(): { serving: QwenServing; outputs: StackOutputs } {
  const { config, secrets, problems } = readStackConfig();
  const serving = new QwenServing(`qwen-${pulumi.getStack()}`, { config, secrets, stack: pulumi.getStack(), problems });
  const capacity = Object.fromEntries(
    serving.plan.services.map((s) => [s.name, { gpu: s.capacity.gpu, tp: s.tp, replicas: s.replicas, kvTokens: s.capacity.kvTokens, contextLength: s.capacity.contextLength }]),
  );
  const alertTopicArns = serving.aws?.monitoring?.alertTopicArns;
  return { serving, outputs: { endpoints: serving.endpoints, capacity, exampleRequests: serving.endpoints.apply((e) => exampleRequests(serving.plan, e)), grafana: serving.grafana, alertTopicArns } };
}
