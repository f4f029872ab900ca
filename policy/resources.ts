import { gunzipSync } from "zlib";
/**
 * Pure helpers shared by the policies: the resource type tokens they inspect and how to reach
 * the parts of a resource they judge. No @pulumi/aws or @pulumi/kubernetes import: the pack
 * matches type tokens, so it loads fast and checks any program that registers these types.
 */

export const TYPES = {
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  ebsVolume: "aws:ebs/volume:Volume",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  dockerImage: "docker:index/remoteImage:RemoteImage",
  dockerContainer: "docker:index/container:Container",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
  helmRelease: "kubernetes:helm.sh/v3:Release",
} as const;

/** `aws.lb` and its alias `aws.alb` register different tokens for the same resources. */
export const LOAD_BALANCER_TYPES: readonly string[] = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
export const LISTENER_TYPES: readonly string[] = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];

/** Kubernetes kinds that run containers, with the path from the object to its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** True for the Kubernetes workload types whose containers the policies check. */
export const isWorkloadType = (type: string): boolean => type in POD_SPEC_PATHS;

export interface K8sContainer {
  readonly name?: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
}

/** Resource inputs and invoke arguments as the engine passes them: a schemaless property bag (each provider's own shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one untyped shape: per-type field access on provider inputs
type PropertyBag = Record<string, any>;

/** Every container and init container of a Kubernetes workload's pod template. */
export function workloadContainers(type: string, props: PropertyBag): K8sContainer[] {
  let spec: PropertyBag | undefined = props;
  for (const key of POD_SPEC_PATHS[type] ?? []) spec = spec?.[key];
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

/** The stack a resource belongs to, from its URN (`urn:pulumi:<stack>::<project>::...`). */
export function stackOfUrn(urn: string): string {
  return urn.replace(/^urn:pulumi:/, "").split("::")[0];
}

/** Tags of an AWS resource. */
export const tagsOf = (props: PropertyBag): Record<string, string> => props.tags ?? {};

/**
 * Is an image reference pinned? An image id (`sha256:<64 hex>`), a digest (`...@sha256:<64 hex>`)
 * or a tag other than `latest`. A registry port (`host:5000/img`) is not a tag.
 */
export function isPinnedImage(ref: string): boolean {
  if (/^sha256:[a-f0-9]{64}$/.test(ref) || /@sha256:[a-f0-9]{64}$/.test(ref)) return true;
  const last = ref.split("/").pop() ?? "";
  const tag = last.includes(":") ? last.slice(last.indexOf(":") + 1) : "";
  return tag !== "" && tag !== "latest";
}

/**
 * `userData` is plain text; `userDataBase64` and a launch template's `userData` are base64, and
 * often gzipped (EC2 caps user-data at 16 KiB; cloud-init unpacks gzip itself), so unpack it too.
 */
export function userDataText(type: string, props: PropertyBag): string | undefined {
  const decode = (s: unknown) => {
    if (typeof s !== "string") return undefined;
    const bytes = Buffer.from(s, "base64");
    return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
  };
  if (type === TYPES.launchTemplate) return decode(props.userData);
  return typeof props.userData === "string" ? props.userData : decode(props.userDataBase64);
}
