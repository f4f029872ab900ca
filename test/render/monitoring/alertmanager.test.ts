/** alertmanager.yml as rendered from config, and the alerting config's own rules. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { AlertingSchema, alertingConfigProblems, alertingDeliveryProblems } from "../../../components/config/alerting";
import { PLATFORM_TRAITS } from "../../../components/platforms/traits";
import { formatProblem } from "../../../components/problems";
import { alertingFromConfig, alertmanagerArgs, alertmanagerConfigDocument, renderAlertmanagerConfig } from "../../../components/render/monitoring";
import { EVERY_RECEIVER, SECRET_DIR, everyReceiverInput } from "./receivers";
import { PORTS } from "../../../components/contract";

type Doc = Record<string, any>;

describe("alertmanager.yml", () => {
  const doc = () => parse(renderAlertmanagerConfig(everyReceiverInput())) as Doc;

  it("routes: the Watchdog only to the dead man's switch, critical alerts to their receiver, the rest to the default", () => {
    expect(doc().route).toEqual({
      receiver: "hook",
      group_by: ["alertname", "stack", "service"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        { receiver: "deadman", matchers: ['alertname="Watchdog"'], group_wait: "0s", repeat_interval: "5m" },
        { receiver: "pager", matchers: ['severity="critical"'] },
      ],
    });
    // Without a dead man's switch the Watchdog is dropped, not sent to people.
    const plain = alertmanagerConfigDocument(
      alertingFromConfig(AlertingSchema.parse({ receivers: [{ name: "pager", type: "pagerduty" }] }), { secretFile: (n) => `/s/${n}`, secrets: ["pager"] }),
    ) as Doc;
    expect(plain.route.receiver).toBe("pager");
    expect(plain.route.routes).toEqual([{ receiver: "blackhole", matchers: ['alertname="Watchdog"'], group_wait: "0s", repeat_interval: "5m" }]);
    expect(plain.receivers[0]).toEqual({ name: "blackhole" });
  });

  it("every secret is a file path; SNS signs with the instance role in the topic's region", () => {
    const byName = Object.fromEntries((doc().receivers as Doc[]).map((r) => [r.name, r]));
    expect(byName.hook.webhook_configs).toEqual([
      { url: "https://hooks.example.com/alerts", send_resolved: true, http_config: { authorization: { type: "Bearer", credentials_file: `${SECRET_DIR}/hook` } } },
    ]);
    expect(byName.chat.slack_configs).toEqual([{ api_url_file: `${SECRET_DIR}/chat`, channel: "#qwen-alerts", send_resolved: true }]);
    expect(byName.pager.pagerduty_configs).toEqual([{ routing_key_file: `${SECRET_DIR}/pager`, send_resolved: true }]);
    expect(byName.mail.email_configs).toEqual([
      {
        to: "oncall@example.com, ml@example.com",
        from: "alerts@example.com",
        smarthost: "smtp.example.com:587",
        require_tls: true,
        send_resolved: true,
        auth_username: "alerts",
        auth_password_file: `${SECRET_DIR}/mail`,
      },
    ]);
    expect(byName.topic.sns_configs).toEqual([{ topic_arn: "arn:aws:sns:eu-west-1:123456789012:qwen-alerts", sigv4: { region: "eu-west-1" }, send_resolved: true }]);
    expect(byName.deadman.webhook_configs[0].http_config).toBeUndefined();
    expect(renderAlertmanagerConfig(everyReceiverInput())).not.toMatch(/api_url:|routing_key:|auth_password:|credentials:|access_key|secret_key/);
  });

  it("flags: one Alertmanager, no gossip port", () => {
    expect(alertmanagerArgs({ configFile: "/etc/alertmanager/alertmanager.yml", storagePath: "/alertmanager", listenAddress: `127.0.0.1:${PORTS.alertmanager}` })).toEqual([
      "--config.file=/etc/alertmanager/alertmanager.yml",
      "--storage.path=/alertmanager",
      `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
      "--cluster.listen-address=",
    ]);
  });
});

describe("the alerting config's rules", () => {
  const lines = (ps: readonly Parameters<typeof formatProblem>[0][]) => ps.map(formatProblem);

  it("receiver names and references; receiver types the platform can deliver", () => {
    const bad = AlertingSchema.parse({
      receivers: [
        { name: "aa", type: "sns" },
        { name: "aa", type: "webhook", url: "http://x.example/" },
        { name: "blackhole", type: "pagerduty" },
      ],
      defaultReceiver: "nobody",
    });
    expect(lines(alertingConfigProblems(bad, "docker", PLATFORM_TRAITS.docker.alertReceivers))).toEqual([
      "qwen-serving:monitoring.alerting.receivers[0].type: got \"sns\"; platform 'docker' cannot deliver to sns (use one of: webhook, slack, pagerduty, email)",
      'qwen-serving:monitoring.alerting.receivers[1].name: got "aa"; is the name of an earlier receiver too',
      "qwen-serving:monitoring.alerting.receivers[2].name: got \"blackhole\"; 'blackhole' is the receiver that drops alerts; choose another name",
      'qwen-serving:monitoring.alerting.defaultReceiver: got "nobody"; names no receiver (receivers: aa, aa, blackhole)',
    ]);
    expect(alertingConfigProblems(EVERY_RECEIVER, "aws", PLATFORM_TRAITS.aws.alertReceivers)).toEqual([]);
    expect(PLATFORM_TRAITS.kubernetes.alertReceivers).not.toContain("sns");
  });

  it("secrets where a receiver needs one, none where it takes none, and a prod stack delivers to someone", () => {
    expect(lines(alertingDeliveryProblems(EVERY_RECEIVER, "prod", ["hook", "pager", "topic", "ghost"]))).toEqual([
      "qwen-serving:monitoring.alerting.receivers[1]: got \"chat\"; needs the Slack incoming-webhook URL as a secret (pulumi config set --secret --path 'alertingSecrets.chat' ...)",
      "qwen-serving:monitoring.alerting.receivers[3]: got \"mail\"; needs the SMTP password as a secret (pulumi config set --secret --path 'alertingSecrets.mail' ...)",
      "qwen-serving:alertingSecrets.topic: receiver 'topic' (sns) takes no secret (remove it)",
      "qwen-serving:alertingSecrets.ghost: no receiver is named 'ghost' (receivers: hook, chat, pager, mail, topic, deadman)",
    ]);
    const onlyDeadman = AlertingSchema.parse({ receivers: [{ name: "deadman", type: "webhook", url: "https://hc-ping.com/1" }], watchdogReceiver: "deadman" });
    const prod = alertingDeliveryProblems(onlyDeadman, "prod", []);
    expect(prod.map((p) => p.path)).toEqual(["qwen-serving:monitoring.alerting.receivers"]);
    expect(prod[0].rule).toMatch(/a prod stack must deliver its alerts to someone/);
    expect(prod[0].advice).toMatch(/sns on aws; webhook, slack, pagerduty or email anywhere/);
    expect(alertingDeliveryProblems(onlyDeadman, "dev", [])).toEqual([]);
  });
});
