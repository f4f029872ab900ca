import type { Policies, PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { TAGS } from "../components/contract";
import { describePorts, ingressRules, isMonitoringGroup, loadBalancerGroups, OPEN_CIDRS } from "./network";
import { isPinnedImage, isWorkloadType, stackOfUrn, tagsOf, TYPES, userDataText, workloadContainers } from "./resources";
import { scanArgv, scanEnv, scanText, SecretFinding } from "./secret-scan";

/**
 * The qwen-serving policies, as plain data so tests can call them without a policy engine
 * (policy/index.ts serves them as the `qwen-serving` PolicyPack). Each enforces one line of the
 * design's reliability rules; all are mandatory.
 */

/** Tag (AWS) that marks a volume as a model-weight cache when no WeightCache component holds it. */
export const ROLE_TAG = TAGS.role;
export const WEIGHT_CACHE_ROLE = "weight-cache";
/** The component whose volume is a weight cache; type tokens are a public contract (STYLE-ANCHORS 8). */
export const WEIGHT_CACHE_COMPONENT = "qwen-serving:aws:WeightCache";

/** A volume inside a WeightCache component (its URN's type chain says so), or tagged as one. */
const isWeightCacheVolume = (args: ResourceValidationArgs): boolean =>
  args.type === TYPES.ebsVolume && (tagsOf(args.props)[ROLE_TAG] === WEIGHT_CACHE_ROLE || (args.urn.split("::")[2] ?? "").split("$").includes(WEIGHT_CACHE_COMPONENT));

export interface PolicyOptions {
  /**
   * The stack's `qwen-serving:environment` config, which decides whether weight caches must be
   * protected. @default - the stack name, as the program itself defaults it
   */
  readonly environment?: string;
}

const report = (reportViolation: ReportViolation, findings: readonly SecretFinding[]) => {
  for (const f of findings) reportViolation(`${f.where}: ${f.what}. Keep secrets in SSM SecureString, Secrets Manager, a Kubernetes Secret or a docker secret file and read them at run time.`);
};

const imdsV2: ResourceValidationPolicy = {
  name: "imdsv2-required",
  description: "EC2 instances and launch templates require IMDSv2 session tokens (metadataOptions.httpTokens = required).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.instance && args.type !== TYPES.launchTemplate) return;
    const tokens = args.props.metadataOptions?.httpTokens;
    if (tokens !== "required")
      reportViolation(
        `metadataOptions.httpTokens is ${JSON.stringify(tokens ?? null)}; set it to "required" so a request forged through a container cannot read the instance role's credentials (IMDSv1).`,
      );
  },
};

const ebsEncrypted: ResourceValidationPolicy = {
  name: "ebs-encrypted",
  description: "Every EBS volume is encrypted: standalone volumes, instance root and extra block devices, launch template mappings.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    const p = args.props;
    // Launch templates spell booleans as strings ("true").
    const on = (v: unknown) => v === true || v === "true";
    if (args.type === TYPES.ebsVolume && !on(p.encrypted)) reportViolation("encrypted is not true.");
    if (args.type === TYPES.instance) {
      if (!on(p.rootBlockDevice?.encrypted)) reportViolation("rootBlockDevice.encrypted is not true (unset means the account default, which may be off).");
      for (const d of p.ebsBlockDevices ?? []) if (!on(d.encrypted)) reportViolation(`ebsBlockDevices ${d.deviceName ?? "?"}: encrypted is not true.`);
    }
    if (args.type === TYPES.launchTemplate)
      for (const m of p.blockDeviceMappings ?? []) if (m.ebs && !on(m.ebs.encrypted)) reportViolation(`blockDeviceMappings ${m.deviceName ?? "?"}: ebs.encrypted is not true.`);
  },
};

const noSshNoOpenIngress: StackValidationPolicy = {
  name: "no-ssh-no-open-ingress",
  description: "No security group admits SSH (22), and 0.0.0.0/0 or ::/0 reaches only listener ports of an internet-facing load balancer.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const { loadBalancersOf, listenerPorts } = loadBalancerGroups(args.resources);
    for (const rule of ingressRules(args.resources)) {
      const admitsSsh = (rule.protocol === "-1" || rule.protocol === "tcp") && rule.fromPort <= 22 && rule.toPort >= 22;
      if (admitsSsh) reportViolation(`${rule.resource.name} opens ${describePorts(rule)}, which includes SSH (22): reach instances through SSM Session Manager instead.`, rule.resource.urn);
      const open = rule.cidrs.filter((c) => OPEN_CIDRS.includes(c));
      if (!open.length) continue;
      const publicListener = (rule.group ? (loadBalancersOf.get(rule.group) ?? []) : []).some(
        (lb) => lb.props.internal !== true && rule.protocol === "tcp" && rule.fromPort === rule.toPort && (listenerPorts.get(lb) ?? []).includes(rule.fromPort),
      );
      if (!publicListener)
        reportViolation(
          `${rule.resource.name} opens ${describePorts(rule)} to ${open.join(", ")}: the whole internet may reach only a listener port of an internet-facing load balancer.`,
          rule.resource.urn,
        );
    }
  },
};

