import * as pulumi from "@pulumi/pulumi";
import { physicalNameFor } from "./autoname";
import { MOCK_RESERVATIONS, MOCK_VOLUMES, mockOfferings, mockZones } from "./instance-offerings";
import type { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";

/**
 * Strict Pulumi mocks for the offline plan and the tests: every invoke must have a handler here
 * (an unmocked invoke fails loudly), resources echo their inputs plus the computed outputs the
 * program reads, and every registration is recorded with its parent.
 */

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Logical name of the parent, or null for top-level resources. */
  readonly parent: string | null;
  readonly custom: boolean;
  /** Inputs as the engine received them; secret values stay wrapped (see isSecretValue). */
  readonly inputs: Record<string, unknown>;
  /** The `deleteBeforeReplace` resource option. */
  readonly deleteBeforeReplace: boolean;
  /** The `protect` resource option. */
  readonly protect: boolean;
  /** The `retainOnDelete` resource option. */
  readonly retainOnDelete: boolean;
  /** The `replaceOnChanges` resource option. */
  readonly replaceOnChanges: string[];
  /** The `ignoreChanges` resource option. */
  readonly ignoreChanges: string[];
  /** URNs the registration depends on (dependsOn and every input's resources). */
  readonly dependencies: string[];
  /** Per input property, the URNs of the resources its value came from. */
  readonly propertyDependencies: Record<string, string[]>;
  /** What the engine answered: the inputs plus computed outputs, such as the autonamed `name`. */
  readonly outputs: Record<string, unknown>;
  /** The id the engine answered ("" for components). */
  readonly id: string;
}

/**
 * Region and account the mocks answer for; installMocks takes the region from the stack's
 * `aws:region`, so a stack in another region sees its own zones, ARNs and DNS names.
 */
export const MOCK_ACCOUNT = { region: "us-east-1", accountId: "123456789012" };

