import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsFrontDoorSettings } from "../config/aws";
import { DeploymentPlan } from "../sglang/planner";
import { FrontDoorPlan, HEALTH_CHECK, endpointUrls, unroutedMessage } from "./front-door-plan";
import { QwenServingError } from "../problems";
import { certificateRegionProblems } from "./exposure";
import { awsNames } from "./naming";

/** TLS policy of HTTPS listeners: TLS 1.3 preferred, 1.2 allowed (AWS's recommended policy). */
export const SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface FrontDoorArgs {
  /** The deployment plan (service names and ports). */
  readonly plan: DeploymentPlan;
  /** The pure layout from planFrontDoor(plan, settings): listeners, targets, rules, timings. */
  readonly layout: FrontDoorPlan;
  /** Config `aws.frontDoor` (domain, certificate, hosted zone). */
  readonly settings: AwsFrontDoorSettings;
  readonly vpcId: pulumi.Input<string>;
  /** Public subnets in at least two AZs. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The load balancer's security group (AwsNetwork.loadBalancerSecurityGroupId). */
  readonly securityGroupId: pulumi.Input<string>;
  /**
   * EC2 instance id per planned node name; every node a target sits on must be present.
   * @default - no attachments (targets are registered by the caller)
   */
  readonly instanceIds?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Tags on every resource (a `Name` tag is added per resource). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** Pulumi project, part of the load balancer's name (unique per account and region). @default - the plan's project */
  readonly project?: string;
}

/**
 * The stack's one stable address: an internet-facing ALB with one listener per service port (HTTPS
 * when a certificate is configured, else HTTP), and with a certificate a 443 listener that routes
 * by `/<service>/...` (rewritten to `/...`) or by `X-Model: <service>`. Listeners forward only the
 * public API paths (PUBLIC_PATHS) and answer anything else with a 404. Each service's target
 * group points at its router (replicas > 1) or its single SGLang replica, health-checked on
 * `/health`. The idle timeout and the deregistration delay are sized for long generations.
 */
export class FrontDoor extends pulumi.ComponentResource {
  /** The application load balancer itself, for what the component does not do (a WAF association, alarms, access logs). */
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly loadBalancerArn: pulumi.Output<string>;
  /** `app/<name>/<id>`, the CloudWatch `LoadBalancer` dimension. */
  readonly loadBalancerArnSuffix: pulumi.Output<string>;
  readonly dnsName: pulumi.Output<string>;
  readonly zoneId: pulumi.Output<string>;
  /** Target group ARN per service. */
  readonly targetGroupArns: pulumi.Output<Record<string, string>>;
  /** `targetgroup/<name>/<id>` per service, the CloudWatch `TargetGroup` dimension. */
  readonly targetGroupArnSuffixes: pulumi.Output<Record<string, string>>;
  /** Base URL per service (append `/v1/chat/completions`). */
  readonly endpoints: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:aws:FrontDoor", name, {}, opts);
    const child = { parent: this };
    const tags = (suffix: string) => ({ ...args.tags, Name: `${name}-${suffix}` });
    const { layout, settings } = args;
    const names = awsNames(args.plan.stack, args.project ?? args.plan.project);

    const missing = args.instanceIds ? layout.targets.filter((t) => !(t.node in args.instanceIds!)).map((t) => `${t.service} on ${t.node}`) : [];
    if (missing.length) throw new Error(`FrontDoor '${name}': no instance id for the node of ${missing.join(", ")}`);

