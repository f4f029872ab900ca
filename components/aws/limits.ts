// The rows of the limits table and its checker; the rule helpers and types are in limit-rules.ts.
// prettier-ignore
import { RegisteredResource, LimitViolation, AwsLimit, T, LIMITS, str, num, obj, physicalName, when, outside, TAG_TEXT, SSM_PARAMETER_NAME_RULE, SSM_PARAMETER_NAME_SOURCE, ssmParameterNameOk, elbName, elbPrefix, iamName, sgText, conditionsOf, valuesOf, tagMaps, userDataBytes, gp3Findings } from "./limit-rules";
export * from "./limit-rules";

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
