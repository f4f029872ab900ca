import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsNetworkSettings } from "../config/aws";
import { PORTS } from "../contract";
import { DeploymentPlan } from "../sglang/planner";
import { QwenServingError } from "../problems";
import { DEFAULT_VPC_CIDR, SecurityGroupRole, SecurityRule, securityRules, subnetLayout } from "./network-layout";
import { chooseZone, RegionZones, ZoneChoice } from "./zones";

export interface AwsNetworkArgs {
  /** The deployment plan: its SGLang, router and metrics ports decide the security-group rules. */
  readonly plan: DeploymentPlan;
  /** Config `aws.network`. @default - a new VPC from DEFAULT_VPC_CIDR in the region's first AZ */
  readonly settings?: AwsNetworkSettings;
  /** Client CIDRs the load balancer admits. @default [] (nobody) */
  readonly allowedCidrs?: readonly string[];
  /** Ports the load balancer listens on. @default [] */
  readonly listenerPorts?: readonly number[];
  /** Ports the load balancer targets on the nodes (SGLang of single replicas, routers). @default [] */
  readonly targetPorts?: readonly number[];
  /** node_exporter port on every node. @default 9100 */
  readonly nodeExporterPort?: number;
  /** dcgm-exporter port on every GPU node. @default 9400 */
  readonly dcgmPort?: number;
  /** Tags on every resource (a `Name` tag is added per resource). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** Instance types that run in the private subnet's zone; the zone must offer all of them. @default - the plan's node types */
  readonly instanceTypes?: readonly string[];
  /** A zone a capacity reservation fixes (components/aws/reservations.ts). @default - none */
  readonly requiredZone?: pulumi.Input<{ readonly zone: string; readonly why: string; readonly path: string } | undefined>;
}

/**
 * The stack's network: an existing VPC from config or a new minimal one, and the three security
 * groups (load balancer, GPU nodes, monitoring) with one rule resource per allowed port.
 *
 * Why this shape for a new VPC: the GPU nodes and monitoring share ONE private subnet because the
 * EBS weight cache is bound to an AZ; the ALB needs two AZs, hence two small public subnets. One
 * NAT gateway (in the private subnet's AZ) carries egress: the SGLang image (~11 GiB) from Docker
 * Hub and weights from Hugging Face/ModelScope have no VPC endpoint. The free S3 gateway endpoint
 * takes S3 traffic (weights with `source: s3`) off the NAT. Interface endpoints (SSM, ECR, logs)
 * are not created: at ~$7/month/AZ each they cost more than the little NAT traffic they would save.
 * With an existing VPC we create only the security groups; its private subnet must have egress.
 */
