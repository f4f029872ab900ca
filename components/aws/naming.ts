import { createHash } from "crypto";
import { PROJECT } from "../contract";
import { LIMITS, SSM_PARAMETER_NAME_RULE, SSM_PARAMETER_NAME_SOURCE, ssmParameterNameOk } from "./limits";

/**
 * Physical names of the length-limited AWS resources, from one place. Left to the engine, a name is
 * `<logical name>-<7 hex>` (infra/autoname.ts), and logical names grow with the stack name: the load
 * balancer and target groups of a stack called `production-eu-west-1-blue` would pass 32 characters.
 * Every name here is derived from project and stack (unique per account and region, stable from one
 * `pulumi up` to the next), cut to the limit of components/aws/limits.ts with a hash of the whole
 * so two long names never cut to the same one.
 *
 * Where a replacement must create the new resource before deleting the old one (target groups in
 * use by listener rules, IAM roles and instance profiles in use by instances), only a prefix is
 * fixed and the provider appends a unique id; the load balancer keeps a readable fixed name and is
 * replaced delete-before-replace (its listeners go with it anyway).
 */

const HASH_LENGTH = 7;
const hash = (s: string, n = HASH_LENGTH) => createHash("sha256").update(s).digest("hex").slice(0, n);

/** Lower-case `[a-z0-9-]`, runs of anything else as one hyphen, no hyphen at either end. */
export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * `full` as a name of at most `max` characters of `[a-z0-9-]`, not starting or ending with a hyphen:
 * unchanged when it fits, else its head, a hyphen and 7 hex of a hash of `full` (distinct inputs stay
 * distinct). `max` must leave room for the hash.
 */
export function boundedName(full: string, max: number): string {
  if (max < HASH_LENGTH + 2) throw new RangeError(`boundedName: ${max} characters leave no room for a ${HASH_LENGTH}-character hash`);
  const s = slug(full) || "x";
  if (s.length <= max && s === full) return s;
  const head = s.slice(0, max - HASH_LENGTH - 1).replace(/-+$/, "");
  return head ? `${head}-${hash(full)}` : hash(full, Math.min(max, 16));
}

/** A namePrefix: a bounded name of `max - 1` characters and a trailing hyphen before the provider's unique id. */
export function boundedPrefix(full: string, max: number): string {
  return `${boundedName(full, max - 1)}-`;
}

/** IAM roles of a stack, by what they serve. */
export type RoleKey = "node" | "monitoring";

export interface AwsNames {
  /** Fixed load balancer name, ≤ 32 characters (also the first label of its DNS name). */
  readonly loadBalancer: string;
  /** namePrefix of a service's target group: 6 characters (Terraform appends 26 to reach 32). */
  targetGroupPrefix(service: string): string;
  /** namePrefix of an IAM role, ≤ 38 characters. */
  rolePrefix(role: RoleKey): string;
  /** namePrefix of an instance profile, ≤ 102 characters. */
  instanceProfilePrefix(role: RoleKey): string;
  /** An inline policy's name (unique within its role). */
  rolePolicy(role: RoleKey, what: string): string;
  /** The alarm topic's name (≤ 256; the bridge caps autonamed topics at 80). */
  readonly alarmTopic: string;
  /** An alarm's name, ≤ 255 characters. */
  alarm(what: string): string;
  /** The topic Alertmanager's SNS receiver `receiver` publishes to, when the stack creates it (≤ 80, as alarmTopic). */
  alertTopic(receiver: string): string;
}

/** Every length-limited name of one stack of `project` (the Pulumi project, `qwen-serving` by default). */
export function awsNames(stack: string, project: string = PROJECT): AwsNames {
  const base = `${project}-${stack}`;
  return {
    loadBalancer: boundedName(base, LIMITS.elbNameMax),
    // A letter first (ELB names start alphanumeric), 4 hex of project/stack/service, the hyphen.
    targetGroupPrefix: (service) => `q${hash(`${base}/tg/${service}`, LIMITS.elbNamePrefixMax - 2)}-`,
    rolePrefix: (role) => boundedPrefix(`${base}-${role}`, LIMITS.iamRoleNamePrefixMax),
    instanceProfilePrefix: (role) => boundedPrefix(`${base}-${role}`, LIMITS.iamInstanceProfileNameMax - LIMITS.terraformUniqueSuffix),
    rolePolicy: (role, what) => boundedName(`${project}-${role}-${what}`, LIMITS.iamPolicyNameMax),
    alarmTopic: boundedName(`${base}-alarms`, 80),
    alarm: (what) => boundedName(`${base}-${what}`, LIMITS.alarmNameMax),
    alertTopic: (receiver) => boundedName(`${base}-alerts-${receiver}`, 80),
  };
}

/** What a stack keeps in SSM Parameter Store, each under the stack's own folder. */
export type StackParameter = "hf-token" | "modelscope-token" | "grafana/admin-password" | `api-keys/${string}` | `alerting/${string}`;

/**
 * The SSM parameter folder of one stack of one Pulumi project: `/<project>/<stack>`. Both parts,
 * because stack names repeat across projects (`prod` everywhere) and Parameter Store is one
 * namespace per account and region; the node role's `ssm:GetParameter` names these paths exactly.
 */
export const stackParameterFolder = (project: string, stack: string): string => `/${project}/${stack}`;

/** Why SSM would refuse this stack's parameter names (limits.ts's rule), or undefined when it accepts them. */
export function stackParameterProblem(project: string, stack: string): string | undefined {
  // The longest leaf this project writes: an API key of a 40-character service name (the schema's longest).
  const longest = `${stackParameterFolder(project, stack)}/api-keys/${"s".repeat(40)}`;
  return ssmParameterNameOk(longest) ? undefined : `${SSM_PARAMETER_NAME_RULE} (${SSM_PARAMETER_NAME_SOURCE})`;
}

/**
 * An SSM parameter of a stack, `/<project>/<stack>/<what>`: the one place every parameter path
 * comes from (the parameters themselves, the IAM policies that read them, the boot scripts that
 * fetch them). Throws for a project or stack SSM refuses; the aws pre-flight reports that first as
 * a Problem (components/aws/config-limits.ts).
 */
export function stackParameterName(project: string, stack: string, what: StackParameter): string {
  const name = `${stackParameterFolder(project, stack)}/${what}`;
  if (!ssmParameterNameOk(name)) throw new RangeError(`SSM parameter name '${name}' breaks: ${SSM_PARAMETER_NAME_RULE}`);
  return name;
}
