import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsAlarmSettings } from "../config/aws";
import { awsNames } from "./naming";

/**
 * The alarms AWS raises when Prometheus cannot: a service with no healthy target behind the load
 * balancer (which is also what happens when the monitoring instance itself is gone), and an instance
 * failing its EC2 status checks. CloudWatch evaluates both outside the stack's own machines.
 * Metric names, dimensions and statistics: AWS/ApplicationELB HealthyHostCount by TargetGroup and
 * LoadBalancer (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html),
 * AWS/EC2 StatusCheckFailed by InstanceId (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html).
 */

/** Judged every minute: a target group with no healthy host for 3 of 5 minutes, a failed status check for 2. */
export const ALARM_TIMING = { periodSeconds: 60, healthyHosts: { evaluationPeriods: 5, datapointsToAlarm: 3 }, statusCheck: { evaluationPeriods: 2 } } as const;

export interface AwsAlarmsArgs {
  readonly stack: string;
  /** Config `aws.alarms`: an existing topic, or emails for the one created. */
  readonly settings: AwsAlarmSettings;
  /** `app/<name>/<id>` of the load balancer (FrontDoor.loadBalancerArnSuffix). */
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  /** `targetgroup/<name>/<id>` per service (FrontDoor.targetGroupArnSuffixes). */
  readonly targetGroupArnSuffixes: pulumi.Input<Record<string, string>>;
  /** The services, in order (one healthy-host alarm each). */
  readonly services: readonly string[];
  /** Instance id per node name, GPU nodes and the monitoring instance. */
  readonly instances: Readonly<Record<string, pulumi.Input<string>>>;
  /** Pulumi project, part of the names. @default "qwen-serving" */
  readonly project?: string;
  /** Tags on every resource. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** CloudWatch alarms to an SNS topic: the configured one, or one this component creates with email subscriptions. */
export class AwsAlarms extends pulumi.ComponentResource {
  /** The topic the alarms notify. */
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AwsAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:aws:AwsAlarms", name, {}, opts);
    const child = { parent: this };
    const names = awsNames(args.stack, args.project);
    const tags = { ...args.tags };

    let topicArn: pulumi.Output<string>;
    if (args.settings.topicArn) topicArn = pulumi.output(args.settings.topicArn);
    else {
      const topic = new aws.sns.Topic(`${name}-topic`, { name: names.alarmTopic, tags }, child);
      args.settings.emails.forEach((email, i) => new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: topic.arn, protocol: "email", endpoint: email }, child));
      topicArn = topic.arn;
    }
    const actions = { alarmActions: [topicArn], okActions: [topicArn] };
    const suffixes = pulumi.output(args.targetGroupArnSuffixes);

    for (const service of args.services) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${service}-healthy`,
        {
          name: names.alarm(`${service}-no-healthy-target`),
          alarmDescription: `${args.stack}: no healthy ${service} target behind the load balancer (SGLang or its router down, or still loading)`,
          namespace: "AWS/ApplicationELB",
          metricName: "HealthyHostCount",
          dimensions: { TargetGroup: suffixes.apply((s) => s[service]), LoadBalancer: args.loadBalancerArnSuffix },
          statistic: "Minimum",
          period: ALARM_TIMING.periodSeconds,
          evaluationPeriods: ALARM_TIMING.healthyHosts.evaluationPeriods,
          datapointsToAlarm: ALARM_TIMING.healthyHosts.datapointsToAlarm,
          comparisonOperator: "LessThanThreshold",
          threshold: 1,
          // No datapoint means no target reports at all: alarm, do not wait.
          treatMissingData: "breaching",
          ...actions,
          tags,
        },
        child,
      );
    }
    for (const [node, instanceId] of Object.entries(args.instances)) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${node}-status`,
        {
          name: names.alarm(`${node}-status-check-failed`),
          alarmDescription: `${args.stack}: instance ${node} fails its EC2 status checks (instance or underlying host)`,
          namespace: "AWS/EC2",
          metricName: "StatusCheckFailed",
          dimensions: { InstanceId: instanceId },
          statistic: "Maximum",
          period: ALARM_TIMING.periodSeconds,
          evaluationPeriods: ALARM_TIMING.statusCheck.evaluationPeriods,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: 1,
          treatMissingData: "missing",
          ...actions,
          tags,
        },
        child,
      );
    }
    this.topicArn = topicArn;
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
