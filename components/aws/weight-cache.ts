import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface WeightCacheArgs {
  /** AZ of the node it serves (EBS volumes attach only within their AZ). */
  readonly availabilityZone: pulumi.Input<string>;
  /** Size, from the plan's cache for the node (`CachePlan.sizeGiB`). */
  readonly sizeGiB: number;
  /** gp3 throughput; the plan's cold start assumes the weights are read at this rate. */
  readonly throughputMiBps: number;
  /** gp3 IOPS (at least throughput / 0.25 MiB so reads are not IOPS-bound). */
  readonly iops: number;
  /** Keep the volume: `pulumi destroy` and node replacement leave it, and Pulumi refuses to delete it (protect). */
  readonly retain: boolean;
  /** Tags on the volume. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** A retained volume read from AWS (aws.nodes.cacheVolumeIds) to use instead of creating one. @default - a new volume */
  readonly existing?: aws.ebs.Volume;
}

/**
 * The EBS gp3 volume that holds a node's model weights, encrypted, in the node's AZ. It is a
 * separate resource from the instance, so replacing the instance re-attaches the same volume and
 * the weights are not downloaded again; with `retain` it also outlives the stack.
 */
export class WeightCache extends pulumi.ComponentResource {
  readonly volumeId: pulumi.Output<string>;
  readonly availabilityZone: pulumi.Output<string>;

  constructor(name: string, args: WeightCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:aws:WeightCache", name, {}, opts);
    const volume =
      args.existing ??
      new aws.ebs.Volume(
        `${name}-volume`,
        { availabilityZone: args.availabilityZone, type: "gp3", size: args.sizeGiB, throughput: args.throughputMiBps, iops: args.iops, encrypted: true, tags: { ...args.tags } },
        { parent: this, protect: args.retain, retainOnDelete: args.retain },
      );
    this.volumeId = volume.id;
    this.availabilityZone = volume.availabilityZone;
    this.registerOutputs({ volumeId: this.volumeId, availabilityZone: this.availabilityZone });
  }
}
