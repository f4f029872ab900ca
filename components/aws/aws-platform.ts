import * as pulumi from "@pulumi/pulumi";
import { PlatformArgs, PlatformOutputs } from "../platform";
import { Artifact } from "../render/artifact";

export type AwsPlatformArgs = PlatformArgs;

/**
 * Platform adapter for `platform: aws`: network, GPU nodes with their weight caches, the load
 * balancer in front, and the monitoring instance, all from the plan.
 */
export class AwsPlatform extends pulumi.ComponentResource implements PlatformOutputs {
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly artifacts: pulumi.Output<Artifact[]>;

  constructor(name: string, args: AwsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:aws:AwsPlatform", name, {}, opts);
    const artifacts: pulumi.Output<Artifact[]>[] = [];

    // --- network (issue 4: AwsNetwork) ---

    // --- GPU nodes and weight caches (issue 3: GpuNode, WeightCache) ---

    // --- front door (issue 4: load balancer, router, API keys) ---

    // --- monitoring (issue 5: monitoring instance) ---

    this.endpoints = pulumi.output(Object.fromEntries(args.plan.services.map((s) => [s.name, `http://localhost:${s.port}`])));
    this.artifacts = pulumi.all(artifacts).apply((lists) => lists.flat());
    this.registerOutputs({ endpoints: this.endpoints });
  }
}
