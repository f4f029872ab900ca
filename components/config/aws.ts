import { z } from "zod";
import { IMAGES, PORTS } from "../contract";
import { pinnedImage } from "./common";

/**
 * `qwen-serving:aws` — settings only the aws platform reads. Owned by the AWS adapter; every field
 * optional with a documented default so a stack can omit the block.
 */
const CIDR_V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const cidrV4 = z.string().refine((c) => {
  const m = CIDR_V4.exec(c);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}, "must be an IPv4 CIDR such as 203.0.113.0/24");

/**
 * Network of the aws platform (components/aws/network.ts). Either an existing VPC (give vpcId,
 * privateSubnetId and publicSubnetIds; we create nothing network-wide and you provide egress) or,
 * by default, a new minimal VPC: two public subnets for the load balancer, one private subnet for
 * the GPU nodes and monitoring, one NAT gateway, and an S3 gateway endpoint.
 */
export const AwsNetworkSettingsSchema = z
  .object({
    /** Existing VPC. @default - a new VPC is created */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, "vpcId must look like vpc-0123456789abcdef0")
      .optional(),
    /** Existing private subnet for the GPU nodes and monitoring (its AZ pins the weight cache); needs egress to the internet. @default - created */
    privateSubnetId: z
      .string()
      .regex(/^subnet-[0-9a-f]{8,17}$/, "privateSubnetId must look like subnet-0123456789abcdef0")
      .optional(),
    /** Existing public subnets for the load balancer, in at least two AZs. @default - created */
    publicSubnetIds: z
      .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "each public subnet id must look like subnet-0123456789abcdef0"))
      .min(2, "an ALB needs subnets in at least two AZs")
      .optional(),
    /** CIDR of a new VPC, /16 to /19 (public subnets get /24../27 of it, the private one /20../23). @default "10.0.0.0/16" */
    vpcCidr: cidrV4
      .refine((c) => {
        const p = Number(c.split("/")[1]);
        return p >= 16 && p <= 19;
      }, "vpcCidr must be a /16 to /19")
      .optional(),
    /**
     * Zone of a new private subnet, by name (`us-east-1a`, which maps to a different physical zone in
     * every account) or by zone id (`use1-az4`, the same everywhere). It must offer every planned
     * instance type (the plan checks EC2's offerings and says which zones do).
     * @default - the first zone, by name, that offers every planned instance type
     */
    availabilityZone: z
      .string()
      .regex(/^([a-z]{2}(-[a-z]+)+-\d[a-z]|[a-z]{2,5}\d-az\d+)$/, "availabilityZone must be a zone name such as us-east-1a or a zone id such as use1-az4")
      .optional(),
  })
  .strict()
  .superRefine((n, ctx) => {
    const existing = ["privateSubnetId", "publicSubnetIds"] as const;
    if (n.vpcId) {
      for (const k of existing) if (!n[k]) ctx.addIssue({ code: "custom", path: [k], message: `an existing vpcId needs ${k} too` });
      for (const k of ["vpcCidr", "availabilityZone"] as const) if (n[k]) ctx.addIssue({ code: "custom", path: [k], message: `${k} only applies to a new VPC; with vpcId the subnets decide it` });
    } else {
      for (const k of existing) if (n[k]) ctx.addIssue({ code: "custom", path: [k], message: `${k} needs vpcId (the VPC it belongs to)` });
    }
  });

/**
 * The load balancer in front of the services (components/aws/front-door.ts). Closed by default:
 * with no allowedCidrs the load balancer admits nobody.
 */
export const AwsFrontDoorSettingsSchema = z
  .object({
    /** Client CIDRs the load balancer admits (e.g. your office, a VPN; ["0.0.0.0/0"] for the internet). @default [] (nobody) */
    allowedCidrs: z.array(cidrV4).default([]),
    /** Host name clients use; needs certificateArn. Turns on HTTPS on 443 and on the service ports. @default - plain HTTP on the load balancer's DNS name */
    domain: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "domain must be a lowercase DNS name such as llm.example.com")
      .optional(),
    /** ACM certificate covering domain, in the stack's region. @default - no HTTPS */
    certificateArn: z
      .string()
      .regex(/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, "certificateArn must be an ACM certificate ARN")
      .optional(),
    /** Route 53 hosted zone to create domain's alias record in. @default - no record (point your DNS at the load balancer yourself) */
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, "hostedZoneId must look like Z0123456789ABCDEFGHIJ")
      .optional(),
    /**
     * ALB idle timeout: a request with no bytes in either direction for this long is cut (a
     * non-streaming generation sends nothing until it ends). At least the longest generation.
     * @default - the longest generation (proxy.maxGenerationSeconds) + 60 s, at least 900, at most 4000 (components/aws/front-door-timing.ts)
     */
    idleTimeoutSeconds: z.number().int().min(1).max(4000).optional(),
    /**
     * Older spelling of the longest generation; `proxy.maxGenerationSeconds` is the one value every
     * timeout follows (ALB idle timeout and draining, proxy, router); pre-flight refuses the two set apart.
     * @default - proxy.maxGenerationSeconds, else 900
     */
    maxGenerationSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (!!f.domain !== !!f.certificateArn) ctx.addIssue({ code: "custom", path: [f.domain ? "certificateArn" : "domain"], message: "domain and certificateArn must be given together" });
    if (f.hostedZoneId && !f.domain) ctx.addIssue({ code: "custom", path: ["hostedZoneId"], message: "hostedZoneId needs domain (the record to create)" });
  });