/** Resource inputs and invoke arguments as the engine passes them: a schemaless property bag (each provider's own shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one untyped shape: per-type field access on provider inputs
type PropertyBag = Record<string, any>;

/** Results of data-source invokes the program makes, by token. */
export const INVOKES: Record<string, (inputs: PropertyBag) => Record<string, unknown>> = {
  "aws:index/getRegion:getRegion": () => ({ name: MOCK_ACCOUNT.region, region: MOCK_ACCOUNT.region, id: MOCK_ACCOUNT.region }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/plan", userId: "plan", id: "123456789012" }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
  // The account's zones (names map to zone ids per account: infra/instance-offerings.ts).
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({ ...mockZones(MOCK_ACCOUNT.region), id: MOCK_ACCOUNT.region }),
  // Zone ids that sell each requested type, as EC2's DescribeInstanceTypeOfferings answers (sourced data).
  "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": (i) => ({
    ...mockOfferings(
      MOCK_ACCOUNT.region,
      (i.filters ?? []).flatMap((f: { name: string; values: string[] }) => (f.name === "instance-type" ? f.values : [])),
    ),
    id: MOCK_ACCOUNT.region,
  }),
  // The provider marks parameter values secret (insecureValue is the clear copy): so do the mocks.
  "aws:ssm/getParameter:getParameter": (i) => ({
    name: i.name,
    type: "String",
    value: secretValue("ami-0123456789abcdef0"),
    insecureValue: "ami-0123456789abcdef0",
    version: 1,
    arn: `arn:aws:ssm:${MOCK_ACCOUNT.region}::parameter${i.name}`,
    id: i.name,
  }),
  "aws:ec2/getAmi:getAmi": () => ({
    id: "ami-0fedcba9876543210",
    imageId: "ami-0fedcba9876543210",
    name: "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20260102",
    architecture: "x86_64",
  }),
  // The DLAMI and Canonical public parameter folders each hold one `ami-id` parameter.
  "aws:ssm/getParametersByPath:getParametersByPath": (i) => ({
    path: i.path,
    names: [`${i.path}/ami-id`],
    values: secretValue(["ami-0123456789abcdef0"]),
    types: ["String"],
    arns: [`arn:aws:ssm:${MOCK_ACCOUNT.region}::parameter${i.path}/ami-id`],
    withDecryption: true,
    id: i.path,
  }),
  "aws:ec2/getSubnet:getSubnet": (i) => ({
    id: i.id,
    availabilityZone: mockZones(MOCK_ACCOUNT.region).names[1],
    availabilityZoneId: mockZones(MOCK_ACCOUNT.region).zoneIds[1],
    vpcId: "vpc-0existing0000000",
    cidrBlock: "10.20.16.0/20",
  }),
  "aws:iam/getPolicyDocument:getPolicyDocument": (i) => ({ json: JSON.stringify({ Version: "2012-10-17", Statement: i.statements ?? [] }), id: "policy" }),
};

/** A value as the engine sends a secret (the SDK makes it a secret Output). */
function secretValue<T>(value: T): Record<string, unknown> {
  return { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}

/**
 * Invoke tokens the program asked for that have no handler. The SDK drops a mock's error message
 * on the way back, so the plan reports these names itself.
 */
export const UNMOCKED_INVOKES: string[] = [];

/** Computed outputs a real provider would return, by resource type. */
export const COMPUTED: Record<string, (name: string, inputs: PropertyBag) => Record<string, unknown>> = {
  "aws:ec2/instance:Instance": (name, i) => ({
    privateIp: ip(name),
    privateDns: `ip-${ip(name).replace(/\./g, "-")}.${MOCK_ACCOUNT.region === "us-east-1" ? "ec2.internal" : `${MOCK_ACCOUNT.region}.compute.internal`}`,
    availabilityZone: i.availabilityZone ?? `${MOCK_ACCOUNT.region}a`,
    arn: arn("ec2", `instance/${name}`),
  }),
  "aws:ebs/volume:Volume": (name) => ({ arn: arn("ec2", `volume/vol-${hex(name)}`) }),
  "aws:lb/loadBalancer:LoadBalancer": (name) => ({
    dnsName: `${name}-123456.${MOCK_ACCOUNT.region}.elb.amazonaws.com`,
    arn: arn("elasticloadbalancing", `loadbalancer/app/${name}/abc`),
    arnSuffix: `app/${name}/abc`,
    zoneId: "Z35SXDOTRQ7X7K",
  }),
  "aws:lb/targetGroup:TargetGroup": (name) => ({ arn: arn("elasticloadbalancing", `targetgroup/${name}/abc`), arnSuffix: `targetgroup/${name}/abc` }),
  "aws:sns/topic:Topic": (name) => ({ arn: arn("sns", name) }),
  "aws:lb/listener:Listener": (name) => ({ arn: arn("elasticloadbalancing", `listener/app/${name}/abc/${hex(name).slice(0, 16)}`) }),
  "aws:ec2/vpc:Vpc": () => ({ defaultSecurityGroupId: "sg-default" }),
  "aws:ssm/parameter:Parameter": (_n, i) => ({ arn: arn("ssm", `parameter${i.name}`), version: 1 }),
  "aws:iam/role:Role": (name, i) => ({ name: iamName(name, i), arn: `arn:aws:iam::123456789012:role/${iamName(name, i)}` }),
  "aws:iam/instanceProfile:InstanceProfile": (name, i) => ({ name: iamName(name, i), arn: `arn:aws:iam::123456789012:instance-profile/${iamName(name, i)}` }),
  "aws:ec2/subnet:Subnet": (_n, i) => ({ availabilityZone: i.availabilityZone ?? `${MOCK_ACCOUNT.region}a` }),
  "docker:index/remoteImage:RemoteImage": (name, i) => ({
    imageId: `sha256:${hex(name).repeat(4).slice(0, 64)}`,
    repoDigest: `${String(i.name).replace(/:[^/]*$/, "")}@sha256:${hex(`${name}-digest`).repeat(4).slice(0, 64)}`,
  }),
  // An attached run-once container (the weights download) reports how it exited; 0 is success.
  "docker:index/container:Container": (_n, i) => (i.attach ? { exitCode: 0 } : {}),
};

const hex = (s: string) => {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, "0").repeat(2).slice(0, 17);
};
const ip = (s: string) => {
  const h = parseInt(hex(s).slice(0, 4), 16);
  return `10.0.${(h >> 8) % 250}.${((h & 0xff) % 250) + 4}`;
};
// IAM names are auto-generated (`<logical name>-<random suffix>`) when not given.
const iamName = (name: string, inputs: PropertyBag): string => inputs.name ?? `${name}-${hex(name).slice(0, 7)}`;
const arn = (svc: string, rest: string) => `arn:aws:${svc}:${MOCK_ACCOUNT.region}:${MOCK_ACCOUNT.accountId}:${rest}`;

/**
 * What the engine answers for a custom resource: its inputs, the name the provider would generate
 * (infra/autoname.ts) and the computed outputs (built from that physical name, as AWS builds ARNs).
 */
export function engineState(type: string, name: string, inputs: PropertyBag): Record<string, unknown> {
  const physical = physicalNameFor(type, name, inputs);
  const named = physical === undefined ? inputs : { ...inputs, name: physical };
  return { ...named, ...(COMPUTED[type]?.(physical ?? name, named) ?? {}) };
}

/** Existing resources a program reads (`Resource.get`), by type; an unknown id fails as AWS's NotFound would. */
export const READS: Record<string, (id: string) => Record<string, unknown>> = {
  "aws:ec2/capacityReservation:CapacityReservation": (id) => {
    const r = MOCK_RESERVATIONS[id];
    if (!r) throw new Error(`InvalidCapacityReservationId.NotFound: ${id}`);
    return { ...r, id, arn: arn("ec2", `capacity-reservation/${id}`), state: "active" };
  },
  "aws:ebs/volume:Volume": (id) => {
    const v = MOCK_VOLUMES[id];
    if (!v) throw new Error(`InvalidVolume.NotFound: ${id}`);
    return { ...v, id, arn: arn("ec2", `volume/${id}`) };
  },
};

/** The id a mocked resource gets: EC2 ids look real because scripts derive device paths from them. */
export function mockId(type: string, name: string): string {
  if (type === "aws:ebs/volume:Volume") return `vol-${hex(name)}`;
  if (type === "aws:ec2/instance:Instance") return `i-${hex(name)}`;
  if (type === "aws:ec2/securityGroup:SecurityGroup") return `sg-${hex(name)}`;
  if (type === "aws:ec2/subnet:Subnet") return `subnet-${hex(name)}`;
  if (type === "aws:ec2/vpc:Vpc") return `vpc-${hex(name)}`;
  return `${name}-id`;
}

const rpc = require("@pulumi/pulumi/runtime/rpc");
const settings = require("@pulumi/pulumi/runtime/settings");

/** True for a value the engine received as a Pulumi secret. */
export function isSecretValue(v: unknown): boolean {
  return rpc.isRpcSecret(v);
}

/** Replaces secret values by "[secret]", recursively, for display and JSON output. */
export function redactSecrets(v: unknown): unknown {
  if (isSecretValue(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(redactSecrets);
  if (v && typeof v === "object" && !(v instanceof pulumi.asset.Asset) && !(v instanceof pulumi.asset.Archive)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactSecrets(x)]));
  if (v instanceof pulumi.asset.StringAsset) return "[asset]";
  return v;
}

export interface MockOptions {
  readonly project: string;
  readonly stack: string;
  /** Full config map (`ns:key` -> string) as the engine would pass it. */
  readonly config: Record<string, string>;
  /** Config keys that are secrets. */
  readonly secretKeys: readonly string[];
  /** Preview mode: computed outputs unknown. @default false */
  readonly preview?: boolean;
}

/**
 * Installs the mocks and the config, and returns the live list of registrations. Must run before
 * the program constructs any resource (see aws-and-pulumi-notes §8, gotcha 3).
 */
export function installMocks(opts: MockOptions): RecordedResource[] {
  const recorded: RecordedResource[] = [];
  MOCK_ACCOUNT.region = opts.config["aws:region"] ?? "us-east-1";
  pulumi.runtime.setAllConfig(opts.config, [...opts.secretKeys]);
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (args.custom === false) return { id: undefined, state: args.inputs };
        // A read of an existing resource (`Resource.get(name, id)`): what AWS describes for the id.
        if (args.id && READS[args.type]) return { id: args.id, state: READS[args.type](args.id) };
        return { id: mockId(args.type, args.name), state: engineState(args.type, args.name, args.inputs) };
      },
      call: (args) => {
        const handler = INVOKES[args.token];
        if (!handler) {
          UNMOCKED_INVOKES.push(args.token);
          throw new Error(`Mock not implemented: invoke ${args.token}`);
        }
        return handler(args.inputs);
      },
    },
    opts.project,
    opts.stack,
    opts.preview ?? false,
  );
  // The mock API hides parents; wrap the monitor to record them with each registration.
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterResourceRequest, callback: (err: unknown, resp: RegisterResourceResponse | undefined) => void) => {
    const parentUrn: string = req.getParent();
    register(req, (err: unknown, resp: RegisterResourceResponse | undefined) => {
      if (resp) {
        recorded.push({
          type: req.getType(),
          name: req.getName(),
          urn: resp.getUrn(),
          parent: parentUrn ? parentUrn.split("::").pop()! : null,
          custom: req.getCustom(),
          inputs: rpc.deserializeProperties(req.getObject()),
          deleteBeforeReplace: req.getDeletebeforereplace(),
          protect: req.getProtect() ?? false,
          retainOnDelete: req.getRetainondelete() ?? false,
          replaceOnChanges: req.getReplaceonchangesList(),
          ignoreChanges: req.getIgnorechangesList(),
          dependencies: req.getDependenciesList(),
          propertyDependencies: propertyDependencies(req),
          outputs: resp.getObject() ? rpc.deserializeProperties(resp.getObject()) : {},
          id: resp.getId(),
        });
      }
      callback(err, resp);
    });
  };
  return recorded;
}

/** A registration's per-property dependencies, as URN lists. */
function propertyDependencies(req: RegisterResourceRequest): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((v, k) => (out[k] = v.getUrnsList()));
  return out;
}

/** Waits until every registration and invoke the program started has been answered. */
export async function settle(): Promise<void> {
  await settings.waitForRPCs();
}

/** Resolves an Output under mocks (never use inside a test without awaiting it). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise<T>((resolve) =>
    o.apply((v) => {
      resolve(v);
      return v;
    }),
  );
}
