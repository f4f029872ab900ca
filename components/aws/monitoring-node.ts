import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsMonitoringSettings } from "../config/aws";
import { MonitoringConfig } from "../config/schema";
import { GrafanaAccess } from "../platform";
import { PORTS, TAGS } from "../contract";
import { Artifact } from "../render/artifact";
import { QwenServingError } from "../problems";
import { alertingEgressPorts, alertingParameterName, awsMonitoringInput, grafanaPasswordParameterName, monitoringPolicyDocument, ubuntuAmiParameter } from "../render/aws/monitoring-input";
import { monitoringNodeArtifacts, renderMonitoringNode } from "../render/aws/monitoring-node";
import { DeploymentPlan } from "../sglang/planner";
import { awsNames } from "./naming";
import { awsMonitoringProblems } from "./checks";

/** Root volume of the monitoring instance: Ubuntu plus three container images. */
const ROOT_VOLUME_GIB = 30;
/** Device name of the TSDB volume (udev names it by volume id on Nitro instances; see mount-cache.ts). */
const TSDB_DEVICE = "/dev/sdf";
/** Grafana answers 200 here without a session once its database is up. */
const GRAFANA_HEALTH_PATH = "/api/health";

/** The load balancer Grafana gets a listener on, when grafanaAllowedCidrs are configured. */
export interface MonitoringLoadBalancer {
  readonly arn: pulumi.Input<string>;
  readonly dnsName: pulumi.Input<string>;
  /** The load balancer's security group: gets the client ingress and the egress to Grafana. */
  readonly securityGroupId: pulumi.Input<string>;
  /** ACM certificate for an HTTPS listener. @default - HTTP */
  readonly certificateArn?: string;
  /** Host name the certificate covers; Grafana's URL uses it. @default - the load balancer's DNS name */
  readonly domain?: string;
}

export interface MonitoringNodeArgs {
  /** The deployment plan: services, replicas and routers to scrape. */
  readonly plan: DeploymentPlan;
  /** Config `monitoring`: retention days and alert thresholds. */
  readonly monitoring: MonitoringConfig;
  /** Config `aws.monitoring`: instance type, TSDB volume, Grafana access, images. */
  readonly settings: AwsMonitoringSettings;
  /** Pinned node_exporter image (config `aws.nodes.nodeExporterImage`), the same as on the GPU nodes. */
  readonly nodeExporterImage: string;
  /** Grafana's admin password, a Pulumi secret; stored as an SSM SecureString and read at boot. */
  readonly grafanaAdminPassword: pulumi.Input<string>;
  /** Alert receivers' secrets by receiver name (Pulumi secrets); each becomes an SSM SecureString Alertmanager reads at start. @default {} */
  readonly alertingSecrets?: Readonly<Record<string, pulumi.Input<string>>>;
  readonly vpcId: pulumi.Input<string>;
  /** The private subnet (no public IPs; egress through NAT). */
  readonly subnetId: pulumi.Input<string>;
  /** AZ of the subnet; the TSDB volume is created there. */
  readonly availabilityZone: pulumi.Input<string>;
  /** The monitoring security group (AwsNetwork.monitoringSecurityGroupId). */
  readonly securityGroupId: pulumi.Input<string>;
  /** Where Grafana's listener goes. Used only when `settings.grafanaAllowedCidrs` is not empty. */
  readonly loadBalancer: MonitoringLoadBalancer;
  /** Tags on every resource (a `Name` tag is added per resource). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** Keep the AMI the instance was created with when Canonical publishes a newer one (prod); `settings.amiId` pins another. @default false */
  readonly keepFirstAmi?: boolean;
}

/**
 * Prometheus, Alertmanager and Grafana on one instance in the private subnet (see
 * render/aws/monitoring-node.ts for what runs on it). The Prometheus TSDB, Alertmanager's state and
 * Grafana's database live on an encrypted gp3 volume that outlives the instance; the role may only
 * discover EC2 instances, open Session Manager channels, read Grafana's password and the alert
 * receivers' secret parameters, and publish to the receivers' SNS topics (a topic is created for an
 * SNS receiver that names none). Prometheus and Alertmanager bind loopback and no rule admits their ports. Grafana is reached through its own load-balancer listener admitting only
 * `grafanaAllowedCidrs`; with none, there is no listener and Grafana binds loopback too:
 *
 *   aws ssm start-session --target <instance id> --document-name AWS-StartPortForwardingSession \
 *     --parameters '{"portNumber":["3000"],"localPortNumber":["3000"]}'
 *
 * then open http://localhost:3000 (the same with 9090 reaches Prometheus).
 */
