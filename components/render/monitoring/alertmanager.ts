/**
 * alertmanager.yml, rendered (pure). Secrets never appear in it: every secret a receiver needs is a
 * file Alertmanager reads (`api_url_file`, `routing_key_file`, `auth_password_file`, a webhook's
 * `credentials_file`), and the platform puts the file there (aws: SSM SecureString to tmpfs at boot;
 * docker: a secret file in the container; kubernetes: a mounted Secret). SNS signs with the
 * instance role (no keys). Fields are those of Alertmanager 0.25 (Debian 12's amtool checks them)
 * and later.
 */
import { RESERVED_RECEIVER } from "../../config/alerting";
import { Problems, QwenServingError } from "../../problems";
import { toYaml } from "../yaml";

export type AlertReceiverInput =
  | { readonly name: string; readonly type: "webhook"; readonly url: string; /** @default - no Authorization header */ readonly bearerTokenFile?: string }
  | { readonly name: string; readonly type: "slack"; readonly apiUrlFile: string; /** @default - the webhook's channel */ readonly channel?: string }
  | { readonly name: string; readonly type: "pagerduty"; readonly routingKeyFile: string }
  | {
      readonly name: string;
      readonly type: "email";
      readonly to: readonly string[];
      readonly from: string;
      readonly smarthost: string;
      /** @default - no SMTP authentication */
      readonly username?: string;
      /** Required with `username`. @default - none */
      readonly passwordFile?: string;
      readonly requireTls: boolean;
    }
  | { readonly name: string; readonly type: "sns"; readonly topicArn: string };

/** Alertmanager's receivers and routing. Durations are Alertmanager durations. */
export interface AlertingInput {
  readonly receivers: readonly AlertReceiverInput[];
  /** @default - the first receiver that is not the watchdogReceiver; none: alerts stay in Alertmanager */
  readonly defaultReceiver?: string;
  /** @default defaultReceiver */
  readonly criticalReceiver?: string;
  /** Where the always-firing Watchdog goes (a dead man's switch). @default - dropped */
  readonly watchdogReceiver?: string;
  /** @default "5m" */
  readonly watchdogRepeatInterval?: string;
  /** @default "30s" */
  readonly groupWait?: string;
  /** @default "5m" */
  readonly groupInterval?: string;
  /** @default "4h" */
  readonly repeatInterval?: string;
}

/** Where the rendered file lives, relative to the artifact root. */
export const ALERTMANAGER_CONFIG_PATH = "monitoring/alertmanager/alertmanager.yml";
/** The receiver that drops what reaches it (a receiver without integrations). */
export const DROP_RECEIVER = RESERVED_RECEIVER;

const regionOfArn = (arn: string): string => arn.split(":")[3];

function receiverDocument(r: AlertReceiverInput): Record<string, unknown> {
  switch (r.type) {
    case "webhook":
      return {
        name: r.name,
        webhook_configs: [{ url: r.url, send_resolved: true, ...(r.bearerTokenFile ? { http_config: { authorization: { type: "Bearer", credentials_file: r.bearerTokenFile } } } : {}) }],
      };
    case "slack":
      return { name: r.name, slack_configs: [{ api_url_file: r.apiUrlFile, ...(r.channel ? { channel: r.channel } : {}), send_resolved: true }] };
    case "pagerduty":
      return { name: r.name, pagerduty_configs: [{ routing_key_file: r.routingKeyFile, send_resolved: true }] };
    case "email":
      return {
        name: r.name,
        email_configs: [
          {
            to: r.to.join(", "),
            from: r.from,
            smarthost: r.smarthost,
            require_tls: r.requireTls,
            send_resolved: true,
            ...(r.username !== undefined ? { auth_username: r.username, auth_password_file: r.passwordFile } : {}),
          },
        ],
      };
    case "sns":
      // No access keys: the AWS SDK's default chain finds the instance role.
      return { name: r.name, sns_configs: [{ topic_arn: r.topicArn, sigv4: { region: regionOfArn(r.topicArn) }, send_resolved: true }] };
  }
}

/** Every problem of an alerting input (names, references, secret files). */
export function alertingInputProblems(a: AlertingInput): Problems {
  const problems = new Problems();
  const names = a.receivers.map((r) => r.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) problems.add({ path: ["monitoring", "alerting", "receivers", i, "name"], value: n, rule: "is the name of an earlier receiver too" });
    if (n === DROP_RECEIVER) problems.add({ path: ["monitoring", "alerting", "receivers", i, "name"], value: n, rule: `'${DROP_RECEIVER}' is the receiver that drops alerts; choose another name` });
  });
  for (const key of ["defaultReceiver", "criticalReceiver", "watchdogReceiver"] as const) {
    const v = a[key];
    if (v !== undefined && !names.includes(v)) problems.add({ path: ["monitoring", "alerting", key], value: v, rule: "names no receiver", advice: `receivers: ${names.join(", ") || "(none)"}` });
  }
  a.receivers.forEach((r, i) => {
    const files =
      r.type === "slack"
        ? [r.apiUrlFile]
        : r.type === "pagerduty"
          ? [r.routingKeyFile]
          : r.type === "webhook" && r.bearerTokenFile
            ? [r.bearerTokenFile]
            : r.type === "email" && r.username !== undefined
              ? [r.passwordFile]
              : [];
    for (const f of files) if (!f || !f.startsWith("/")) problems.add({ path: ["monitoring", "alerting", "receivers", i], value: f, rule: "the secret file path must be absolute" });
  });
  return problems;
}

/** The alertmanager.yml document (before YAML). Throws one QwenServingError listing every problem. */
export function alertmanagerConfigDocument(a: AlertingInput): Record<string, unknown> {
  const problems = alertingInputProblems(a);
  if (problems.all.length) throw new QwenServingError("platform", problems.all);
  const fallback = a.receivers.find((r) => r.name !== a.watchdogReceiver)?.name;
  const main = a.defaultReceiver ?? fallback ?? DROP_RECEIVER;
  const critical = a.criticalReceiver ?? main;
  return {
    route: {
      receiver: main,
      // `stack` is Prometheus' external label: alerts of two stacks never share a notification.
      group_by: ["alertname", "stack", "service"],
      group_wait: a.groupWait ?? "30s",
      group_interval: a.groupInterval ?? "5m",
      repeat_interval: a.repeatInterval ?? "4h",
      routes: [
        // The dead man's switch gets the Watchdog alone, often, and nobody else gets it.
        { receiver: a.watchdogReceiver ?? DROP_RECEIVER, matchers: ['alertname="Watchdog"'], group_wait: "0s", repeat_interval: a.watchdogRepeatInterval ?? "5m" },
        ...(critical !== main ? [{ receiver: critical, matchers: ['severity="critical"'] }] : []),
      ],
    },
    receivers: [{ name: DROP_RECEIVER }, ...a.receivers.map(receiverDocument)],
  };
}

/** Renders `monitoring/alertmanager/alertmanager.yml`. */
export function renderAlertmanagerConfig(a: AlertingInput): string {
  return toYaml(alertmanagerConfigDocument(a));
}

/**
 * Alertmanager's flags. Gossip with peers is off (`--cluster.listen-address=` empty): one
 * Alertmanager per stack, and no port 9094 opened on any interface.
 */
export function alertmanagerArgs(p: { readonly configFile: string; readonly storagePath: string; readonly listenAddress: string }): string[] {
  return [`--config.file=${p.configFile}`, `--storage.path=${p.storagePath}`, `--web.listen-address=${p.listenAddress}`, "--cluster.listen-address="];
}