/** The GPU nodes (components/aws/gpu-node.ts) and their weight caches. */
export const AwsNodeSettingsSchema = z
  .object({
    /**
     * Base image: `dlami` (AWS Deep Learning Base OSS Nvidia Driver GPU AMI, Ubuntu 22.04: driver,
     * Docker and the container toolkit preinstalled) or plain Ubuntu, where the bootstrap installs
     * the NVIDIA 580 server driver (open modules), Docker and the toolkit (adds minutes to boot).
     * @default "dlami"
     */
    ami: z.enum(["dlami", "ubuntu-22.04", "ubuntu-24.04"]).default("dlami"),
    /** Pin an exact AMI id instead of the latest image of `ami` (a new latest image replaces the nodes at the next `pulumi up`). @default - the latest image of `ami` */
    amiId: z
      .string()
      .regex(/^ami-[0-9a-f]{8,17}$/, "amiId must look like ami-0123456789abcdef0")
      .optional(),
    /** Encrypted gp3 root volume; holds Docker's images (the SGLang image is ~11 GiB compressed, ~30 GiB unpacked). @default 200 */
    rootVolumeGiB: z.number().int().min(100, "the DLAMI root snapshot plus the SGLang image need at least 100 GiB").max(16384).default(200),
    /** node_exporter on every node. @default IMAGES.nodeExporter */
    nodeExporterImage: pinnedImage.default(IMAGES.nodeExporter),
    /** NVIDIA dcgm-exporter on every node. @default IMAGES.dcgmExporter */
    dcgmExporterImage: pinnedImage.default(IMAGES.dcgmExporter),
    /**
     * Take over retained weight caches (from a destroyed stack) instead of creating and downloading
     * again, by node name: `{ "gpu-0": "vol-0123456789abcdef0" }`. The volume is read, not created:
     * this stack never resizes or deletes it; the stack's zone becomes the volume's.
     * @default {}
     */
    cacheVolumeIds: z.record(z.string(), z.string().regex(/^vol-[0-9a-f]{8,17}$/, "each volume id must look like vol-0123456789abcdef0")).default({}),
  })
  .strict();

/**
 * The monitoring instance (components/aws/monitoring-node.ts): Prometheus and Grafana in the
 * private subnet. Closed by default: with no grafanaAllowedCidrs, Grafana is reached only through
 * SSM port forwarding.
 */
export const AwsMonitoringSettingsSchema = z
  .object({
    /**
     * Instance type. m7i.large (2 vCPU, 8 GiB, ~$0.10/h): Prometheus keeps its head block of a few
     * thousand series in memory and Grafana renders PromQL on demand, which fits 8 GiB with room;
     * a fixed-performance type avoids the CPU-credit throttling (t3 standard) or surplus charges
     * (t3 unlimited) that a burst of dashboard queries would cause on a t3.large.
     * @default "m7i.large"
     */
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "instanceType must look like m7i.large")
      .default("m7i.large"),
    /** Encrypted gp3 volume holding the Prometheus TSDB and Grafana's database; retention by size is capped at 85% of it. @default 100 */
    tsdbVolumeGiB: z.number().int().min(20, "the TSDB volume needs at least 20 GiB").max(16384).default(100),
    /** Client CIDRs admitted to Grafana's listener on the load balancer. @default [] (no listener: SSM port forwarding only) */
    grafanaAllowedCidrs: z.array(cidrV4).default([]),
    /** Load balancer port of Grafana's listener (HTTPS when frontDoor has a certificate). @default PORTS.grafana (3000) */
    grafanaPort: z.number().int().min(1).max(65535).default(PORTS.grafana),
    /** Prometheus server. @default IMAGES.prometheus */
    prometheusImage: pinnedImage.default(IMAGES.prometheus),
    /** Grafana OSS. @default IMAGES.grafana */
    grafanaImage: pinnedImage.default(IMAGES.grafana),
    /** Pinned Alertmanager image. @default IMAGES.alertmanager */
    alertmanagerImage: pinnedImage.default(IMAGES.alertmanager),
    /** Pin the instance's AMI (the plan shows the one in use). In prod the first one is kept anyway; set this to move to another (replaces the instance, the TSDB volume stays). @default - the latest Ubuntu 24.04 image */
    amiId: z
      .string()
      .regex(/^ami-[0-9a-f]{8,17}$/, "amiId must look like ami-0123456789abcdef0")
      .optional(),
  })
  .strict();

