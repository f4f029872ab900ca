import { createHash } from "crypto";
import { T } from "../components/aws/limits";

/**
 * How `pulumi up` names an AWS resource whose `name` the program leaves out, for the mocks to do the
 * same. The bridge autonames every resource with a `name` input as `<logical name>-<7 random hex>`
 * (pulumi/pulumi-aws provider/autonaming.go: AutoName("name", 255, "-")), with a tighter cap for a
 * few types (provider/aliases.go, provider/resource_overrides.go); past the cap the engine refuses
 * the resource. With `namePrefix` the Terraform provider generates the name instead: the prefix and
 * a 26-character unique id (terraform-plugin-sdk helper/id.PrefixedUniqueId: 18 timestamp digits
 * and an 8-hex counter). The random parts are seeded by type and logical name so runs are stable.
 */
export interface Autonaming {
  /** The bridge's cap on `<logical name>-<7 hex>`. */
  readonly maxLength: number;
  /** The type has a `namePrefix` input. */
  readonly prefix: boolean;
  /** The output property the name lands in. @default "name" */
  readonly property?: string;
}

/** Types with a `name` input (checked against @pulumi/aws's type docs by test/aws/autoname.test.ts). */
export const AUTONAMED: Readonly<Record<string, Autonaming>> = {
  [T.lb]: { maxLength: 255, prefix: true },
  [T.tg]: { maxLength: 32, prefix: true },
  [T.role]: { maxLength: 64, prefix: true },
  [T.profile]: { maxLength: 255, prefix: true },
  [T.rolePolicy]: { maxLength: 255, prefix: true },
  [T.policy]: { maxLength: 255, prefix: true },
  [T.sg]: { maxLength: 255, prefix: true },
  [T.parameter]: { maxLength: 255, prefix: false },
  [T.topic]: { maxLength: 80, prefix: true },
  [T.alarm]: { maxLength: 255, prefix: false },
};

/** Types with a `name` input the bridge deliberately leaves alone (the name is the DNS record). */
export const NOT_AUTONAMED: readonly string[] = ["aws:route53/record:Record"];

/** The bridge's random suffix length and Terraform's unique-id length. */
export const RANDOM_HEX = 7;
export const TERRAFORM_UNIQUE_ID = 26;

const digest = (seed: string) => createHash("sha256").update(seed).digest("hex");

/** `n` deterministic lowercase hex characters for `seed`. */
export function seededHex(seed: string, n: number): string {
  return digest(seed).slice(0, n);
}

/** Terraform's unique id for a prefix: 18 digits then 8 hex, deterministic here. */
export function seededUniqueId(seed: string): string {
  const h = digest(`uid:${seed}`);
  const digits = [...h.slice(0, 18)].map((c) => String(parseInt(c, 16) % 10)).join("");
  return `${digits}${h.slice(18, 26)}`;
}

/**
 * The physical name the provider would give: the program's `name`, else `namePrefix` + unique id,
 * else `<logical>-<7 hex>`. Undefined for types that do not autoname. Over-long results are returned
 * as they are: the limits table (components/aws/limits.ts) reports them with the provider's rule.
 */
export function physicalNameFor(type: string, logicalName: string, inputs: Readonly<Record<string, unknown>>): string | undefined {
  const rule = AUTONAMED[type];
  if (!rule) return undefined;
  const given = inputs[rule.property ?? "name"];
  if (typeof given === "string") return given;
  const seed = `${type}::${logicalName}`;
  if (rule.prefix && typeof inputs.namePrefix === "string") return `${inputs.namePrefix}${seededUniqueId(seed)}`;
  return `${logicalName}-${seededHex(seed, RANDOM_HEX)}`;
}
