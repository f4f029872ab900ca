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

interface Finding {
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

const str = (v: unknown): v is string => typeof v === "string";
const num = (v: unknown): v is number => typeof v === "number";
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
/** The physical name: what the provider answered, else what the program gave. */
export const physicalName = (r: RegisteredResource, field = "name"): unknown => r.outputs?.[field] ?? r.inputs[field];
const when = (bad: boolean, field: string, value: unknown): Finding[] => (bad ? [{ field, value }] : []);
const outside = (v: unknown, range: { readonly min: number; readonly max: number }) => num(v) && (v < range.min || v > range.max);

const ELB_NAME = /^[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?$/;
const ELB_PREFIX = /^[0-9A-Za-z][0-9A-Za-z-]*$/;
const IAM_NAME = /^[\w+=,.@-]+$/;
/** Security group names, descriptions and rule descriptions (EC2-VPC). */
const SG_TEXT = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
const SSM_NAME = /^[a-zA-Z0-9_.\-/]+$/;
/** Tag characters all tagging services accept (ELB and IAM are the strict ones). */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

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

function elbName(r: RegisteredResource): Finding[] {
  const n = physicalName(r);
  if (!str(n)) return [];
  return when(n.length > LIMITS.elbNameMax || !ELB_NAME.test(n) || n.startsWith("internal-"), "name", n);
}
function elbPrefix(r: RegisteredResource): Finding[] {
  const p = r.inputs.namePrefix;
  return str(p) ? when(p.length > LIMITS.elbNamePrefixMax || !ELB_PREFIX.test(p) || p.startsWith("internal-"), "namePrefix", p) : [];
}
function iamName(max: number, prefixMax: number) {
  return (r: RegisteredResource): Finding[] => {
    const n = physicalName(r);
    const p = r.inputs.namePrefix;
    return [...(str(n) ? when(n.length > max || !IAM_NAME.test(n), "name", n) : []), ...(str(p) ? when(p.length > prefixMax || !IAM_NAME.test(p), "namePrefix", p) : [])];
  };
}
function sgText(field: string) {
  return (r: RegisteredResource): Finding[] => {
    const v = field === "name" ? physicalName(r) : r.inputs[field];
    if (!str(v)) return [];
    return when(v.length > LIMITS.sgTextMax || !SG_TEXT.test(v) || (field === "name" && v.startsWith("sg-")), field, v);
  };
}

type Condition = Record<string, unknown>;
const CONDITION_VALUES: Record<string, (c: Record<string, unknown>) => unknown[]> = {
  hostHeader: (c) => (c.values as unknown[]) ?? [],
  httpHeader: (c) => (c.values as unknown[]) ?? [],
  httpRequestMethod: (c) => (c.values as unknown[]) ?? [],
  pathPattern: (c) => (c.values as unknown[]) ?? [],
  sourceIp: (c) => (c.values as unknown[]) ?? [],
  queryStrings: (c) => (Array.isArray(c) ? c : [c]),
};
const conditionsOf = (r: RegisteredResource): Condition[] => (Array.isArray(r.inputs.conditions) ? (r.inputs.conditions as Condition[]) : []);
const valuesOf = (c: Condition) => Object.entries(c).flatMap(([k, v]) => (CONDITION_VALUES[k] ? CONDITION_VALUES[k](v as Record<string, unknown>) : []));

/** Every `tags` map of a resource, with its field path (instances also tag their volumes). */
function tagMaps(r: RegisteredResource): [string, Record<string, unknown>][] {
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

const ELB_API = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference";
const TF_ELB = "hashicorp/terraform-provider-aws internal/service/elbv2/validate.go (validName, validNamePrefix, validTargetGroupName*)";
const SG_API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html";
const IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";

export const AWS_LIMITS: readonly AwsLimit[] = [
  {
    id: "lb-name",
    types: [T.lb],
    failsAt: "preview",
    rule: `name ≤ ${LIMITS.elbNameMax} characters of [A-Za-z0-9-], no leading or trailing hyphen, not starting with "internal-"; the bridge autonames aws_lb with no length cap (logical name + "-" + 7 hex), so a long logical name fails validation`,
    source: `${ELB_API}/API_CreateLoadBalancer.html; ${TF_ELB}; pulumi/pulumi-aws provider/autonaming.go (default maxlen 255)`,
    check: elbName,
  },
  {
    id: "tg-name",
    types: [T.tg],
    failsAt: "preview",
    rule: `name ≤ ${LIMITS.elbNameMax} characters of [A-Za-z0-9-], no leading or trailing hyphen; the bridge's AutoName("name", 32) fails when logical name + 8 exceeds 32`,
    source: `${ELB_API}/API_CreateTargetGroup.html; ${TF_ELB}; pulumi/pulumi-aws provider/aliases.go (aws_lb_target_group AutoName 32)`,
    check: elbName,
  },
  {
    id: "elb-name-prefix",
    types: [T.lb, T.tg],
    failsAt: "preview",
    rule: `namePrefix ≤ ${LIMITS.elbNamePrefixMax} characters of [A-Za-z0-9-], not starting with a hyphen (Terraform appends a 26-character unique id)`,
    source: `${TF_ELB}; @pulumi/aws lb/targetGroup.d.ts namePrefix doc`,
    check: elbPrefix,
  },
  {
    id: "listener-rule-condition-values",
    types: [T.rule],
    failsAt: "create",
    rule: `at most ${LIMITS.listenerRuleValuesPerCondition} match values per condition`,
    source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html (Rule basics)",
    check: (r) => conditionsOf(r).flatMap((c, i) => when(valuesOf(c).length > LIMITS.listenerRuleValuesPerCondition, `conditions[${i}]`, valuesOf(c))),
  },
  {
    id: "listener-rule-values-per-rule",
    types: [T.rule],
    failsAt: "create",
    rule: `at most ${LIMITS.listenerRuleValuesPerRule} match values per rule, summed over its conditions`,
    source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html (Rule basics)",
    check: (r) => {
      const n = conditionsOf(r).flatMap(valuesOf).length;
      return when(n > LIMITS.listenerRuleValuesPerRule, "conditions", n);
    },
  },
  {
    id: "listener-rule-condition-kinds",
    types: [T.rule],
    failsAt: "create",
    rule: "at least one condition; at most one each of host-header, http-request-method, path-pattern and source-ip",
    source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html (Rule basics)",
    check: (r) => {
      const cs = conditionsOf(r);
      const dup = ["hostHeader", "httpRequestMethod", "pathPattern", "sourceIp"].filter((k) => cs.filter((c) => k in c).length > 1);
      return [...when(cs.length === 0, "conditions", cs), ...dup.map((k) => ({ field: `conditions.${k}`, value: cs.filter((c) => k in c).length }))];
    },
  },
  {
    id: "listener-rule-priority",
    types: [T.rule],
    failsAt: "create",
    rule: `priority an integer ${LIMITS.listenerRulePriority.min}–${LIMITS.listenerRulePriority.max}, unique per listener`,
    source: `${ELB_API}/API_CreateRule.html (Priority; PriorityInUse)`,
    check: (r, all) => {
      const p = r.inputs.priority;
      const same = all.filter((o) => o !== r && o.type === T.rule && o.inputs.listenerArn !== undefined && o.inputs.listenerArn === r.inputs.listenerArn && o.inputs.priority === p);
      return [
        ...when(p !== undefined && (!Number.isInteger(p) || outside(p, LIMITS.listenerRulePriority)), "priority", p),
        ...when(same.length > 0, "priority", { priority: p, sharedWith: same.map((o) => o.name) }),
      ];
    },
  },
  {
    id: "sg-name",
    types: [T.sg],
    failsAt: "create",
    rule: `group name ≤ ${LIMITS.sgTextMax} characters of a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with "sg-"`,
    source: SG_API,
    check: sgText("name"),
  },
  {
    id: "sg-description",
    types: [T.sg],
    failsAt: "create",
    rule: `description ≤ ${LIMITS.sgTextMax} characters of a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*`,
    source: SG_API,
    check: sgText("description"),
  },
  {
    id: "sg-rule-description",
    types: [T.ingress, T.egress],
    failsAt: "create",
    rule: `rule description ≤ ${LIMITS.sgTextMax} characters of a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*`,
    source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html (Description)",
    check: sgText("description"),
  },
  {
    id: "iam-role-name",
    types: [T.role],
    failsAt: "preview",
    rule: `role name ≤ ${LIMITS.iamRoleNameMax} characters of [\\w+=,.@-] (the bridge's AutoName("name", 64) fails past that); namePrefix ≤ ${LIMITS.iamRoleNamePrefixMax}`,
    source: `${IAM_QUOTAS}; https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html; pulumi/pulumi-aws provider/resource_overrides.go (aws_iam_role AutoName 64)`,
    check: iamName(LIMITS.iamRoleNameMax, LIMITS.iamRoleNamePrefixMax),
  },
  {
    id: "iam-instance-profile-name",
    types: [T.profile],
    failsAt: "create",
    rule: `instance profile name ≤ ${LIMITS.iamInstanceProfileNameMax} characters of [\\w+=,.@-]`,
    source: `${IAM_QUOTAS}; https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html`,
    check: iamName(LIMITS.iamInstanceProfileNameMax, LIMITS.iamInstanceProfileNameMax - LIMITS.terraformUniqueSuffix),
  },
  {
    id: "iam-policy-name",
    types: [T.rolePolicy, T.policy],
    failsAt: "create",
    rule: `policy name ≤ ${LIMITS.iamPolicyNameMax} characters of [\\w+=,.@-]`,
    source: `${IAM_QUOTAS}; https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html`,
    check: iamName(LIMITS.iamPolicyNameMax, LIMITS.iamPolicyNameMax - LIMITS.terraformUniqueSuffix),
  },
  {
    id: "iam-role-policy-size",
    types: [T.rolePolicy],
    failsAt: "create",
    rule: `a role's inline policies together ≤ ${LIMITS.iamRolePolicySizeMax} characters, whitespace not counted`,
    source: `${IAM_QUOTAS} (Role policy size)`,
    check: (r, all) => {
      if (!str(r.inputs.policy)) return [];
      const total = all
        .filter((o) => o.type === T.rolePolicy && o.inputs.role === r.inputs.role && str(o.inputs.policy))
        .reduce((n, o) => n + (o.inputs.policy as string).replace(/\s/g, "").length, 0);
      return when(total > LIMITS.iamRolePolicySizeMax, "policy", total);
    },
  },
  {
    id: "ssm-parameter-name",
    types: [T.parameter],
    failsAt: "create",
    rule: SSM_PARAMETER_NAME_RULE,
    source: SSM_PARAMETER_NAME_SOURCE,
    check: (r) => {
      const n = physicalName(r);
      return str(n) ? when(!ssmParameterNameOk(n, str(r.outputs?.arn) ? r.outputs!.arn.length : undefined), "name", n) : [];
    },
  },
  {
    id: "tags",
    types: ["*"],
    failsAt: "create",
    rule: `≤ ${LIMITS.tagsPerResource} tags per resource, key 1–${LIMITS.tagKeyMax} and value ≤ ${LIMITS.tagValueMax} characters of letters, digits, spaces and _.:/=+-@, no key starting with "aws:"`,
    source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html (Tag naming limits and requirements)",
    check: (r) =>
      tagMaps(r).flatMap(([field, tags]) => [
        ...when(Object.keys(tags).length > LIMITS.tagsPerResource, field, Object.keys(tags).length),
        ...Object.entries(tags).flatMap(([k, v]) =>
          when(k.length < 1 || k.length > LIMITS.tagKeyMax || !TAG_TEXT.test(k) || /^aws:/i.test(k) || !str(v) || v.length > LIMITS.tagValueMax || !TAG_TEXT.test(v), `${field}.${k}`, v),
        ),
      ]),
  },
  {
    id: "user-data-size",
    types: [T.instance],
    failsAt: "create",
    rule: `user data ≤ ${LIMITS.userDataBytes} bytes as EC2 receives it (before base64; gzipped bytes if gzipped)`,
    source: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html (User data is limited to 16 KB, in raw form, before it is base64-encoded)",
    check: (r) => {
      const n = userDataBytes(r.inputs);
      return when(n !== undefined && n > LIMITS.userDataBytes, "userData", n);
    },
  },
  {
    id: "volume-tags-vs-attached-volumes",
    types: [T.instance],
    failsAt: "create",
    rule: "an instance with volumeTags must not get a separately managed, tagged volume attached (the two fight over the volume's tags: perpetual diffs), nor set rootBlockDevice.tags",
    source: "@pulumi/aws ec2/instance.d.ts volumeTags note (from the Terraform aws_instance docs)",
    check: (r, all) => {
      if (!r.inputs.volumeTags) return [];
      const tagged = all
        .filter((a) => a.type === T.attachment && r.id !== undefined && a.inputs.instanceId === r.id)
        .flatMap((a) => all.filter((v) => v.type === T.volume && v.id !== undefined && v.id === a.inputs.volumeId && v.inputs.tags));
      return [
        ...tagged.map((v) => ({ field: "volumeTags", value: `attached ${v.name} has its own tags` })),
        ...when(!!obj(r.inputs.rootBlockDevice).tags, "rootBlockDevice.tags", obj(r.inputs.rootBlockDevice).tags),
      ];
    },
  },
  {
    id: "gp3",
    types: [T.volume, T.instance],
    failsAt: "create",
    rule: `gp3: ${LIMITS.gp3.sizeGiB.min} GiB–64 TiB, ${LIMITS.gp3.iops.min}–${LIMITS.gp3.iops.max} IOPS and ≤ ${LIMITS.gp3.iopsPerGiB} IOPS per GiB above the baseline, ${LIMITS.gp3.throughputMiBps.min}–${LIMITS.gp3.throughputMiBps.max} MiB/s and ≤ ${LIMITS.gp3.mibpsPerIops} MiB/s per provisioned IOPS above the baseline`,
    source:
      "https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp3-ebs-volume-type; https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html (Throughput 125–2000); AWS re:Invent 2025 STG320 (gp3 raised to 64 TiB and 80,000 IOPS)",
    check: (r) => {
      if (r.type === T.volume) return r.inputs.type === "gp3" ? gp3Findings("", r.inputs) : [];
      const root = obj(r.inputs.rootBlockDevice);
      return root.volumeType === "gp3" ? gp3Findings("rootBlockDevice.", { size: root.volumeSize, iops: root.iops, throughput: root.throughput }) : [];
    },
  },
  {
    id: "alb-idle-timeout",
    types: [T.lb],
    failsAt: "create",
    rule: `idle timeout ${LIMITS.albIdleTimeoutSeconds.min}–${LIMITS.albIdleTimeoutSeconds.max} s (application load balancers)`,
    source: `${ELB_API}/API_LoadBalancerAttribute.html (idle_timeout.timeout_seconds)`,
    check: (r) => when((r.inputs.loadBalancerType ?? "application") === "application" && outside(r.inputs.idleTimeout, LIMITS.albIdleTimeoutSeconds), "idleTimeout", r.inputs.idleTimeout),
  },
  {
    id: "tg-health-check",
    types: [T.tg],
    failsAt: "create",
    rule: `health check interval ${LIMITS.healthCheck.intervalSeconds.min}–${LIMITS.healthCheck.intervalSeconds.max} s, timeout ${LIMITS.healthCheck.timeoutSeconds.min}–${LIMITS.healthCheck.timeoutSeconds.max} s and below the interval (defaults 30 and 6), thresholds ${LIMITS.healthCheck.threshold.min}–${LIMITS.healthCheck.threshold.max}, HTTP matcher codes 200–499`,
    source: `${ELB_API}/API_CreateTargetGroup.html; AWS error "Health check interval must be greater than the timeout" (hashicorp/terraform-provider-aws PR #48071); @pulumi/aws types/input.d.ts TargetGroupHealthCheck`,
    check: (r) => {
      const h = obj(r.inputs.healthCheck);
      const hc = LIMITS.healthCheck;
      const interval = num(h.interval) ? h.interval : hc.intervalSeconds.default;
      const timeout = num(h.timeout) ? h.timeout : hc.timeoutSeconds.defaultHttp;
      const codes = str(h.matcher) ? h.matcher.split(/[,-]/).map(Number) : [];
      return [
        ...when(outside(interval, hc.intervalSeconds), "healthCheck.interval", interval),
        ...when(outside(timeout, hc.timeoutSeconds) || timeout >= interval, "healthCheck.timeout", { timeout, interval }),
        ...when(outside(h.healthyThreshold, hc.threshold), "healthCheck.healthyThreshold", h.healthyThreshold),
        ...when(outside(h.unhealthyThreshold, hc.threshold), "healthCheck.unhealthyThreshold", h.unhealthyThreshold),
        ...when(
          codes.some((c) => !(c >= 200 && c <= 499)),
          "healthCheck.matcher",
          h.matcher,
        ),
      ];
    },
  },
  {
    id: "tg-deregistration-delay",
    types: [T.tg],
    failsAt: "create",
    rule: `deregistration delay ${LIMITS.deregistrationDelaySeconds.min}–${LIMITS.deregistrationDelaySeconds.max} s; slow start 0 or 30–900 s`,
    source: `${ELB_API}/API_TargetGroupAttribute.html`,
    check: (r) => [
      ...when(outside(r.inputs.deregistrationDelay, LIMITS.deregistrationDelaySeconds), "deregistrationDelay", r.inputs.deregistrationDelay),
      ...when(num(r.inputs.slowStart) && r.inputs.slowStart !== 0 && outside(r.inputs.slowStart, { min: 30, max: 900 }), "slowStart", r.inputs.slowStart),
    ],
  },
  {
    id: "sns-topic-name",
    types: [T.topic],
    failsAt: "create",
    rule: `topic name 1–${LIMITS.snsTopicNameMax} characters of [A-Za-z0-9_-]`,
    source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    check: (r) => {
      const n = physicalName(r);
      return str(n) ? when(n.length > LIMITS.snsTopicNameMax || !/^[A-Za-z0-9_-]+$/.test(n), "name", n) : [];
    },
  },
  {
    id: "alarm-name",
    types: [T.alarm],
    failsAt: "create",
    rule: `alarm name 1–${LIMITS.alarmNameMax} characters; period 10, 20, 30 or a multiple of 60 s`,
    source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    check: (r) => {
      const n = physicalName(r);
      const p = r.inputs.period;
      return [...(str(n) ? when(n.length < 1 || n.length > LIMITS.alarmNameMax, "name", n) : []), ...when(num(p) && ![10, 20, 30].includes(p) && p % 60 !== 0, "period", p)];
    },
  },
];

/** Runs every row over every resource it applies to. */
export function checkLimits(resources: readonly RegisteredResource[], limits: readonly AwsLimit[] = AWS_LIMITS): LimitViolation[] {
  return limits.flatMap((l) =>
    resources
      .filter((r) => l.types.includes("*") || l.types.includes(r.type))
      .flatMap((r) => l.check(r, resources).map((f) => ({ limit: l.id, type: r.type, name: r.name, field: f.field, value: f.value, rule: l.rule, source: l.source }))),
  );
}