/**
 * Reserved capacity for a node pool (`nodePools[].capacityReservation`, aws only). P-family capacity
 * is scarce on demand: an On-Demand Capacity Reservation, a resource group of them, or an EC2
 * Capacity Block for ML guarantees the machines. The reservation fixes the zone (and the zone the
 * weight caches and the monitoring instance share); the pool's instance type must be the reserved one.
 */
export const CapacityReservationSchema = z
  .object({
    /** An On-Demand Capacity Reservation or Capacity Block id. @default - none (give id or resourceGroupArn) */
    id: z
      .string()
      .regex(/^cr-[0-9a-f]{17}$/, "id must look like cr-0123456789abcdef0")
      .optional(),
    /** A resource group of capacity reservations; needs aws.network.availabilityZone (a group may span zones). @default - none */
    resourceGroupArn: z
      .string()
      .regex(/^arn:aws[\w-]*:resource-groups:[a-z0-9-]+:\d{12}:group\/[\w.+=@-]+$/, "resourceGroupArn must be a resource-groups group ARN")
      .optional(),
    /** The reservation is an EC2 Capacity Block for ML: instances launch with market type capacity-block and stop when the block ends. @default false */
    capacityBlock: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!!c.id === !!c.resourceGroupArn) ctx.addIssue({ code: "custom", path: [], message: "give exactly one of id and resourceGroupArn" });
    if (c.capacityBlock && !c.id) ctx.addIssue({ code: "custom", path: ["capacityBlock"], message: "a Capacity Block is targeted by its id (cr-...)" });
  });

export type CapacityReservationSettings = z.output<typeof CapacityReservationSchema>;

/**
 * CloudWatch alarms (components/aws/alarms.ts): no healthy target per service, failed EC2 status
 * checks per instance, to one SNS topic. They fire even when the monitoring instance is down.
 */
export const AwsAlarmSettingsSchema = z
  .object({
    /** Create the alarms. @default true */
    enabled: z.boolean().default(true),
    /** An existing SNS topic to notify (its access policy must let CloudWatch publish). @default - the stack creates one */
    topicArn: z
      .string()
      .regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, "topicArn must be an SNS topic ARN")
      .optional(),
    /** Email addresses subscribed to the created topic (each confirms by a link AWS mails). @default [] */
    emails: z.array(z.email("each entry must be an email address")).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.topicArn && s.emails.length)
      ctx.addIssue({ code: "custom", path: ["emails"], message: "emails subscribe to the topic the stack creates; with topicArn, subscribe them to your topic yourself" });
  });

export const AwsSettingsSchema = z
  .object({
    /** VPC and subnets. @default - a new minimal VPC */
    network: AwsNetworkSettingsSchema.prefault({}),
    /** Load balancer, TLS and client access. @default - HTTP only, closed to everyone */
    frontDoor: AwsFrontDoorSettingsSchema.prefault({}),
    /** GPU nodes: AMI, root volume, exporter images. @default - DLAMI, 200 GiB root */
    nodes: AwsNodeSettingsSchema.prefault({}),
    /** Prometheus/Grafana instance. @default - m7i.large, 100 GiB TSDB, Grafana through SSM only */
    monitoring: AwsMonitoringSettingsSchema.prefault({}),
    /** CloudWatch alarms and their SNS topic. @default - on, to a topic the stack creates with no subscriptions */
    alarms: AwsAlarmSettingsSchema.prefault({}),
  })
  .strict();

export type AwsNetworkSettings = z.output<typeof AwsNetworkSettingsSchema>;
export type AwsFrontDoorSettings = z.output<typeof AwsFrontDoorSettingsSchema>;
export type AwsNodeSettings = z.output<typeof AwsNodeSettingsSchema>;
export type AwsMonitoringSettings = z.output<typeof AwsMonitoringSettingsSchema>;
export type AwsAlarmSettings = z.output<typeof AwsAlarmSettingsSchema>;

export type AwsSettings = z.output<typeof AwsSettingsSchema>;
