import * as pulumi from "@pulumi/pulumi";
import { alertingDeliveryProblems } from "./config/alerting";
import { stackConfigProblems } from "./config/checks";
import { StackConfig } from "./config/schema";
import { PROJECT } from "./contract";
import { GrafanaAccess, PlatformOutputs, ServingSecrets, secretsPresent } from "./platform";
import { PLATFORM_REGISTRY, platformEntry } from "./platforms/registry";
import { Platform } from "./platforms/traits";
import { Problem, QwenServingError, Stage, formatProblem } from "./problems";
import { Artifact } from "./render/artifact";
import { DeploymentPlan, PlanOptions, planDeployment } from "./sglang/planner";

export interface QwenServingArgs {
  /** The parsed stack configuration (`StackConfigSchema` output: defaults already applied). */
  readonly config: StackConfig;
  /** Tokens, passwords and API keys, as Pulumi secrets. @default {} */
  readonly secrets?: ServingSecrets;
  /** Name used for the plan, tags and the environment default. @default - pulumi.getStack() */
  readonly stack?: string;
  /**
   * Pulumi project: with the stack it names what is unique per account (SSM parameters
   * `/<project>/<stack>/...`, IAM roles, the load balancer), so two projects' `prod` stacks never share one.
   * @default - pulumi.getProject(), else "qwen-serving"
   */
  readonly project?: string;
  /** AWS region of the stack (aws): the plan's instance prices are its On-Demand prices, or unknown. @default - `aws:region`, else AWS_REGION or AWS_DEFAULT_REGION, as the provider reads it */
  readonly region?: string;
  /** Planner options (model resolution). @default - catalog, then config.json paths */
  readonly planOptions?: PlanOptions;
  /** Config problems the caller already found (e.g. a secret stored in plain text), reported in the same error. @default [] */
  readonly problems?: readonly Problem[];
}

/** The region the default aws provider deploys to: its `aws:region` config, else the environment it falls back to. */
function providerRegion(): string | undefined {
  return new pulumi.Config("aws").get("region") ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
}

/** What the pre-flight found: the plan (when the planner accepted the config) and every problem. */
export interface Preflight {
  readonly plan?: DeploymentPlan;
  readonly problems: readonly Problem[];
  /** The earliest stage with a problem. @default - none */
  readonly stage?: Stage;
}

/**
 * Everything that can be known before a resource exists, all at once: the config's cross-key rules,
 * the planner, and the platform adapter's own checks. Pure; `QwenServing` throws its problems.
 */
export function preflight(args: QwenServingArgs): Preflight {
  const config: Problem[] = [...(args.problems ?? []), ...stackConfigProblems(args.config)];
  // The planner and the adapters assume a config that passed its checks; when it did not, a crash
  // there is a consequence of the problems already found, not news.
  const guarded = <T>(run: () => T, onError: (e: QwenServingError) => T): T => {
    try {
      return run();
    } catch (e) {
      if (e instanceof QwenServingError) return onError(e);
      if (config.length) return onError(new QwenServingError("config", []));
      throw e;
    }
  };
  let planProblems: readonly Problem[] = [];
  const plan = guarded<DeploymentPlan | undefined>(
    () =>
      planDeployment(args.stack ?? pulumi.getStack(), args.config, {
        ...args.planOptions,
        project: args.project ?? args.planOptions?.project ?? (pulumi.getProject() || PROJECT),
        region: args.region ?? args.planOptions?.region ?? providerRegion(),
      }),
    (e) => ((planProblems = e.problems), undefined),
  );
  const secrets = secretsPresent(args.secrets ?? {});
  // Alerts must reach someone (a prod stack), with each receiver's secret: known once the plan names the environment.
  const monitoring = args.config.monitoring;
  if (plan && monitoring.enabled) planProblems = [...planProblems, ...alertingDeliveryProblems(monitoring.alerting, plan.environment, secrets.alertingSecrets ?? [])];
  const platform = guarded(
    () => platformEntry(args.config.platform).adapter.validate({ plan, config: args.config, secrets }),
    (e) => e.problems,
  );
  // The same rule broken twice (e.g. a missing password seen by two checks) is reported once.
  const problems = [...new Map([...config, ...planProblems, ...platform].map((p) => [formatProblem(p), p])).values()];
  const stage: Stage | undefined = config.length ? "config" : planProblems.length ? "plan" : platform.length ? "platform" : undefined;
  return { plan, problems, stage };
}

/** Each platform's adapter component, as the registry creates it. */
export type PlatformAdapters = { readonly [P in Platform]: InstanceType<(typeof PLATFORM_REGISTRY)[P]["adapter"]> };

/**
 * SGLang-served Qwen models on one platform (aws, docker or kubernetes): plans GPUs, memory, ports
 * and launch args first, and only then creates the platform's resources. A config that cannot be
 * deployed throws one QwenServingError naming every problem (config, plan and platform) before any
 * child resource exists.
 *
 * The platform's adapter is reachable, typed, under its name, so a program can add what the
 * component does not do without forking it: `serving.aws?.frontDoor.loadBalancer` (a WAF, an
 * alarm), `serving.aws?.gpuNodes[0].instance`, `serving.docker?.hosts[0].provider`,
 * `serving.kubernetes?.workloads[0].statefulSet`. Only the deployed platform's field is set.
 */
export class QwenServing extends pulumi.ComponentResource implements PlatformOutputs {
  /** The plan every resource was built from. */
  readonly plan: DeploymentPlan;
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly artifacts: pulumi.Output<Artifact[]>;
  readonly grafana?: pulumi.Output<GrafanaAccess>;
  /** aws: network, front door, GPU nodes with their weight caches, monitoring. @default - unset on other platforms */
  readonly aws?: PlatformAdapters["aws"];
  /** docker: one DockerHost per host (its provider and containers). @default - unset on other platforms */
  readonly docker?: PlatformAdapters["docker"];
  /** kubernetes: the serving workloads and cluster monitoring. @default - unset on other platforms */
  readonly kubernetes?: PlatformAdapters["kubernetes"];

  constructor(name: string, args: QwenServingArgs, opts?: pulumi.ComponentResourceOptions) {
    // Check before super(): a bad config must not even register this component.
    const checked = preflight(args);
    if (checked.stage) throw new QwenServingError(checked.stage, checked.problems);
    const plan = checked.plan!;
    super("qwen-serving:index:QwenServing", name, {}, opts);
    this.plan = plan;
    const platformArgs = { plan, config: args.config, secrets: args.secrets ?? {} };
    const child = { parent: this };
    const entry = platformEntry(plan.platform);
    const platform = new entry.adapter(`${name}-${entry.childSuffix}`, platformArgs, child);
    // The one field named after the deployed platform; the others stay unset.
    Object.assign(this, { [plan.platform]: platform });
    this.endpoints = platform.endpoints;
    this.artifacts = platform.artifacts;
    this.grafana = platform.grafana;
    this.registerOutputs({ endpoints: this.endpoints, grafana: this.grafana });
  }
}
