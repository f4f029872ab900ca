import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsNodeSettings, CapacityReservationSettings } from "../config/aws";
import { PROJECT, TAGS } from "../contract";
import { Artifact } from "../render/artifact";
import { renderNodeBootstrap } from "../render/aws/gpu-node";
import { AwsProxySettings } from "../render/aws/proxy-units";
import { NodeFile } from "../render/cloud-config";
import { SystemdUnit } from "../render/systemd";
import { NodePlan, ServicePlan } from "../sglang/planner";

/** Where each base image is published: an SSM public parameter, and a name filter if that is ever empty. */
export const AMI_SOURCES = {
  dlami: {
    parameterPath: "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest",
    owner: "amazon",
    name: "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *",
  },
  "ubuntu-22.04": {
    parameterPath: "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp3",
    owner: "099720109477",
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-*",
  },
  "ubuntu-24.04": {
    parameterPath: "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3",
    owner: "099720109477",
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*",
  },
} as const;

/** The block device name the cache is attached as; on Nitro it shows up as an NVMe device named by volume id. */
export const CACHE_DEVICE_NAME = "/dev/sdf";

/**
 * The root volume's provisioned performance: Docker extracts the ~11 GiB (compressed) SGLang image
 * into tens of GB of layers there on the first boot, which at gp3's baseline of 125 MiB/s and 3000
 * IOPS alone takes minutes. 1000 MiB/s needs at least 4000 IOPS (gp3 allows 0.25 MiB/s per IOPS);
 * above the baseline this adds about $40 a month per node (us-east-1 gp3 prices).
 */
export const ROOT_VOLUME_PERFORMANCE = { throughput: 1000, iops: 4000 } as const;

export interface GpuNodeArgs {
  /** The planned node: instance type, GPU count, NVSwitch. */
  readonly node: NodePlan;
  /** The plan's services; the node runs the replicas placed on it and tags itself for Prometheus. */
  readonly services: readonly ServicePlan[];
  /** Pinned SGLang image. */
  readonly image: string;
  readonly stack: string;
  /** Pulumi project: with `stack`, the folder of the SSM parameters the bootstrap reads. @default "qwen-serving" */
  readonly project?: string;
  /** AMI family, pin, root volume and exporter images. */
  readonly settings: AwsNodeSettings;
  /** Private subnet of the node. */
  readonly subnetId: pulumi.Input<string>;
  /** AZ of that subnet, where the weight cache lives. */
  readonly availabilityZone: pulumi.Input<string>;
  readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Instance profile (NodeRole). */
  readonly instanceProfileName: pulumi.Input<string>;
  /** The weight cache volume (WeightCache) to attach. */
  readonly cacheVolumeId: pulumi.Input<string>;
  /** Region of the SSM parameters the bootstrap reads. */
  readonly region: pulumi.Input<string>;
  /** SSM parameter names of the download tokens that exist (NodeRole.tokenParameters). @default {} */
  readonly tokenParameters?: { readonly hfToken?: string; readonly modelscopeToken?: string };
  /** The node's front proxy: what it admits and how long it waits (render/aws/proxy-units.ts). */
  readonly proxy: pulumi.Input<AwsProxySettings>;
  /** Units other components run on this node (the router's). @default [] */
  readonly extraUnits?: pulumi.Input<readonly SystemdUnit[]>;
  /** Files those units need. @default [] */
  readonly extraFiles?: pulumi.Input<readonly NodeFile[]>;
  /** Tags on the instance and its root volume. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Keep the AMI the node was created with when a newer image of its family is published (prod):
   * a new DLAMI release must not replace a serving GPU node by surprise. To move on, pin the id in
   * `aws.nodes.amiId` (the `amiId` output shows the current one). Ignored when amiId is pinned.
   * @default false
   */
  readonly keepFirstAmi?: boolean;
  /**
   * Replace the instance by deleting it first: a single-node pool must not ask EC2 for a second
   * machine of its type at once (a p5.48xlarge is 192 vCPUs of quota, and often no capacity).
   * @default false
   */
  readonly deleteBeforeReplace?: boolean;
  /** Reserved capacity to launch into (`nodePools[].capacityReservation`). @default - on demand, open reservations of the account may be used */
  readonly capacityReservation?: CapacityReservationSettings;
}

/**
 * One EC2 GPU instance that boots unattended into its planned SGLang replicas: the AMI of the
 * stack's family, private subnet, IMDSv2 only (hop limit 2 so containers reach the instance role),
 * encrypted root volume, no key pair (SSM only), the weight cache attached, and the rendered
 * bootstrap as user data. A user-data change replaces the instance (cloud-init runs once per
 * instance); the cache volume is detached and re-attached to the new one.
 */
export class GpuNode extends pulumi.ComponentResource {
  /** The EC2 instance, for what the component does not do (alarms, extra tags, a backup plan). */
  readonly instance: aws.ec2.Instance;
  readonly instanceId: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
  /** The AMI the instance runs (known at preview): the id to pin in `aws.nodes.amiId`. */
  readonly amiId: pulumi.Output<string>;
  /** `<node>/cloud-init.yaml`, scripts and units, exactly as the instance carries them. */
  readonly artifacts: pulumi.Output<Artifact[]>;