    const lb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        // Autonamed, `<logical name>-<7 hex>` passes ELB's 32 characters; a fixed name is replaced
        // delete-before-replace (a second load balancer of the same name cannot exist).
        name: names.loadBalancer,
        loadBalancerType: "application",
        internal: false,
        subnets: args.subnetIds,
        securityGroups: [args.securityGroupId],
        idleTimeout: layout.idleTimeoutSeconds,
        // HTTP/2 applies to HTTPS listeners; targets speak HTTP/1.1 (SGLang's uvicorn).
        enableHttp2: true,
        dropInvalidHeaderFields: true,
        tags: tags("alb"),
      },
      { ...child, deleteBeforeReplace: true },
    );

    const groups = new Map(
      layout.targets.map((t) => [
        t.service,
        new aws.lb.TargetGroup(
          `${name}-${t.service}`,
          {
            // A prefix, not a name: a replaced target group is created before the old one leaves its listener rules.
            namePrefix: names.targetGroupPrefix(t.service),
            vpcId: args.vpcId,
            targetType: "instance",
            port: t.port,
            protocol: "HTTP",
            protocolVersion: "HTTP1",
            deregistrationDelay: layout.deregistrationDelaySeconds,
            slowStart: 0,
            healthCheck: {
              enabled: true,
              protocol: "HTTP",
              port: "traffic-port",
              path: HEALTH_CHECK.path,
              matcher: HEALTH_CHECK.matcher,
              interval: HEALTH_CHECK.intervalSeconds,
              timeout: HEALTH_CHECK.timeoutSeconds,
              healthyThreshold: HEALTH_CHECK.healthyThreshold,
              unhealthyThreshold: HEALTH_CHECK.unhealthyThreshold,
            },
            tags: tags(t.service),
          },
          child,
        ),
      ]),
    );

    if (args.instanceIds) {
      for (const t of layout.targets) {
        new aws.lb.TargetGroupAttachment(`${name}-${t.service}-${t.node}`, { targetGroupArn: groups.get(t.service)!.arn, targetId: args.instanceIds[t.node], port: t.port }, child);
      }
    }

    // ACM certificates are regional: refuse one from another region before any listener is created.
    const certificateArn = settings.certificateArn
      ? aws.getRegionOutput({}, child).region.apply((region) => {
          const problems = certificateRegionProblems(settings.certificateArn!, region);
          if (problems.length) throw new QwenServingError("platform", problems);
          return settings.certificateArn!;
        })
      : undefined;
    const tls = (protocol: string) => (protocol === "HTTPS" ? { certificateArn, sslPolicy: SSL_POLICY } : {});
    for (const l of layout.listeners) {
      const listener = new aws.lb.Listener(
        `${name}-${l.key}`,
        {
          loadBalancerArn: lb.arn,
          port: l.port,
          protocol: l.protocol,
          ...tls(l.protocol),
          defaultActions: [{ type: "fixed-response", fixedResponse: { statusCode: "404", contentType: "application/json", messageBody: unroutedMessage(args.plan, l) } }],
          tags: tags(l.key),
        },
        child,
      );
      for (const r of layout.rules.filter((r) => r.listener === l.key)) {
        const conditions: aws.types.input.lb.ListenerRuleCondition[] = [{ pathPattern: { values: [...r.paths] } }];
        if (r.header) conditions.push({ httpHeader: { httpHeaderName: r.header.name, values: [r.header.value] } });
        new aws.lb.ListenerRule(
          `${name}-${r.key}`,
          {
            listenerArn: listener.arn,
            priority: r.priority,
            conditions,
            actions: [{ type: "forward", targetGroupArn: groups.get(r.service)!.arn }],
            transforms: r.rewrite ? [{ type: "url-rewrite", urlRewriteConfig: { rewrite: r.rewrite } }] : undefined,
            tags: tags(r.key),
          },
          child,
        );
      }
    }

    if (settings.hostedZoneId && settings.domain) {
      new aws.route53.Record(`${name}-dns`, { zoneId: settings.hostedZoneId, name: settings.domain, type: "A", aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }] }, child);
    }

    this.loadBalancer = lb;
    this.loadBalancerArn = lb.arn;
    this.loadBalancerArnSuffix = lb.arnSuffix;
    this.dnsName = lb.dnsName;
    this.zoneId = lb.zoneId;
    this.targetGroupArns = pulumi.all(Object.fromEntries([...groups].map(([s, g]) => [s, g.arn])));
    this.targetGroupArnSuffixes = pulumi.all(Object.fromEntries([...groups].map(([s, g]) => [s, g.arnSuffix])));
    this.endpoints = lb.dnsName.apply((dns) => endpointUrls(args.plan, settings, dns));
    this.registerOutputs({
      loadBalancerArn: this.loadBalancerArn,
      loadBalancerArnSuffix: this.loadBalancerArnSuffix,
      dnsName: this.dnsName,
      zoneId: this.zoneId,
      targetGroupArns: this.targetGroupArns,
      endpoints: this.endpoints,
    });
  }
}
