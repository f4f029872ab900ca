// The mocks name resources the way `pulumi up` does, and know exactly which types autoname: every
// resource class the aws components construct is looked up in the installed @pulumi/aws type docs.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, test } from "vitest";
import { AUTONAMED, NOT_AUTONAMED, physicalNameFor, RANDOM_HEX, seededUniqueId, TERRAFORM_UNIQUE_ID } from "../../infra/autoname";
import { T } from "../../components/aws/limits";

const AWS_PKG = path.dirname(require.resolve("@pulumi/aws/package.json"));
const COMPONENTS = path.resolve(__dirname, "../../components/aws");

/** `aws.lb.TargetGroup` -> its Args interface text in @pulumi/aws, and the type token. */
function argsOf(mod: string, cls: string): { token: string; args: string } {
  const base = cls[0].toLowerCase() + cls.slice(1);
  const file = path.join(AWS_PKG, mod, `${base}.d.ts`);
  const text = fs.readFileSync(file, "utf8");
  const token = /__pulumiType = '([^']+)'/.exec(fs.readFileSync(file.replace(/\.d\.ts$/, ".js"), "utf8"))![1];
  const start = text.indexOf(`export interface ${cls}Args {`);
  return { token, args: text.slice(start, text.indexOf("\n}", start)) };
}

/** Every `new aws.<mod>.<Class>(` in components/aws. */
function constructedClasses(): [string, string][] {
  const found = new Set<string>();
  for (const f of fs.readdirSync(COMPONENTS).filter((x) => x.endsWith(".ts")))
    for (const m of fs.readFileSync(path.join(COMPONENTS, f), "utf8").matchAll(/new aws\.(\w+)\.(\w+)\(/g)) found.add(`${m[1]}.${m[2]}`);
  return [...found].sort().map((s) => s.split(".") as [string, string]);
}

describe("autonaming as the engine does it", () => {
  const classes = constructedClasses();

  test("the components construct AWS resources (the scan finds them)", () => {
    expect(classes.map((c) => c.join("."))).toEqual(expect.arrayContaining(["lb.LoadBalancer", "lb.TargetGroup", "iam.Role", "ec2.Instance"]));
  });

  test.each(classes)("aws.%s.%s autonames in the mocks exactly when @pulumi/aws gives it a `name` input", (mod, cls) => {
    const { token, args } = argsOf(mod, cls);
    const hasName = /^ {4}name\??: pulumi\.Input/m.test(args);
    const hasPrefix = /^ {4}namePrefix\??: pulumi\.Input/m.test(args);
    expect({ token, autonamed: token in AUTONAMED || NOT_AUTONAMED.includes(token) }).toEqual({ token, autonamed: hasName });
    if (AUTONAMED[token]) expect(AUTONAMED[token].prefix, token).toBe(hasPrefix);
  });

  test("no name: logical name, a hyphen and 7 lowercase hex, stable across runs", () => {
    const n = physicalNameFor(T.tg, "qwen-prod-aws-frontdoor-qwen3-32b", {})!;
    expect(n).toMatch(new RegExp(`^qwen-prod-aws-frontdoor-qwen3-32b-[0-9a-f]{${RANDOM_HEX}}$`));
    expect(physicalNameFor(T.tg, "qwen-prod-aws-frontdoor-qwen3-32b", {})).toBe(n);
    expect(physicalNameFor(T.tg, "qwen-dev-aws-frontdoor-qwen3-32b", {})).not.toBe(n.replace("prod", "dev"));
  });

  test("a given name is kept; namePrefix gets Terraform's 26-character unique id; other types get none", () => {
    expect(physicalNameFor(T.lb, "x", { name: "qwen-serving-prod" })).toBe("qwen-serving-prod");
    const p = physicalNameFor(T.tg, "x", { namePrefix: "q1a2b-" })!;
    expect(p).toMatch(/^q1a2b-\d{18}[0-9a-f]{8}$/);
    expect(p).toHaveLength(6 + TERRAFORM_UNIQUE_ID);
    expect(seededUniqueId("a")).not.toBe(seededUniqueId("b"));
    expect(physicalNameFor("aws:ec2/instance:Instance", "x", {})).toBeUndefined();
  });

  test("the issue's names: both aws stacks' load balancer and a target group break the 32-character limit when autonamed", () => {
    expect(physicalNameFor(T.lb, "qwen-prod-aws-frontdoor-alb", {})!.length).toBe(35);
    expect(physicalNameFor(T.tg, "qwen-prod-aws-frontdoor-qwen25-vl-32b", {})!.length).toBe(45);
  });
});
