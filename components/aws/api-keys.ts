import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../contract";
import { apiKeyParameterName } from "../render/aws/api-key";

export interface ApiKeysArgs {
  /** Stack name, part of each parameter's path. */
  readonly stack: string;
  /** Pulumi project, the first part of each parameter's path. @default "qwen-serving" */
  readonly project?: string;
  /** API key per service name, as Pulumi secrets. */
  readonly keys: Readonly<Record<string, pulumi.Input<string>>>;
  /** Tags on every parameter. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * One SSM SecureString parameter per service API key (`/<project>/<stack>/api-keys/<service>`),
 * created from the Pulumi secret; the value stays a secret in state. Nodes fetch it at boot (see
 * render/aws/api-key.ts), so it never appears in user-data or unit files.
 */
export class ApiKeys extends pulumi.ComponentResource {
  /** Parameter name per service. */
  readonly parameterNames: Readonly<Record<string, string>>;
  /** Parameter ARN per service, for the node role's `ssm:GetParameter` statement. */
  readonly parameterArns: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: ApiKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:aws:ApiKeys", name, {}, opts);
    const params = Object.entries(args.keys).map(([service, key]) => {
      const parameterName = apiKeyParameterName(args.project ?? PROJECT, args.stack, service);
      const param = new aws.ssm.Parameter(
        `${name}-${service}`,
        { name: parameterName, type: "SecureString", value: pulumi.secret(key), description: `API key of the ${service} service (clients send Authorization: Bearer)`, tags: { ...args.tags } },
        { parent: this },
      );
      return { service, parameterName, arn: param.arn };
    });
    this.parameterNames = Object.fromEntries(params.map((p) => [p.service, p.parameterName]));
    this.parameterArns = pulumi.all(Object.fromEntries(params.map((p) => [p.service, p.arn])));
    this.registerOutputs({ parameterNames: this.parameterNames, parameterArns: this.parameterArns });
  }
}
