/** A monitoring.alerting block with one receiver of every type, and its renderer input. */
import { AlertingConfig, AlertingSchema } from "../../../components/config/alerting";
import { alertingFromConfig } from "../../../components/render/monitoring";

/** One receiver of every type. */
export const EVERY_RECEIVER: AlertingConfig = AlertingSchema.parse({
  receivers: [
    { name: "hook", type: "webhook", url: "https://hooks.example.com/alerts" },
    { name: "chat", type: "slack", channel: "#qwen-alerts" },
    { name: "pager", type: "pagerduty" },
    { name: "mail", type: "email", to: ["oncall@example.com", "ml@example.com"], from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts" },
    { name: "topic", type: "sns", topicArn: "arn:aws:sns:eu-west-1:123456789012:qwen-alerts" },
    { name: "deadman", type: "webhook", url: "https://hc-ping.com/0000" },
  ],
  criticalReceiver: "pager",
  watchdogReceiver: "deadman",
});
export const SECRET_DIR = "/run/secrets/alerting";
export const everyReceiverInput = () => alertingFromConfig(EVERY_RECEIVER, { secretFile: (n) => `${SECRET_DIR}/${n}`, secrets: ["hook", "chat", "pager", "mail"] });
