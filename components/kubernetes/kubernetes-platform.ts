import * as pulumi from "@pulumi/pulumi";
import { PlatformArgs, PlatformOutputs } from "../platform";
import { Artifact } from "../render/artifact";

export type KubernetesPlatformArgs = PlatformArgs;

/** Platform adapter for `platform: kubernetes`: turns the plan into kubernetes resources. */
export class KubernetesPlatform extends pulumi.ComponentResource implements PlatformOutputs {
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly artifacts: pulumi.Output<Artifact[]>;

  constructor(name: string, args: KubernetesPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:kubernetes:KubernetesPlatform", name, {}, opts);
    this.endpoints = pulumi.output(Object.fromEntries(args.plan.services.map((s) => [s.name, `http://localhost:${s.port}`])));
    this.artifacts = pulumi.output([]);
    this.registerOutputs({ endpoints: this.endpoints });
  }
}