const servingPortsClosed: StackValidationPolicy = {
  name: "serving-ports-lb-and-monitoring-only",
  description: "Security groups of the serving nodes (SGLang, router and exporter ports) admit only the load balancer's and the monitoring security groups, never address ranges.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const { loadBalancersOf } = loadBalancerGroups(args.resources);
    const isServing = (g: PolicyResource) => !loadBalancersOf.has(g) && !isMonitoringGroup(g);
    for (const rule of ingressRules(args.resources)) {
      if (!rule.group || !isServing(rule.group)) continue;
      // Routers reach workers on other nodes of the same group; that is the only group-internal path.
      const badPeers = rule.peers.filter((p) => p !== rule.group && !loadBalancersOf.has(p) && !isMonitoringGroup(p)).map((p) => `security group ${p.name}`);
      const bad = [...rule.cidrs, ...rule.otherSources, ...badPeers];
      if (bad.length)
        reportViolation(
          `${rule.resource.name} opens ${describePorts(rule)} of ${rule.group.name} to ${bad.join(", ")}: serving ports may be reached only from the load balancer's and the monitoring security groups (referencedSecurityGroupId).`,
          rule.resource.urn,
        );
    }
  },
};

function weightCacheProtected(opts: PolicyOptions): ResourceValidationPolicy {
  const isProd = (args: ResourceValidationArgs) => (opts.environment ?? stackOfUrn(args.urn)) === "prod";
  return {
    name: "weight-cache-retained-in-prod",
    description: `In the prod environment, weight caches outlive the stack: their EBS volumes (in a ${WEIGHT_CACHE_COMPONENT} or tagged ${ROLE_TAG}=${WEIGHT_CACHE_ROLE}) are protected, StatefulSets keep their volume claims, storage classes retain released volumes.`,
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, reportViolation) => {
      if (!isProd(args)) return;
      const p = args.props;
      if (isWeightCacheVolume(args) && !args.opts.protect)
        reportViolation("this weight cache is not protected: set `protect: true` (and `retainOnDelete: true`) so a removed node or service cannot delete ~60 GB of verified weights per model.");
      if (args.type === TYPES.statefulSet && (p.spec?.volumeClaimTemplates ?? []).length && p.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted !== "Retain")
        reportViolation('spec.persistentVolumeClaimRetentionPolicy.whenDeleted must be "Retain" so deleting the StatefulSet keeps its weight volumes.');
      if (args.type === TYPES.storageClass && p.reclaimPolicy !== "Retain") reportViolation('reclaimPolicy must be "Retain" so a released weight volume is kept.');
    },
  };
}

const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description: "No credential in plain text in EC2 user-data, a container's environment or a command line.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    const p = args.props;
    if (args.type === TYPES.instance || args.type === TYPES.launchTemplate) {
      const text = userDataText(args.type, p);
      if (text !== undefined) report(reportViolation, scanText("userData", text));
    }
    if (args.type === TYPES.dockerContainer) report(reportViolation, [...scanEnv("envs", p.envs ?? []), ...scanArgv("command", p.command ?? []), ...scanArgv("entrypoint", p.entrypoints ?? [])]);
    if (isWorkloadType(args.type))
      for (const c of workloadContainers(args.type, p))
        report(reportViolation, [
          ...scanEnv(`container ${c.name}: env`, c.env ?? []),
          ...scanArgv(`container ${c.name}: command`, c.command ?? []),
          ...scanArgv(`container ${c.name}: args`, c.args ?? []),
        ]);
  },
};

const imagesPinned: ResourceValidationPolicy = {
  name: "images-pinned",
  description: "Every container image is pinned to a tag other than latest or to a digest; Helm charts to a version.",
  enforcementLevel: "mandatory",
  severity: "medium",
  validateResource: (args, reportViolation) => {
    const p = args.props;
    const check = (where: string, ref: unknown) => {
      if (typeof ref !== "string" || !isPinnedImage(ref))
        reportViolation(`${where} ${JSON.stringify(ref ?? null)} is not pinned: use an explicit version tag (not latest) or @sha256 digest, so every node runs the image that was tested.`);
    };
    if (args.type === TYPES.dockerImage) check("name", p.name);
    if (args.type === TYPES.dockerContainer) check("image", p.image);
    if (isWorkloadType(args.type)) for (const c of workloadContainers(args.type, p)) check(`container ${c.name} image`, c.image);
    if (args.type === TYPES.helmRelease && (typeof p.version !== "string" || p.version === "")) reportViolation(`chart ${p.chart} has no version: pin the chart version.`);
    if (args.type === TYPES.instance || args.type === TYPES.launchTemplate)
      for (const m of (userDataText(args.type, p) ?? "").matchAll(/[\w.-]+(?:\/[\w.-]+)*:latest\b/g)) reportViolation(`userData runs image ${m[0]}: pin it to a version tag or digest.`);
  },
};

/** The policy list, for a stack whose `qwen-serving:environment` is `opts.environment`. */
export function qwenServingPolicies(opts: PolicyOptions = {}): Policies {
  return [imdsV2, ebsEncrypted, noSshNoOpenIngress, servingPortsClosed, weightCacheProtected(opts), noPlaintextSecrets, imagesPinned];
}
