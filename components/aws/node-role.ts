import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../contract";
import { awsNames, stackParameterName } from "./naming";

export interface NodeRoleArgs {
  /** Stack name: token parameters are `/<project>/<stack>/<token>`. */
  readonly stack: string;
  /** Download tokens, as Pulumi secrets; each given one becomes an SSM SecureString parameter. @default {} */
  readonly tokens?: { readonly hfToken?: pulumi.Input<string>; readonly modelscopeToken?: pulumi.Input<string> };
  /** Other SSM parameters the nodes read at boot (service API keys); give it only when non-empty. @default [] */
  readonly readParameterArns?: pulumi.Input<pulumi.Input<string>[]>;
  /** `s3://bucket/prefix/` weight sources the nodes download from. @default [] */
  readonly s3Uris?: readonly string[];
  /** Tags on every resource. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** Pulumi project, part of the role's name and the token parameters' path. @default "qwen-serving" */
  readonly project?: string;
}

/**
 * What the SSM agent needs for Session Manager (the only way onto a node: no SSH, no key pair), as
 * AWS documents the minimal instance permissions for it; nothing else of SSM.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html
 */
export const SESSION_MANAGER_STATEMENT = {
  Sid: "SessionManager",
  Effect: "Allow",
  Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
  Resource: "*",
} as const;

/** SSM parameter of a download token: `/<project>/<stack>/<token>`. */
export const tokenParameterName = (project: string, stack: string, token: "hf-token" | "modelscope-token"): string => stackParameterName(project, stack, token);

/**
 * The GPU nodes' identity: an EC2 role with Session Manager's minimal actions (the only way in: no SSH, no key pair) plus
 * exactly what the bootstrap reads (its token and API-key parameters, its S3 weight prefixes), an
 * instance profile, and the download tokens as SSM SecureString parameters only this role may read.
 */
export class NodeRole extends pulumi.ComponentResource {
  readonly roleName: pulumi.Output<string>;
  readonly instanceProfileName: pulumi.Output<string>;
  /** Names of the token parameters that exist, for the bootstrap. */
  readonly tokenParameters: { readonly hfToken?: string; readonly modelscopeToken?: string };

  constructor(name: string, args: NodeRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:aws:NodeRole", name, {}, opts);
    const child = { parent: this };
    const tags = { ...args.tags };
    const partition = aws.getPartitionOutput({}, child).partition;
    const project = args.project ?? PROJECT;
    const names = awsNames(args.stack, project);

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        namePrefix: names.rolePrefix("node"),
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
        description: "qwen-serving GPU nodes",
        tags,
      },
      child,
    );
    // No AmazonSSMManagedInstanceCore: it allows ssm:GetParameter* on every parameter of the account.
    // Session Manager needs only SESSION_MANAGER_STATEMENT; the boot reads only its own parameters below.

    const tokens: { key: "hfToken" | "modelscopeToken"; file: "hf-token" | "modelscope-token"; value: pulumi.Input<string> }[] = [];
    if (args.tokens?.hfToken) tokens.push({ key: "hfToken", file: "hf-token", value: args.tokens.hfToken });
    if (args.tokens?.modelscopeToken) tokens.push({ key: "modelscopeToken", file: "modelscope-token", value: args.tokens.modelscopeToken });
    const params = tokens.map((t) => ({
      key: t.key,
      name: tokenParameterName(project, args.stack, t.file),
      resource: new aws.ssm.Parameter(
        `${name}-${t.file}`,
        {
          name: tokenParameterName(project, args.stack, t.file),
          type: "SecureString",
          value: pulumi.secret(t.value),
          description: `qwen-serving ${args.stack}: weights download token, read by the GPU nodes at boot`,
          tags,
        },
        child,
      ),
    }));
    this.tokenParameters = Object.fromEntries(params.map((p) => [p.key, p.name]));

    const s3 = (args.s3Uris ?? []).map((uri) => {
      const [bucket, ...rest] = uri.slice("s3://".length).split("/");
      return { bucket, prefix: rest.join("/") };
    });
    const policy = pulumi.all([partition, pulumi.output(args.readParameterArns ?? []), pulumi.all(params.map((p) => p.resource.arn))]).apply(([part, extra, own]) => {
      const statements: object[] = [SESSION_MANAGER_STATEMENT];
      const arns = [...own, ...extra];
      if (arns.length) statements.push({ Sid: "BootParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: arns });
      for (const { bucket, prefix } of s3) {
        statements.push({ Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:${part}:s3:::${bucket}`, Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } });
        statements.push({ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:${part}:s3:::${bucket}/${prefix}*` });
      }
      return JSON.stringify({ Version: "2012-10-17", Statement: statements });
    });
    new aws.iam.RolePolicy(`${name}-boot`, { name: names.rolePolicy("node", "boot"), role: role.id, policy }, child);

    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { namePrefix: names.instanceProfilePrefix("node"), role: role.name, tags }, child);
    this.roleName = role.name;
    // An instance profile's id is its name (known without a lookup, also under mocks).
    this.instanceProfileName = profile.id;
    this.registerOutputs({ roleName: this.roleName, instanceProfileName: this.instanceProfileName });
  }
}
