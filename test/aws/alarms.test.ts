// CloudWatch alarms AWS raises when Prometheus cannot: each target group's healthy hosts and each
// instance's status checks, to the configured SNS topic or one the stack creates.
import { beforeAll, describe, expect, test } from "vitest";
import { ALARM_TIMING } from "../../components/aws/alarms";
import { AwsAlarmSettingsSchema } from "../../components/config/aws";
import { RecordedResource } from "../../infra/mocks";
import { runStack, StackRun } from "./stack-graph";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUB = "aws:sns/topicSubscription:TopicSubscription";
const EXISTING = "arn:aws:sns:us-east-1:123456789012:oncall";
const withAlarms = (alarms: Record<string, unknown>) => (c: Record<string, string>) => ({ ...c, "qwen-serving:aws": JSON.stringify({ ...JSON.parse(c["qwen-serving:aws"]), alarms }) });
const runs: Record<string, StackRun> = {};

beforeAll(async () => {
  runs.prod = await runStack("prod", { edit: withAlarms({ emails: ["oncall@example.com", "llm-team@example.com"] }) });
  runs.existing = await runStack("prod", { edit: withAlarms({ topicArn: EXISTING }) });
  runs.off = await runStack("prod", { edit: withAlarms({ enabled: false }) });
}, 60_000);

const of = (run: StackRun, type: string) => run.recorded.filter((r) => r.type === type);
/** The alarms' topics: Alertmanager's SNS receivers have their own (the monitoring node's). */
const alarmTopics = (run: StackRun) => of(run, TOPIC).filter((t) => !t.name.startsWith("qwen-prod-aws-monitoring-"));
const byName = (run: StackRun, suffix: string) => of(run, ALARM).find((r) => r.name.endsWith(suffix))!;
const out = (rs: RecordedResource[], suffix: string) => rs.find((r) => r.name.endsWith(suffix))!.outputs;

describe("CloudWatch alarms", () => {
  test("one healthy-host alarm per service, on its target group behind the stack's load balancer", () => {
    const tgs = of(runs.prod, "aws:lb/targetGroup:TargetGroup");
    const lb = of(runs.prod, "aws:lb/loadBalancer:LoadBalancer")[0];
    for (const service of ["qwen3-32b", "qwen25-vl-32b"]) {
      const a = byName(runs.prod, `-alarms-${service}-healthy`).inputs;
      expect(a).toMatchObject({
        namespace: "AWS/ApplicationELB",
        metricName: "HealthyHostCount",
        statistic: "Minimum",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        period: ALARM_TIMING.periodSeconds,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: "breaching",
      });
      expect(a.dimensions).toEqual({ TargetGroup: out(tgs, `-frontdoor-${service}`).arnSuffix, LoadBalancer: lb.outputs.arnSuffix });
      expect(a.name).toBe(`qwen-serving-prod-${service}-no-healthy-target`);
    }
  });

  test("one status-check alarm per instance (the GPU node and the monitoring instance)", () => {
    const instances = of(runs.prod, "aws:ec2/instance:Instance");
    for (const [node, suffix] of [
      ["gpu-0", "-gpu-0-instance"],
      ["monitoring", "-monitoring-instance"],
    ]) {
      const a = byName(runs.prod, `-alarms-${node}-status`).inputs;
      expect(a).toMatchObject({ namespace: "AWS/EC2", metricName: "StatusCheckFailed", statistic: "Maximum", comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1 });
      expect(a.dimensions).toEqual({ InstanceId: instances.find((r) => r.name.endsWith(suffix))!.id });
    }
    expect(of(runs.prod, ALARM)).toHaveLength(4);
  });

  test("the stack's topic gets the configured email subscriptions, and every alarm notifies it (alarm and recovery)", () => {
    const [topic] = alarmTopics(runs.prod);
    expect(topic.inputs.name).toBe("qwen-serving-prod-alarms");
    expect(of(runs.prod, SUB).map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.topic])).toEqual([
      ["email", "oncall@example.com", topic.outputs.arn],
      ["email", "llm-team@example.com", topic.outputs.arn],
    ]);
    for (const a of of(runs.prod, ALARM)) expect([a.inputs.alarmActions, a.inputs.okActions], a.name).toEqual([[topic.outputs.arn], [topic.outputs.arn]]);
  });

  test("with topicArn the alarms notify that topic and the stack creates none; enabled false creates nothing", () => {
    expect(alarmTopics(runs.existing)).toEqual([]);
    for (const a of of(runs.existing, ALARM)) expect(a.inputs.alarmActions).toEqual([EXISTING]);
    expect([...of(runs.off, ALARM), ...alarmTopics(runs.off)]).toEqual([]);
    expect(AwsAlarmSettingsSchema.safeParse({ topicArn: EXISTING, emails: ["a@example.com"] }).success).toBe(false);
    expect(AwsAlarmSettingsSchema.safeParse({ emails: ["not-an-email"] }).success).toBe(false);
  });
});
