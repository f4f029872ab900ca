// The aws Alertmanager under strict mocks: the prod stack with a PagerDuty receiver (its key a Pulumi
// secret), an existing SNS topic, a topic the stack creates and a dead man's switch webhook.
import { gunzipSync } from "zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { NODE_PATHS, PORTS } from "../../../components/contract";
import { Artifact } from "../../../components/render/artifact";
import { ALERTMANAGER_CONFIG_PATH, PROMETHEUS_CONFIG_PATH } from "../../../components/render/monitoring";
import { RecordedResource, isSecretValue, redactSecrets } from "../../../infra/mocks";
import { readStackFile } from "../../../infra/stack-file";
import { DIR, runStack } from "../stack-graph";

const MON = "qwen-prod-aws-monitoring";
const EXISTING = "arn:aws:sns:us-west-2:123456789012:team-pager";
let recorded: RecordedResource[];
let artifacts: Artifact[];

beforeAll(async () => {
  const file = readStackFile(DIR, "prod");
  const monitoring = JSON.parse(file.config["qwen-serving:monitoring"]);
  monitoring.alerting = {
    receivers: [
      { name: "pager", type: "pagerduty" },
      { name: "team", type: "sns", topicArn: EXISTING },
      { name: "oncall", type: "sns" },
      { name: "deadman", type: "webhook", url: "https://hc-ping.com/00000000" },
      { name: "mail", type: "email", to: ["ml@example.com"], from: "am@example.com", smarthost: "smtp.example.com:587" },
    ],
    defaultReceiver: "oncall",
    criticalReceiver: "pager",
    watchdogReceiver: "deadman",
  };
  const config = { ...file.config, "qwen-serving:monitoring": JSON.stringify(monitoring), "qwen-serving:alertingSecrets": JSON.stringify({ pager: "pd-routing-key" }) };
  const run = await runStack("prod", { file: { ...file, config, secretKeys: [...file.secretKeys, "qwen-serving:alertingSecrets"] } });
  recorded = run.recorded;
  artifacts = run.artifacts;
});

const one = (type: string, name: string) => {
  const found = recorded.filter((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0];
};
const artifact = (p: string) => artifacts.find((a) => a.path === p)!.content;

describe("Alertmanager on the aws monitoring instance", () => {
  it("a receiver's secret is an SSM SecureString holding the Pulumi secret; a topic is created only for the SNS receiver without one", () => {
    const param = one("aws:ssm/parameter:Parameter", `${MON}-alerting-pager`);
    expect([param.inputs.name, param.inputs.type, isSecretValue(param.inputs.value)]).toEqual(["/qwen-serving/prod/alerting/pager", "SecureString", true]);
    expect(recorded.filter((r) => r.type === "aws:sns/topic:Topic" && r.parent === MON).map((r) => r.name)).toEqual([`${MON}-alerts-oncall`]);
  });

  it("the secret's value reaches only that parameter, secret-wrapped: no other input and no artifact holds it", () => {
    const param = one("aws:ssm/parameter:Parameter", `${MON}-alerting-pager`);
    expect(JSON.stringify(param.inputs.value)).toContain("pd-routing-key");
    expect(JSON.stringify(recorded.map((r) => redactSecrets(r.inputs)))).not.toContain("pd-routing-key");
    expect(artifacts.filter((a) => a.content.includes("pd-routing-key")).map((a) => a.path)).toEqual([]);
  });

  it("the role reads that parameter and publishes to those two topics, nothing more", () => {
    const policy = JSON.parse(one("aws:iam/rolePolicy:RolePolicy", `${MON}-policy`).inputs.policy as string);
    const statement = (sid: string) => policy.Statement.find((s: { Sid: string }) => s.Sid === sid);
    expect(statement("AlertmanagerSecrets")).toEqual({
      Sid: "AlertmanagerSecrets",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: [one("aws:ssm/parameter:Parameter", `${MON}-alerting-pager`).outputs.arn],
    });
    expect(statement("AlertmanagerSns")).toEqual({
      Sid: "AlertmanagerSns",
      Effect: "Allow",
      Action: ["sns:Publish"],
      Resource: [EXISTING, one("aws:sns/topic:Topic", `${MON}-alerts-oncall`).outputs.arn],
    });
  });

  it("alertmanager.yml: secret files on tmpfs, SNS in each topic's region, routes from config; no secret in the user data", () => {
    const am = parse(artifact(ALERTMANAGER_CONFIG_PATH));
    const byName = Object.fromEntries(am.receivers.map((r: { name: string }) => [r.name, r]));
    expect(byName.pager.pagerduty_configs[0].routing_key_file).toBe("/run/secrets/alertmanager/pager");
    expect(byName.team.sns_configs[0]).toMatchObject({ topic_arn: EXISTING, sigv4: { region: "us-west-2" } });
    expect(byName.oncall.sns_configs[0].sigv4).toEqual({ region: "us-east-1" });
    expect(am.route.receiver).toBe("oncall");
    expect(am.route.routes.map((r: { receiver: string }) => r.receiver)).toEqual(["deadman", "pager"]);
    const userData = gunzipSync(Buffer.from(one("aws:ec2/instance:Instance", `${MON}-instance`).inputs.userDataBase64 as string, "base64")).toString("utf8");
    expect(userData).not.toContain("[secret]");
    expect(userData).not.toContain("pd-routing-key");
    expect(userData).toContain("routing_key_file: /run/secrets/alertmanager/pager");
  });

  it("the security group lets Alertmanager out to the SMTP port (80/443 are open already)", () => {
    const rules = recorded.filter((r) => r.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule" && r.parent === MON);
    expect(rules.map((r) => [r.name, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4])).toEqual([[`${MON}-mon-out-587-alerting`, 587, 587, "0.0.0.0/0"]]);
  });

  it("the unit: loopback only, no gossip, the secrets fetched before each start and mounted read-only", () => {
    const unit = artifact("monitoring-node/units/alertmanager.service");
    expect(unit).toContain(`ExecStartPre=${NODE_PATHS.bin}/alertmanager-secrets.sh\n`);
    expect(unit).toMatch(/--volume \/run\/qwen-serving\/secrets\/alertmanager:\/run\/secrets\/alertmanager:ro /);
    expect(unit).toContain(`--web.listen-address=127.0.0.1:${PORTS.alertmanager} `);
    expect(unit).toMatch(/ --cluster.listen-address=$/m);
    const script = artifact("monitoring-node/bin/alertmanager-secrets.sh");
    expect(script).toContain("PARAMETERS=('/qwen-serving/prod/alerting/pager')");
    expect(script).toContain("FILES=('pager')");
    expect(parse(artifact(PROMETHEUS_CONFIG_PATH)).alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${PORTS.alertmanager}`] }] }] });
  });
});
