/**
 * What the Pulumi AWS provider (the bridged Terraform provider's validation, the bridge's autonaming)
 * or the AWS API refuse at `pulumi preview` or at create, as one table of data: each row names the
 * resource types it applies to, the rule, when it bites, and its source. Pure: the mock tests run it
 * over every registered resource, and the naming helper and the planners read its numbers.
 * Sources read on 2026-11 (AWS docs pages, hashicorp/terraform-provider-aws, pulumi/pulumi-aws
 * provider/*.go, and the installed @pulumi/aws 7.48.0 type docs).
 */

/** A resource as the engine saw it: logical name, inputs, and what the provider answered (id, outputs). */
export interface RegisteredResource {
  readonly type: string;
  /** Logical (Pulumi) name. */
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Outputs the provider returned (the physical `name` after autonaming). @default {} */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** The provider's id. @default - unknown */
  readonly id?: string;
}

/** One broken limit on one resource. */
export interface LimitViolation {
  readonly limit: string;
  readonly type: string;
  readonly name: string;
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
  readonly source: string;
}

export interface Finding {
  readonly field: string;
  readonly value: unknown;
}

export interface AwsLimit {
  readonly id: string;
  /** Resource types the row applies to. */
  readonly types: readonly string[];
  readonly rule: string;
  /** When a bad value fails: the provider's check (preview) or the AWS API call (create). */
  readonly failsAt: "preview" | "create";
  readonly source: string;
  readonly check: (r: RegisteredResource, all: readonly RegisteredResource[]) => readonly Finding[];
}

export const T = {
  lb: "aws:lb/loadBalancer:LoadBalancer",
  tg: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  rule: "aws:lb/listenerRule:ListenerRule",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  role: "aws:iam/role:Role",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  parameter: "aws:ssm/parameter:Parameter",
  instance: "aws:ec2/instance:Instance",
  volume: "aws:ebs/volume:Volume",
  attachment: "aws:ec2/volumeAttachment:VolumeAttachment",
  topic: "aws:sns/topic:Topic",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
} as const;

/** The numbers, for the naming helper, the planners and the config schema. */
export const LIMITS = {
  elbNameMax: 32,
  /** name_prefix of aws_lb / aws_lb_target_group: 32 minus Terraform's 26-character unique suffix. */
  elbNamePrefixMax: 6,
  /** Terraform's `id.PrefixedUniqueId` suffix: 18 timestamp digits and an 8-hex counter. */
  terraformUniqueSuffix: 26,
  iamRoleNameMax: 64,
  iamRoleNamePrefixMax: 64 - 26,
  iamInstanceProfileNameMax: 128,
  iamPolicyNameMax: 128,
  iamRolePolicySizeMax: 10_240,
  sgTextMax: 255,
  listenerRuleValuesPerCondition: 3,
  listenerRuleValuesPerRule: 5,
  listenerRulePriority: { min: 1, max: 50_000 },
  ssmParameterArnMax: 1011,
  ssmHierarchyDepthMax: 15,
  tagsPerResource: 50,
  tagKeyMax: 128,
  tagValueMax: 256,
  userDataBytes: 16_384,
  gp3: { sizeGiB: { min: 1, max: 65_536 }, iops: { min: 3000, max: 80_000 }, throughputMiBps: { min: 125, max: 2000 }, iopsPerGiB: 500, mibpsPerIops: 0.25 },
  albIdleTimeoutSeconds: { min: 1, max: 4000 },
  healthCheck: { intervalSeconds: { min: 5, max: 300, default: 30 }, timeoutSeconds: { min: 2, max: 120, defaultHttp: 6 }, threshold: { min: 2, max: 10 } },
  deregistrationDelaySeconds: { min: 0, max: 3600 },
  snsTopicNameMax: 256,
  alarmNameMax: 255,
} as const;

export const str = (v: unknown): v is string => typeof v === "string";
export const num = (v: unknown): v is number => typeof v === "number";
export const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
/** The physical name: what the provider answered, else what the program gave. */
export const physicalName = (r: RegisteredResource, field = "name"): unknown => r.outputs?.[field] ?? r.inputs[field];
export const when = (bad: boolean, field: string, value: unknown): Finding[] => (bad ? [{ field, value }] : []);
export const outside = (v: unknown, range: { readonly min: number; readonly max: number }) => num(v) && (v < range.min || v > range.max);

