import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TAGS } from "../contract";
import { GrafanaAccess, PlatformArgs, PlatformCheckInput, PlatformOutputs, secretsPresent } from "../platform";
import { Problem, QwenServingError } from "../problems";
import { Artifact } from "../render/artifact";
import { AwsSettingsSchema } from "../config/aws";
import { maxGenerationSeconds } from "../config/proxy";
import { exampleArtifacts } from "../render/examples";
import { ApiKeys } from "./api-keys";
import { FrontDoor } from "./front-door";
import { GpuNode } from "./gpu-node";
import { NodeRole } from "./node-role";
import { WeightCache } from "./weight-cache";
import { awsProblems } from "./checks";
import { MonitoringNode } from "./monitoring-node";
import { planFrontDoor } from "./front-door-plan";
import { frontDoorTiming, proxyClientIdleSeconds } from "./front-door-timing";
import { AwsNetwork } from "./network";
import { NodeRouters } from "./node-routers";
import { agreedZone, reservationZone, reservedPools } from "./reservations";
import { AwsAlarms } from "./alarms";

export type AwsPlatformArgs = PlatformArgs;

/**
 * Platform adapter for `platform: aws`: network, GPU nodes with their weight caches, the load
 * balancer in front, and the monitoring instance, all from the plan.
 */
export class AwsPlatform extends pulumi.ComponentResource implements PlatformOutputs {
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly artifacts: pulumi.Output<Artifact[]>;
  // The main children, for what the adapter does not do (a WAF, alarms, tags, peering): `serving.aws?.frontDoor.loadBalancer`.
  /** VPC, subnets and the three security groups. */
  readonly network: AwsNetwork;
  /** The load balancer in front of the services (`frontDoor.loadBalancer` is the ALB itself). */
  readonly frontDoor: FrontDoor;
  /** One per planned node, in plan order (`gpuNodes[i].instance` is the EC2 instance). */
  readonly gpuNodes: readonly GpuNode[];
  /** One per planned node, in plan order: the gp3 volume holding its weights. */
  readonly weightCaches: readonly WeightCache[];
  /** The Prometheus/Grafana instance. @default - none when monitoring.enabled is false */
  readonly monitoring?: MonitoringNode;
  readonly grafana?: pulumi.Output<GrafanaAccess>;

  /** Every problem this adapter would meet, before any resource exists (pure). */
  static validate(input: PlatformCheckInput): Problem[] {
    return awsProblems(input);
  }

