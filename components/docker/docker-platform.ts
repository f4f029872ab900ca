import * as pulumi from "@pulumi/pulumi";
import { PlatformArgs, PlatformOutputs } from "../platform";
import { Artifact } from "../render/artifact";

export type DockerPlatformArgs = PlatformArgs;

/** Platform adapter for `platform: docker`: turns the plan into docker resources. */
export class DockerPlatform extends pulumi.ComponentResource implements PlatformOutputs {
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly artifacts: pulumi.Output<Artifact[]>;

  constructor(name: string, args: DockerPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:docker:DockerPlatform", name, {}, opts);
    this.endpoints = pulumi.output(Object.fromEntries(args.plan.services.map((s) => [s.name, `http://localhost:${s.port}`])));
    this.artifacts = pulumi.output([]);
    this.registerOutputs({ endpoints: this.endpoints });
  }
}