export const ELB_NAME = /^[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?$/;
export const ELB_PREFIX = /^[0-9A-Za-z][0-9A-Za-z-]*$/;
export const IAM_NAME = /^[\w+=,.@-]+$/;
/** Security group names, descriptions and rule descriptions (EC2-VPC). */
export const SG_TEXT = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
export const SSM_NAME = /^[a-zA-Z0-9_.\-/]+$/;
/** Tag characters all tagging services accept (ELB and IAM are the strict ones). */
export const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const SSM_PARAMETER_NAME_RULE = `name of [a-zA-Z0-9_.-/], fully qualified (leading "/") when it has a path, ≤ ${LIMITS.ssmHierarchyDepthMax} levels, not starting with "aws" or "ssm", ARN ≤ ${LIMITS.ssmParameterArnMax} characters`;
export const SSM_PARAMETER_NAME_SOURCE = "https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html";

/**
 * Whether SSM accepts `name` as a parameter name (SSM_PARAMETER_NAME_RULE). Without the ARN the
 * provider answered, the longest ARN any partition and region gives the name is measured.
 */
export function ssmParameterNameOk(name: string, arnLength?: number): boolean {
  const levels = name.split("/").filter(Boolean);
  const arn = arnLength ?? `arn:aws-us-gov:ssm:ap-southeast-5:123456789012:parameter${name.startsWith("/") ? "" : "/"}${name}`.length;
  return (
    SSM_NAME.test(name) &&
    !(name.includes("/") && !name.startsWith("/")) &&
    levels.length <= LIMITS.ssmHierarchyDepthMax &&
    !/^(aws|ssm)/i.test(levels[0] ?? "") &&
    arn <= LIMITS.ssmParameterArnMax &&
    !name.includes("//")
  );
}

export function elbName(r: RegisteredResource): Finding[] {
  const n = physicalName(r);
  if (!str(n)) return [];
  return when(n.length > LIMITS.elbNameMax || !ELB_NAME.test(n) || n.startsWith("internal-"), "name", n);
}
export function elbPrefix(r: RegisteredResource): Finding[] {
  const p = r.inputs.namePrefix;
  return str(p) ? when(p.length > LIMITS.elbNamePrefixMax || !ELB_PREFIX.test(p) || p.startsWith("internal-"), "namePrefix", p) : [];
}
export function iamName(max: number, prefixMax: number) {
  return (r: RegisteredResource): Finding[] => {
    const n = physicalName(r);
    const p = r.inputs.namePrefix;
    return [...(str(n) ? when(n.length > max || !IAM_NAME.test(n), "name", n) : []), ...(str(p) ? when(p.length > prefixMax || !IAM_NAME.test(p), "namePrefix", p) : [])];
  };
}
export function sgText(field: string) {
  return (r: RegisteredResource): Finding[] => {
    const v = field === "name" ? physicalName(r) : r.inputs[field];
    if (!str(v)) return [];
    return when(v.length > LIMITS.sgTextMax || !SG_TEXT.test(v) || (field === "name" && v.startsWith("sg-")), field, v);
  };
}

export type Condition = Record<string, unknown>;
export const CONDITION_VALUES: Record<string, (c: Record<string, unknown>) => unknown[]> = {
  hostHeader: (c) => (c.values as unknown[]) ?? [],
  httpHeader: (c) => (c.values as unknown[]) ?? [],
  httpRequestMethod: (c) => (c.values as unknown[]) ?? [],
  pathPattern: (c) => (c.values as unknown[]) ?? [],
  sourceIp: (c) => (c.values as unknown[]) ?? [],
  queryStrings: (c) => (Array.isArray(c) ? c : [c]),
};
export const conditionsOf = (r: RegisteredResource): Condition[] => (Array.isArray(r.inputs.conditions) ? (r.inputs.conditions as Condition[]) : []);
export const valuesOf = (c: Condition) => Object.entries(c).flatMap(([k, v]) => (CONDITION_VALUES[k] ? CONDITION_VALUES[k](v as Record<string, unknown>) : []));

/** Every `tags` map of a resource, with its field path (instances also tag their volumes). */
export function tagMaps(r: RegisteredResource): [string, Record<string, unknown>][] {
  const maps: [string, Record<string, unknown>][] = [];
  if (r.inputs.tags) maps.push(["tags", obj(r.inputs.tags)]);
  if (r.inputs.volumeTags) maps.push(["volumeTags", obj(r.inputs.volumeTags)]);
  if (obj(r.inputs.rootBlockDevice).tags) maps.push(["rootBlockDevice.tags", obj(obj(r.inputs.rootBlockDevice).tags)]);
  return maps;
}

/** The bytes EC2 receives as user data: base64-decoded userDataBase64, or userData as UTF-8. */
export function userDataBytes(inputs: Readonly<Record<string, unknown>>): number | undefined {
  if (str(inputs.userDataBase64)) return Buffer.from(inputs.userDataBase64, "base64").length;
  if (str(inputs.userData)) return Buffer.byteLength(inputs.userData, "utf8");
  return undefined;
}

/** gp3 rules on one volume's size, IOPS and throughput (absent IOPS/throughput are the 3000/125 baseline). */
export function gp3Findings(prefix: string, v: { size?: unknown; iops?: unknown; throughput?: unknown }): Finding[] {
  const g = LIMITS.gp3;
  const iops = num(v.iops) ? v.iops : g.iops.min;
  const out: Finding[] = [
    ...when(outside(v.size, g.sizeGiB), `${prefix}size`, v.size),
    ...when(outside(v.iops, g.iops), `${prefix}iops`, v.iops),
    ...when(outside(v.throughput, g.throughputMiBps), `${prefix}throughput`, v.throughput),
  ];
  // The baseline 3000 IOPS / 125 MiB/s come with any size; only provisioned performance above it is capped by the ratios.
  if (iops > g.iops.min && num(v.size) && iops > v.size * g.iopsPerGiB) out.push({ field: `${prefix}iops`, value: { iops, sizeGiB: v.size } });
  if (num(v.throughput) && v.throughput > g.throughputMiBps.min && v.throughput > iops * g.mibpsPerIops) out.push({ field: `${prefix}throughput`, value: { throughput: v.throughput, iops } });
  return out;
}
