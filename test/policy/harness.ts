import type { Policies, PolicyResource, PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

// Runs policies the way @pulumi/policy's analyzer server does (server.js: makeAnalyzeRpcFun and
// makeAnalyzeStackRpcFun), without the gRPC hop: properties arrive in wire form and go through the
// pack's own deserializer, which decrypts secrets, so a policy sees what it would see under the CLI.

const structproto = require("google-protobuf/google/protobuf/struct_pb");
const { deserializeProperties } = require("@pulumi/policy/deserialize");
const rpc = require("@pulumi/pulumi/runtime/rpc");

/** A resource as the engine hands it to a policy pack. */
export interface AnalyzedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** "" when the parent is not known (fixtures) or for the root stack. */
  readonly parentUrn: string;
  /** Properties in wire form: secrets are signature objects, as on the engine's side. */
  readonly properties: Record<string, unknown>;
  readonly protect: boolean;
  readonly dependencies: readonly string[];
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

export interface Violation {
  readonly policy: string;
  readonly message: string;
  /** The resource reported, "" for the stack as a whole. */
  readonly urn: string;
}

/** A value the engine marks secret, in wire form. */
export const secret = (value: unknown): Record<string, unknown> => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });

const toProps = (properties: Record<string, unknown>): Record<string, any> => deserializeProperties(structproto.Struct.fromJavaScript(properties), false);

const options = (r: AnalyzedResource): PolicyResourceOptions => ({
  protect: r.protect,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
  ...(r.parentUrn ? { parent: r.parentUrn } : {}),
});

const notApplicable = (reason?: string): never => {
  throw new Error(`policy declared itself not applicable: ${reason}`);
};

/** Every violation `policies` report for `resources`: per resource, then for the stack. */
export async function evaluatePolicies(policies: Policies, resources: readonly AnalyzedResource[]): Promise<Violation[]> {
  const violations: Violation[] = [];
  const stackTags = new Map<string, string>();
  for (const p of policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p))
    for (const r of resources) {
      const props = toProps(r.properties);
      const args: ResourceValidationArgs = {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: options(r),
        stackTags,
        isType: (cls) => (cls as unknown as { __pulumiType?: string }).__pulumiType === r.type,
        asType: (cls) => ((cls as unknown as { __pulumiType?: string }).__pulumiType === r.type ? (props as any) : undefined),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable,
      };
      for (const validate of [p.validateResource ?? []].flat()) await validate(args, (message) => violations.push({ policy: p.name, message, urn: r.urn }));
    }

  const byUrn = new Map<string, PolicyResource>();
  for (const r of resources) {
    const props = toProps(r.properties);
    byUrn.set(r.urn, {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: options(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => (cls as unknown as { __pulumiType?: string }).__pulumiType === r.type,
      asType: () => undefined,
    });
  }
  for (const r of resources) {
    const pr = byUrn.get(r.urn)!;
    pr.parent = byUrn.get(r.parentUrn);
    pr.dependencies = r.dependencies.flatMap((u) => (byUrn.has(u) ? [byUrn.get(u)!] : []));
    pr.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, urns]) => [k, urns.flatMap((u) => (byUrn.has(u) ? [byUrn.get(u)!] : []))]));
  }
  for (const p of policies.filter((p): p is StackValidationPolicy => "validateStack" in p))
    await p.validateStack({ resources: [...byUrn.values()], stackTags, getConfig: <T extends object>() => ({}) as T, notApplicable }, (message, urn) =>
      violations.push({ policy: p.name, message, urn: urn ?? "" }),
    );
  return violations;
}

/** A fixture resource: `deps` names, per property, the fixture resources its value came from. */
export interface FixtureResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly protect?: boolean;
  readonly deps?: Readonly<Record<string, readonly string[]>>;
  /** Types of the component parents, outermost first: they qualify the type in the URN. */
  readonly parentTypes?: readonly string[];
}

const urnOf = (stack: string, r: FixtureResource): string => `urn:pulumi:${stack}::qwen-serving::${[...(r.parentTypes ?? []), r.type].join("$")}::${r.name}`;

/** Fixture resources of one stack as the engine would present them. */
export function analyzed(stack: string, resources: readonly FixtureResource[]): AnalyzedResource[] {
  const urns = new Map(resources.map((r) => [r.name, urnOf(stack, r)]));
  const urn = (name: string) => {
    if (!urns.has(name)) throw new Error(`fixture dependency on unknown resource ${name}`);
    return urns.get(name)!;
  };
  return resources.map((r) => {
    const propertyDependencies = Object.fromEntries(Object.entries(r.deps ?? {}).map(([k, names]) => [k, names.map(urn)]));
    return {
      type: r.type,
      name: r.name,
      urn: urns.get(r.name)!,
      parentUrn: "",
      properties: r.props,
      protect: r.protect ?? false,
      dependencies: [...new Set(Object.values(propertyDependencies).flat())],
      propertyDependencies,
    };
  });
}