export class AwsNetwork extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  /** The one private subnet of the GPU nodes and monitoring. */
  readonly privateSubnetId: pulumi.Output<string>;
  /** Its CIDR: the nodes' proxies admit /metrics and remote routers from it (known before any node's address). */
  readonly privateSubnetCidr: pulumi.Output<string>;
  /** AZ of the private subnet; weight-cache volumes must be created here. */
  readonly availabilityZone: pulumi.Output<string>;
  /** Zone id of that AZ (`use1-az4`: the same physical zone in every account). */
  readonly availabilityZoneId: pulumi.Output<string>;
  /** Subnets of the load balancer, in two AZs or more. */
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  readonly monitoringSecurityGroupId: pulumi.Output<string>;
  /** Every rule created, as planned (for reports and tests). */
  readonly rules: readonly SecurityRule[];

  constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:aws:AwsNetwork", name, {}, opts);
    const settings = args.settings ?? {};
    const tags = (suffix: string) => ({ ...args.tags, Name: `${name}-${suffix}` });

    if (settings.vpcId) {
      this.vpcId = pulumi.output(settings.vpcId);
      this.privateSubnetId = pulumi.output(settings.privateSubnetId!);
      this.publicSubnetIds = pulumi.output([...settings.publicSubnetIds!]);
      // An existing subnet fixes the zone: it must offer every planned type.
      const subnet = aws.ec2.getSubnetOutput({ id: settings.privateSubnetId! }, { parent: this });
      this.privateSubnetCidr = subnet.cidrBlock;
      const zone = this.checkedZone(
        args,
        pulumi.all([subnet.availabilityZone, subnet.availabilityZoneId]).apply(([n, id]) => ({ names: [n], zoneIds: [id] })),
        subnet.availabilityZoneId,
        "aws.network.privateSubnetId",
      );
      this.availabilityZone = zone.name;
      this.availabilityZoneId = zone.id;
    } else {
      const created = this.createVpc(name, settings, tags, args);
      this.vpcId = created.vpcId;
      this.privateSubnetId = created.privateSubnetId;
      this.privateSubnetCidr = created.privateSubnetCidr;
      this.publicSubnetIds = created.publicSubnetIds;
      this.availabilityZone = created.availabilityZone;
      this.availabilityZoneId = created.availabilityZoneId;
    }

    const group = (suffix: string, description: string) => new aws.ec2.SecurityGroup(`${name}-${suffix}`, { vpcId: this.vpcId, description, tags: tags(suffix) }, { parent: this });
    const groups: Record<SecurityGroupRole, aws.ec2.SecurityGroup> = {
      loadBalancer: group("lb", "qwen-serving load balancer: clients in, nodes out"),
      node: group("node", "qwen-serving GPU nodes: SGLang and routers from the load balancer, exporters from monitoring"),
      monitoring: group("monitoring", "qwen-serving Prometheus and Grafana: scrapes the GPU nodes"),
    };

    this.rules = securityRules({
      plan: args.plan,
      allowedCidrs: args.allowedCidrs ?? [],
      listenerPorts: args.listenerPorts ?? [],
      targetPorts: args.targetPorts ?? [],
      nodeExporterPort: args.nodeExporterPort ?? PORTS.nodeExporter,
      dcgmPort: args.dcgmPort ?? PORTS.dcgmExporter,
    });
    for (const rule of this.rules) {
      const peer = "group" in rule.peer ? { referencedSecurityGroupId: groups[rule.peer.group].id } : { cidrIpv4: rule.peer.cidr };
      const ruleArgs = { securityGroupId: groups[rule.group].id, ipProtocol: "tcp", fromPort: rule.port, toPort: rule.port, description: rule.description, tags: tags(rule.key), ...peer };
      if (rule.direction === "ingress") new aws.vpc.SecurityGroupIngressRule(`${name}-${rule.key}`, ruleArgs, { parent: this });
      else new aws.vpc.SecurityGroupEgressRule(`${name}-${rule.key}`, ruleArgs, { parent: this });
    }

    this.loadBalancerSecurityGroupId = groups.loadBalancer.id;
    this.nodeSecurityGroupId = groups.node.id;
    this.monitoringSecurityGroupId = groups.monitoring.id;
    this.registerOutputs({
      vpcId: this.vpcId,
      privateSubnetId: this.privateSubnetId,
      privateSubnetCidr: this.privateSubnetCidr,
      availabilityZone: this.availabilityZone,
      availabilityZoneId: this.availabilityZoneId,
      publicSubnetIds: this.publicSubnetIds,
      loadBalancerSecurityGroupId: this.loadBalancerSecurityGroupId,
      nodeSecurityGroupId: this.nodeSecurityGroupId,
      monitoringSecurityGroupId: this.monitoringSecurityGroupId,
    });
  }

  /**
   * The zone of `zones` that offers every planned instance type (components/aws/zones.ts): `requested`
   * if given and good, else the first good one; otherwise the run fails with the problems and advice.
   */
  private checkedZone(
    args: AwsNetworkArgs,
    zones: pulumi.Input<RegionZones>,
    requested: pulumi.Input<string | undefined>,
    requestedPath?: string,
  ): { name: pulumi.Output<string>; id: pulumi.Output<string> } {
    const child = { parent: this };
    const instanceTypes = [...new Set(args.instanceTypes ?? args.plan.nodes.flatMap((n) => (n.instanceType ? [n.instanceType] : [])))];
    const offerings = aws.ec2.getInstanceTypeOfferingsOutput({ locationType: "availability-zone-id", filters: [{ name: "instance-type", values: instanceTypes }] }, child);
    const region = aws.getRegionOutput({}, child).region;
    const chosen = pulumi.all([pulumi.output(zones), offerings, region, pulumi.output(requested), pulumi.output(args.requiredZone)]).apply(([z, o, r, req, required]): ZoneChoice => {
      const c = chooseZone({ region: r, zones: z, offerings: o, instanceTypes, requested: req, requestedPath, required });
      if (!c.zone) throw new QwenServingError("platform", c.problems);
      return c.zone;
    });
    return { name: chosen.name, id: chosen.id };
  }

  private createVpc(name: string, settings: AwsNetworkSettings, tags: (s: string) => Record<string, string>, args: AwsNetworkArgs) {
    const child = { parent: this };
    const layout = subnetLayout(settings.vpcCidr ?? DEFAULT_VPC_CIDR);
    const available = aws.getAvailabilityZonesOutput({ state: "available" }, child);
    const zones = available.names;
    const chosen = this.checkedZone(
      args,
      pulumi.all([available.names, available.zoneIds]).apply(([names, zoneIds]) => ({ names, zoneIds })),
      settings.availabilityZone,
    );
    const privateAz = chosen.name;
    // The ALB's second AZ: the first available one that is not the private subnet's.
    const otherAz = pulumi.all([zones, privateAz]).apply(([z, az]) => {
      const other = z.find((n) => n !== az);
      if (!other) throw new Error(`the region offers only ${az}; an ALB needs two AZs`);
      return other;
    });

    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: settings.vpcCidr ?? DEFAULT_VPC_CIDR, enableDnsSupport: true, enableDnsHostnames: true, tags: tags("vpc") }, child);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, child);
    const publicRt = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: tags("public") }, child);
    new aws.ec2.Route(`${name}-public-default`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, child);
    const publicSubnets = [privateAz, otherAz].map((az, i) => {
      const subnet = new aws.ec2.Subnet(`${name}-public-${i}`, { vpcId: vpc.id, cidrBlock: layout.publicCidrs[i], availabilityZone: az, mapPublicIpOnLaunch: false, tags: tags(`public-${i}`) }, child);
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRt.id }, child);
      return subnet;
    });

    const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: tags("nat") }, child);
    const nat = new aws.ec2.NatGateway(`${name}-nat`, { allocationId: eip.id, subnetId: publicSubnets[0].id, tags: tags("nat") }, { ...child, dependsOn: [igw] });
    const privateSubnet = new aws.ec2.Subnet(
      `${name}-private`,
      { vpcId: vpc.id, cidrBlock: layout.privateCidr, availabilityZone: privateAz, mapPublicIpOnLaunch: false, tags: tags("private") },
      child,
    );
    const privateRt = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, tags: tags("private") }, child);
    new aws.ec2.Route(`${name}-private-default`, { routeTableId: privateRt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, child);
    new aws.ec2.RouteTableAssociation(`${name}-private`, { subnetId: privateSubnet.id, routeTableId: privateRt.id }, child);

    const region = aws.getRegionOutput({}, child).region;
    new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      { vpcId: vpc.id, serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`, vpcEndpointType: "Gateway", routeTableIds: [privateRt.id], tags: tags("s3") },
      child,
    );

    return {
      vpcId: vpc.id,
      privateSubnetId: privateSubnet.id,
      privateSubnetCidr: pulumi.output(layout.privateCidr),
      publicSubnetIds: pulumi.all(publicSubnets.map((s) => s.id)),
      availabilityZone: privateSubnet.availabilityZone,
      availabilityZoneId: chosen.id,
    };
  }
}