  constructor(name: string, args: AwsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super(): a config this adapter cannot build registers nothing.
    const problems = AwsPlatform.validate({ plan: args.plan, config: args.config, secrets: secretsPresent(args.secrets) });
    if (problems.length) throw new QwenServingError("platform", problems);
    super("qwen-serving:aws:AwsPlatform", name, {}, opts);
    const artifacts: pulumi.Output<Artifact[]>[] = [];

    // --- network (issue 4: AwsNetwork) ---
    const awsSettings = args.config.aws ?? AwsSettingsSchema.parse({});
    const frontDoorPlan = planFrontDoor(args.plan, awsSettings.frontDoor, frontDoorTiming(args.config));
    // Reservations by id fix the zone: read what EC2 says about them first (a read, never deleted).
    const reserved = reservedPools(args.config).map((r) => ({ ...r, cr: aws.ec2.CapacityReservation.get(`${name}-reservation-${r.pool}`, r.id, undefined, { parent: this }) }));
    // Retained weight caches this stack takes over (aws.nodes.cacheVolumeIds): read, never resized or deleted here.
    const adopted = new Map(Object.entries(awsSettings.nodes.cacheVolumeIds).map(([node, id]) => [node, aws.ebs.Volume.get(`${name}-${node}-retained-weights`, id, undefined, { parent: this })]));
    const reservationFix = reserved.length
      ? pulumi
          .all(reserved.map((r) => pulumi.all([r.cr.availabilityZone, r.cr.instanceType]).apply(([availabilityZone, instanceType]) => ({ id: r.id, availabilityZone, instanceType }))))
          .apply((facts) => {
            const z = reservationZone(args.config, facts);
            if (!z.zone) throw new QwenServingError("platform", z.problems);
            return [{ zone: z.zone, why: `capacity reservation ${reserved[0].id}`, path: `nodePools[${reserved[0].index}].capacityReservation.id` }];
          })
      : pulumi.output([]);
    const volumeFixes = pulumi.all(
      [...adopted].map(([node, v]) =>
        v.availabilityZone.apply((zone) => ({ zone, why: `retained weight volume ${awsSettings.nodes.cacheVolumeIds[node]}`, path: `aws.nodes.cacheVolumeIds.${node}` })),
      ),
    );
    const requiredZone =
      reserved.length || adopted.size
        ? pulumi.all([reservationFix, volumeFixes]).apply(([r, v]) => {
            const z = agreedZone([...r, ...v]);
            if (!z.fix) throw new QwenServingError("platform", z.problems);
            return z.fix;
          })
        : undefined;
    const network = (this.network = new AwsNetwork(
      `${name}-network`,
      {
        plan: args.plan,
        settings: awsSettings.network,
        allowedCidrs: awsSettings.frontDoor.allowedCidrs,
        listenerPorts: frontDoorPlan.listeners.map((l) => l.port),
        targetPorts: frontDoorPlan.targets.map((t) => t.port),
        // The zone must sell every GPU type and the monitoring instance's type (they share the subnet).
        instanceTypes: [...args.plan.nodes.flatMap((n) => (n.instanceType ? [n.instanceType] : [])), ...(args.config.monitoring.enabled ? [awsSettings.monitoring.instanceType] : [])],
        requiredZone,
      },
      { parent: this },
    ));
    // Service API keys as SSM SecureStrings, before the nodes: their front proxies fetch them at boot
    // (render/aws/api-key.ts) and their role needs ApiKeys.parameterArns.
    const apiKeys = Object.keys(args.secrets.apiKeys ?? {}).length
      ? new ApiKeys(`${name}-apikeys`, { project: args.plan.project, stack: args.plan.stack, keys: args.secrets.apiKeys! }, { parent: this })
      : undefined;
    // Each routed service's router rides on its planned node as extra units (render/aws/router-units.ts).
    const routers = new NodeRouters(args.plan, args.config.image, maxGenerationSeconds(args.config));
    // Every node's front proxy holds the planned ports (the ALB's targets); Prometheus and remote
    // routers are admitted from the private subnet, whose CIDR is known before any node's address.
    const proxy = network.privateSubnetCidr.apply((cidr) => ({
      image: args.config.proxy.image,
      clientIdleSeconds: proxyClientIdleSeconds(args.config),
      maxBodyBytes: args.config.proxy.maxBodyMiB * 1024 * 1024,
      maxGenerationSeconds: maxGenerationSeconds(args.config),
      metricsSources: [cidr, ...args.config.proxy.metricsCidrs],
      routerSource: cidr,
      apiKeyServices: Object.keys(args.secrets.apiKeys ?? {}),
    }));

    // --- GPU nodes and weight caches (issue 3: GpuNode, WeightCache) ---
    const nodeRole = new NodeRole(
      `${name}-node`,
      {
        project: args.plan.project,
        stack: args.plan.stack,
        tokens: { hfToken: args.secrets.hfToken, modelscopeToken: args.secrets.modelscopeToken },
        readParameterArns: apiKeys?.parameterArns.apply((arns) => Object.values(arns)),
        s3Uris: [...new Set(args.plan.services.flatMap((s) => (s.spec.weights.s3Uri ? [s.spec.weights.s3Uri] : [])))],
      },
      { parent: this },
    );
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const caches: WeightCache[] = [];
    this.weightCaches = caches;
    this.gpuNodes = args.plan.nodes.map((node) => {
      const cache = new WeightCache(
        `${name}-${node.name}-weights`,
        {
          availabilityZone: network.availabilityZone,
          sizeGiB: args.plan.caches.find((c) => c.node === node.name)!.sizeGiB,
          throughputMiBps: args.config.cache.throughputMiBps,
          iops: args.config.cache.iops,
          retain: args.plan.retainCaches,
          tags: { Name: `${args.plan.stack}-${node.name}-weights`, [TAGS.stack]: args.plan.stack },
          existing: adopted.get(node.name),
        },
        { parent: this },
      );
      caches.push(cache);
      const gpuNode = new GpuNode(
        `${name}-${node.name}`,
        {
          node,
          services: args.plan.services,
          image: args.config.image,
          project: args.plan.project,
          stack: args.plan.stack,
          settings: awsSettings.nodes,
          subnetId: network.privateSubnetId,
          availabilityZone: network.availabilityZone,
          securityGroupIds: [network.nodeSecurityGroupId],
          instanceProfileName: nodeRole.instanceProfileName,
          cacheVolumeId: cache.volumeId,
          region,
          tokenParameters: nodeRole.tokenParameters,
          proxy,
          extraUnits: routers.filesFor(node.name).apply((f) => f.units),
          extraFiles: routers.filesFor(node.name).apply((f) => f.files),
          // prod: a new DLAMI release never replaces a node by surprise (pin aws.nodes.amiId to move on).
          keepFirstAmi: args.plan.environment === "prod",
          // The only node of its pool is deleted before its replacement exists: two at once would need twice the quota and capacity.
          deleteBeforeReplace: args.plan.nodes.filter((n) => n.pool === node.pool).length === 1,
          capacityReservation: args.config.nodePools.find((p) => p.name === node.pool)?.capacityReservation,
        },
        { parent: this },
      );
      artifacts.push(gpuNode.artifacts);
      return gpuNode;
    });

    // --- front door (issue 4: load balancer, router, API keys) ---
    const byNode = <T>(pick: (n: GpuNode) => T) => Object.fromEntries(this.gpuNodes.map((n, i) => [args.plan.nodes[i].name, pick(n)]));
    routers.setAddresses(byNode((n) => n.privateIp));
    const frontDoor = (this.frontDoor = new FrontDoor(
      `${name}-frontdoor`,
      {
        plan: args.plan,
        layout: frontDoorPlan,
        settings: awsSettings.frontDoor,
        vpcId: network.vpcId,
        subnetIds: network.publicSubnetIds,
        securityGroupId: network.loadBalancerSecurityGroupId,
        instanceIds: byNode((n) => n.instanceId),
      },
      { parent: this },
    ));
    artifacts.push(frontDoor.endpoints.apply((e) => exampleArtifacts(args.plan, e)));

    // --- monitoring (issue 5: monitoring instance) ---
    if (args.config.monitoring.enabled) {
      const monitoring = (this.monitoring = new MonitoringNode(
        `${name}-monitoring`,
        {
          plan: args.plan,
          monitoring: args.config.monitoring,
          settings: awsSettings.monitoring,
          nodeExporterImage: awsSettings.nodes.nodeExporterImage,
          grafanaAdminPassword: args.secrets.grafanaAdminPassword!,
          alertingSecrets: args.secrets.alertingSecrets,
          vpcId: network.vpcId,
          subnetId: network.privateSubnetId,
          availabilityZone: network.availabilityZone,
          securityGroupId: network.monitoringSecurityGroupId,
          loadBalancer: {
            arn: frontDoor.loadBalancerArn,
            dnsName: frontDoor.dnsName,
            securityGroupId: network.loadBalancerSecurityGroupId,
            certificateArn: awsSettings.frontDoor.certificateArn,
            domain: awsSettings.frontDoor.domain,
          },
          keepFirstAmi: args.plan.environment === "prod",
        },
        { parent: this },
      ));
      artifacts.push(monitoring.artifacts);
      this.grafana = monitoring.grafana;
    }

    // --- alarms AWS raises when Prometheus cannot (issue 12) ---
    if (awsSettings.alarms.enabled) {
      new AwsAlarms(
        `${name}-alarms`,
        {
          project: args.plan.project,
          stack: args.plan.stack,
          settings: awsSettings.alarms,
          loadBalancerArnSuffix: frontDoor.loadBalancerArnSuffix,
          targetGroupArnSuffixes: frontDoor.targetGroupArnSuffixes,
          services: args.plan.services.map((s) => s.name),
          instances: { ...Object.fromEntries(this.gpuNodes.map((n, i) => [args.plan.nodes[i].name, n.instanceId])), ...(this.monitoring ? { monitoring: this.monitoring.instanceId } : {}) },
        },
        { parent: this },
      );
    }

    this.endpoints = frontDoor.endpoints;
    this.artifacts = pulumi.all(artifacts).apply((lists) => lists.flat());
    this.registerOutputs({ endpoints: this.endpoints, grafana: this.grafana });
  }
}
