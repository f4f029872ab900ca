import * as pulumi from "@pulumi/pulumi";
import { AwsPlatform } from "./aws/aws-platform";
import { StackConfig } from "./config/schema";
import { DockerPlatform } from "./docker/docker-platform";
import { KubernetesPlatform } from "./kubernetes/kubernetes-platform";
import { GrafanaAccess, PlatformOutputs, ServingSecrets } from "./platform";
import { Artifact } from "./render/artifact";
import { DeploymentPlan, PlanOptions, planDeployment } from "./sglang/planner";

export interface QwenServingArgs {
  /** The parsed stack configuration (`StackConfigSchema` output: defaults already applied). */
  readonly config: StackConfig;
  /** Tokens, passwords and API keys, as Pulumi secrets. @default {} */
  readonly secrets?: ServingSecrets;
  /** Name used for the plan, tags and the environment default. @default - pulumi.getStack() */
  readonly stack?: string;
  /** Planner options (model resolution). @default - catalog, then config.json paths */
  readonly planOptions?: PlanOptions;
}

/**
 * SGLang-served Qwen models on one platform (aws, docker or kubernetes): plans GPUs, memory, ports
 * and launch args first, and only then creates the platform's resources. A config that cannot be
 * deployed throws a QwenServingError naming every problem before any child resource exists.
 */
export class QwenServing extends pulumi.ComponentResource implements PlatformOutputs {
  /** The plan every resource was built from. */
  readonly plan: DeploymentPlan;
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly artifacts: pulumi.Output<Artifact[]>;
  readonly grafana?: pulumi.Output<GrafanaAccess>;

  constructor(name: string, args: QwenServingArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plan before super(): a bad config must not even register this component.
    const plan = planDeployment(args.stack ?? pulumi.getStack(), args.config, args.planOptions);
    super("qwen-serving:index:QwenServing", name, {}, opts);
    this.plan = plan;
    const platformArgs = { plan, config: args.config, secrets: args.secrets ?? {} };
    const child = { parent: this };
    const platform: PlatformOutputs =
      plan.platform === "aws"
        ? new AwsPlatform(`${name}-aws`, platformArgs, child)
        : plan.platform === "docker"
          ? new DockerPlatform(`${name}-docker`, platformArgs, child)
          : new KubernetesPlatform(`${name}-k8s`, platformArgs, child);
    this.endpoints = platform.endpoints;
    this.artifacts = platform.artifacts;
    this.grafana = platform.grafana;
    this.registerOutputs({ endpoints: this.endpoints, grafana: this.grafana });
  }
}