  constructor(name: string, args: GpuNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:aws:GpuNode", name, {}, opts);
    const child = { parent: this };
    const { node, settings } = args;
    if (!node.instanceType) throw new Error(`GpuNode ${name}: node ${node.name} has no instance type`);

    const bootstrap = pulumi
      .all([args.cacheVolumeId, args.region, pulumi.output(args.extraUnits ?? []), pulumi.output(args.extraFiles ?? []), pulumi.output(args.proxy)])
      .apply(([volumeId, region, extraUnits, extraFiles, proxy]) =>
        renderNodeBootstrap({
          node,
          services: args.services,
          image: args.image,
          settings,
          volumeId,
          region,
          project: args.project ?? PROJECT,
          stack: args.stack,
          tokenParameters: args.tokenParameters,
          proxy: proxy as AwsProxySettings,
          extraUnits: extraUnits as SystemdUnit[],
          extraFiles: extraFiles as NodeFile[],
        }),
      );

    const here = args.services.filter((s) => s.placement.some((p) => p.node === node.name));
    const routed = args.services.filter((s) => s.router?.node === node.name);
    const tags = {
      ...args.tags,
      Name: `${args.stack}-${node.name}`,
      [TAGS.stack]: args.stack,
      // Prometheus finds each replica and router by node name and planned port (worker ports differ per replica).
      [TAGS.node]: node.name,
      ...Object.fromEntries(
        here.map((s) => [
          `${TAGS.servicePrefix}${s.name}`,
          s.placement
            .filter((p) => p.node === node.name)
            .map((p) => p.port)
            .join(" "),
        ]),
      ),
      ...Object.fromEntries(routed.map((s) => [`${TAGS.routerPrefix}${s.name}`, String(s.router!.port)])),
    };

    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: settings.amiId ?? amiFor(settings.ami, child),
        instanceType: node.instanceType,
        subnetId: args.subnetId,
        availabilityZone: args.availabilityZone,
        vpcSecurityGroupIds: args.securityGroupIds,
        iamInstanceProfile: args.instanceProfileName,
        userDataBase64: bootstrap.userDataBase64,
        userDataReplaceOnChange: true,
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" },
        rootBlockDevice: { volumeType: "gp3", volumeSize: settings.rootVolumeGiB, ...ROOT_VOLUME_PERFORMANCE, encrypted: true, deleteOnTermination: true, tags },
        tags,
        ...reservationInputs(args.capacityReservation),
      },
      { ...child, deleteBeforeReplace: args.deleteBeforeReplace ?? false, ignoreChanges: args.keepFirstAmi && !settings.amiId ? ["ami"] : [] },
    );
    // Delete-before-replace: the volume attaches to one instance at a time, so the old attachment
    // must go (after a clean stop) before the replacement instance can have it.
    new aws.ec2.VolumeAttachment(
      `${name}-cache`,
      { instanceId: instance.id, volumeId: args.cacheVolumeId, deviceName: CACHE_DEVICE_NAME, stopInstanceBeforeDetaching: true },
      { ...child, deleteBeforeReplace: true },
    );

    this.instance = instance;
    this.instanceId = instance.id;
    this.privateIp = instance.privateIp;
    this.amiId = instance.ami;
    this.artifacts = bootstrap.artifacts.apply((a) => [...a]);
    this.registerOutputs({ instanceId: this.instanceId, privateIp: this.privateIp, amiId: this.amiId });
  }
}

/**
 * Launch into a reservation: target it by id (an On-Demand Capacity Reservation or a Capacity Block,
 * which also needs market type capacity-block) or by resource group.
 */
function reservationInputs(r: CapacityReservationSettings | undefined): Partial<aws.ec2.InstanceArgs> {
  if (!r) return {};
  const target = r.id ? { capacityReservationId: r.id } : { capacityReservationResourceGroupArn: r.resourceGroupArn };
  return { capacityReservationSpecification: { capacityReservationTarget: target }, ...(r.capacityBlock ? { instanceMarketOptions: { marketType: "capacity-block" } } : {}) };
}

/** The latest image of a family: its SSM public parameter, or the newest image matching its name. */
function amiFor(family: AwsNodeSettings["ami"], opts: pulumi.InvokeOptions): pulumi.Output<string> {
  const src = AMI_SOURCES[family];
  // By path (not getParameter): an absent parameter gives an empty list instead of failing the run.
  const byPath = aws.ssm.getParametersByPathOutput({ path: src.parameterPath }, opts);
  // The provider marks every parameter value secret; an AMI id is not one, and must show in clear in
  // `pulumi preview` (unsecret on the result: inside the apply it is too late, the outer output is secret).
  return pulumi.unsecret(
    byPath.apply((r) => {
      const i = r.names.indexOf(`${src.parameterPath}/ami-id`);
      if (i >= 0) return pulumi.output(r.values[i]);
      return aws.ec2.getAmiOutput(
        {
          owners: [src.owner],
          mostRecent: true,
          filters: [
            { name: "name", values: [src.name] },
            { name: "architecture", values: ["x86_64"] },
            { name: "state", values: ["available"] },
          ],
        },
        opts,
      ).imageId;
    }),
  );
}