export class MonitoringNode extends pulumi.ComponentResource {
  readonly instanceId: pulumi.Output<string>;
  readonly tsdbVolumeId: pulumi.Output<string>;
  /** How a user opens Grafana: its URL, and the port-forwarding command to run first when there is no listener. */
  readonly grafana: pulumi.Output<GrafanaAccess>;
  /** ARN of the SNS topic created for each SNS receiver without `topicArn`: subscribe people to it. */
  readonly alertTopicArns: pulumi.Output<Record<string, string>>;
  /** `monitoring/...` (config, rules, rule tests, dashboards, provisioning) and `monitoring-node/...` (cloud-init, units, scripts). */
  readonly artifacts: pulumi.Output<Artifact[]>;

  constructor(name: string, args: MonitoringNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    const { plan, settings } = args;
    const tls = args.loadBalancer.certificateArn !== undefined;
    // Before super(): bad settings register nothing.
    const problems = awsMonitoringProblems(plan.services, settings, { tls, hasGrafanaPassword: true });
    if (problems.length) throw new QwenServingError("platform", problems);
    super("qwen-serving:aws:MonitoringNode", name, {}, opts);
    const child = { parent: this };
    const tags = (suffix: string) => ({ ...args.tags, [TAGS.stack]: plan.stack, Name: `${name}-${suffix}` });
    const cidrs = settings.grafanaAllowedCidrs;

    const region = aws.getRegionOutput({}, child).region;
    const password = new aws.ssm.Parameter(
      `${name}-grafana-password`,
      {
        name: grafanaPasswordParameterName(plan.project, plan.stack),
        type: "SecureString",
        value: pulumi.secret(args.grafanaAdminPassword),
        description: "Grafana admin password (read by the monitoring instance at boot)",
        tags: tags("grafana-password"),
      },
      child,
    );

    // Alertmanager: each receiver's secret as a SecureString, a topic for each SNS receiver that names none.
    const alerting = args.monitoring.alerting;
    const secretNames = alerting.receivers.map((r) => r.name).filter((n) => args.alertingSecrets?.[n] !== undefined);
    const secretParams = secretNames.map(
      (n) =>
        new aws.ssm.Parameter(
          `${name}-alerting-${n}`,
          {
            name: alertingParameterName(plan.project, plan.stack, n),
            type: "SecureString",
            value: pulumi.secret(args.alertingSecrets![n]),
            description: `Alertmanager receiver ${n}'s secret (read by the monitoring instance at start)`,
            tags: tags(`alerting-${n}`),
          },
          child,
        ),
    );
    const topics = Object.fromEntries(
      alerting.receivers.flatMap((r) =>
        r.type === "sns" && r.topicArn === undefined
          ? [[r.name, new aws.sns.Topic(`${name}-alerts-${r.name}`, { name: awsNames(plan.stack, plan.project).alertTopic(r.name), tags: tags(`alerts-${r.name}`) }, child).arn]]
          : [],
      ),
    ) as Record<string, pulumi.Output<string>>;
    const topicArns = pulumi.output(topics);
    // The security group lets the instance out on 80/443 only: an SMTP server or a webhook on another port needs its own rule.
    for (const port of alertingEgressPorts(args.monitoring))
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-mon-out-${port}-alerting`,
        {
          securityGroupId: args.securityGroupId,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: "0.0.0.0/0",
          description: `Alertmanager receivers on ${port}`,
          tags: tags(`mon-out-${port}-alerting`),
        },
        child,
      );
    const allTopics = topicArns.apply((created) => [...alerting.receivers.flatMap((r) => (r.type === "sns" && r.topicArn ? [r.topicArn] : [])), ...Object.values(created)]);

    const names = awsNames(plan.stack, plan.project);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        namePrefix: names.rolePrefix("monitoring"),
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
        tags: tags("role"),
      },
      child,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        name: names.rolePolicy("monitoring", "discovery"),
        role: role.id,
        policy: pulumi
          .all([region, password.arn, pulumi.all(secretParams.map((p) => p.arn)), allTopics])
          .apply(([r, arn, parameterArns, snsArns]) => JSON.stringify(monitoringPolicyDocument(r, arn, { parameterArns, topicArns: snsArns }))),
      },
      child,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { namePrefix: names.instanceProfilePrefix("monitoring"), role: role.name, tags: tags("profile") }, child);

    const volume = new aws.ebs.Volume(`${name}-tsdb`, { availabilityZone: args.availabilityZone, size: settings.tsdbVolumeGiB, type: "gp3", encrypted: true, tags: tags("tsdb") }, child);

    const rendered = pulumi.all([region, volume.id, topicArns]).apply(([r, volumeId, created]) =>
      renderMonitoringNode({
        monitoring: awsMonitoringInput(plan, args.monitoring, r, settings.tsdbVolumeGiB, { secrets: secretNames, topicArns: created }),
        alertingParameters: secretNames.map((n) => ({ receiver: n, parameter: alertingParameterName(plan.project, plan.stack, n) })),
        tsdbVolumeId: volumeId,
        grafanaPasswordParameter: grafanaPasswordParameterName(plan.project, plan.stack),
        grafanaOnNetwork: cidrs.length > 0,
        images: { prometheus: settings.prometheusImage, grafana: settings.grafanaImage, alertmanager: settings.alertmanagerImage, nodeExporter: args.nodeExporterImage },
      }),
    );

    const ami = settings.amiId ?? aws.ssm.getParameterOutput({ name: ubuntuAmiParameter(settings.instanceType) }, child).insecureValue;
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami,
        instanceType: settings.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [args.securityGroupId],
        associatePublicIpAddress: false,
        iamInstanceProfile: profile.name,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        // Root volume tags here, not volumeTags: those would also claim the separately managed TSDB volume
        // attached below (the provider warns of perpetual diffs; components/aws/limits.ts).
        rootBlockDevice: { volumeType: "gp3", volumeSize: ROOT_VOLUME_GIB, encrypted: true, deleteOnTermination: true, tags: tags("root") },
        userDataBase64: rendered.userDataBase64,
        // cloud-init runs once per instance: a new document needs a new instance (the data volume stays).
        userDataReplaceOnChange: true,
        tags: tags("instance"),
      },
      // The password and the receivers' secrets must be readable when the instance first boots.
      // ignoreChanges on ami in prod: a new Ubuntu image must not replace the instance by surprise.
      { ...child, dependsOn: [password, ...secretParams, policy], ignoreChanges: args.keepFirstAmi && !settings.amiId ? ["ami"] : [] },
    );
    new aws.ec2.VolumeAttachment(`${name}-tsdb`, { deviceName: TSDB_DEVICE, volumeId: volume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true }, { ...child, deleteBeforeReplace: true });

    if (cidrs.length) {
      const protocol = tls ? "HTTPS" : "HTTP";
      const lb = args.loadBalancer;
      const target = new aws.lb.TargetGroup(
        `${name}-grafana`,
        {
          namePrefix: names.targetGroupPrefix("grafana"),
          vpcId: args.vpcId,
          targetType: "instance",
          port: PORTS.grafana,
          protocol: "HTTP",
          healthCheck: { enabled: true, protocol: "HTTP", port: "traffic-port", path: GRAFANA_HEALTH_PATH, matcher: "200", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3 },
          tags: tags("grafana"),
        },
        child,
      );
      new aws.lb.TargetGroupAttachment(`${name}-grafana`, { targetGroupArn: target.arn, targetId: instance.id, port: PORTS.grafana }, child);
      new aws.lb.Listener(
        `${name}-grafana`,
        {
          loadBalancerArn: lb.arn,
          port: settings.grafanaPort,
          protocol,
          ...(tls ? { certificateArn: lb.certificateArn } : {}),
          defaultActions: [{ type: "forward", targetGroupArn: target.arn }],
          tags: tags("grafana-listener"),
        },
        child,
      );
      const port = (p: number) => ({ ipProtocol: "tcp", fromPort: p, toPort: p });
      for (const cidr of cidrs) {
        const key = `lb-in-${settings.grafanaPort}-${cidr.replace(/[./]/g, "-")}`;
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-${key}`,
          { securityGroupId: lb.securityGroupId, ...port(settings.grafanaPort), cidrIpv4: cidr, description: `Grafana clients on listener ${settings.grafanaPort}`, tags: tags(key) },
          child,
        );
      }
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-lb-out-${PORTS.grafana}-mon`,
        { securityGroupId: lb.securityGroupId, ...port(PORTS.grafana), referencedSecurityGroupId: args.securityGroupId, description: "Grafana to mon", tags: tags(`lb-out-${PORTS.grafana}-mon`) },
        child,
      );
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-mon-in-${PORTS.grafana}-lb`,
        { securityGroupId: args.securityGroupId, ...port(PORTS.grafana), referencedSecurityGroupId: lb.securityGroupId, description: "Grafana from lb", tags: tags(`mon-in-${PORTS.grafana}-lb`) },
        child,
      );
    }

    this.instanceId = instance.id;
    this.tsdbVolumeId = volume.id;
    this.grafana = cidrs.length
      ? pulumi.output(args.loadBalancer.dnsName).apply((dns) => ({ url: `${tls ? "https" : "http"}://${args.loadBalancer.domain ?? dns}:${settings.grafanaPort}` }))
      : pulumi.all([instance.id, region]).apply(([id, r]) => ({
          url: `http://localhost:${PORTS.grafana}`,
          portForwardCommand: `aws ssm start-session --region ${r} --target ${id} --document-name AWS-StartPortForwardingSession --parameters '{"portNumber":["${PORTS.grafana}"],"localPortNumber":["${PORTS.grafana}"]}'`,
        }));
    this.artifacts = rendered.apply((r) => [...r.monitoring, ...monitoringNodeArtifacts(r)]);
    this.alertTopicArns = topicArns;
    this.registerOutputs({ instanceId: this.instanceId, tsdbVolumeId: this.tsdbVolumeId, grafana: this.grafana, alertTopicArns: this.alertTopicArns });
  }
}
