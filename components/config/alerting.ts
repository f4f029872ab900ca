import { z } from "zod";
import { Problem, keyPath } from "../problems";

/**
 * `monitoring.alerting`: where alerts go. Every platform runs an Alertmanager (aws: on the monitoring
 * instance; docker: a container beside Prometheus; kubernetes: kube-prometheus-stack's) with these
 * receivers. What a receiver needs that is secret (a Slack webhook URL, a PagerDuty routing key, an
 * SMTP password, a webhook's bearer token) is NOT here: it is the Pulumi secret
 * `alertingSecrets.<receiver name>` and reaches Alertmanager as a file (its `*_file` fields), never
 * inside the rendered alertmanager.yml.
 */

const RECEIVER_NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;
const name = z.string().regex(RECEIVER_NAME, "receiver names are 2-40 lowercase letters, digits and '-', starting with a letter");
const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, "must be an http(s) URL");
const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an email address");
const promDuration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, "must be a duration such as 30s, 5m, 4h");

/** A generic webhook (Alertmanager's JSON payload). Its secret, if any, is sent as `Authorization: Bearer <secret>`. */
export const WebhookReceiverSchema = z
  .object({
    name,
    type: z.literal("webhook"),
    /** Where Alertmanager POSTs. Not secret: put a token in `alertingSecrets.<name>` instead of the URL. */
    url: httpUrl,
  })
  .strict();

/** Slack incoming webhook; the webhook URL is the secret `alertingSecrets.<name>` (required). */
export const SlackReceiverSchema = z
  .object({
    name,
    type: z.literal("slack"),
    /** Channel to post to, e.g. `#qwen-alerts`. @default - the webhook's own channel */
    channel: z.string().min(2).optional(),
  })
  .strict();

/** PagerDuty Events API v2; the integration (routing) key is the secret `alertingSecrets.<name>` (required). */
export const PagerDutyReceiverSchema = z.object({ name, type: z.literal("pagerduty") }).strict();

/** Email over SMTP; with `username`, the SMTP password is the secret `alertingSecrets.<name>` (required then). */
export const EmailReceiverSchema = z
  .object({
    name,
    type: z.literal("email"),
    to: z.array(email).min(1),
    from: email,
    /** SMTP server `host:port`. */
    smarthost: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port"),
    /** SMTP user. @default - no authentication */
    username: z.string().min(1).optional(),
    /** STARTTLS required. @default true */
    requireTls: z.boolean().default(true),
  })
  .strict();

/** Amazon SNS (platforms whose traits list it: aws). Publishes with the monitoring instance's role; no secret. */
export const SnsReceiverSchema = z
  .object({
    name,
    type: z.literal("sns"),
    /** An existing topic. @default - a topic the stack creates (`alertTopicArns` output; subscribe to it) */
    topicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/, "must be an SNS topic ARN")
      .optional(),
  })
  .strict();

export const AlertReceiverSchema = z.discriminatedUnion("type", [WebhookReceiverSchema, SlackReceiverSchema, PagerDutyReceiverSchema, EmailReceiverSchema, SnsReceiverSchema]);

export const AlertingSchema = z
  .object({
    /** Where alerts can go. A prod stack (environment `prod`) needs at least one besides the Watchdog's. @default [] */
    receivers: z.array(AlertReceiverSchema).default([]),
    /** Receiver of every alert not routed elsewhere. @default - the first receiver that is not the watchdogReceiver */
    defaultReceiver: name.optional(),
    /** Receiver of critical alerts (e.g. PagerDuty while warnings go to Slack). @default - defaultReceiver */
    criticalReceiver: name.optional(),
    /**
     * Dead man's switch: the always-firing Watchdog goes here every `watchdogRepeatInterval` (e.g. a
     * webhook to Healthchecks.io) and nowhere else. @default - the Watchdog is dropped
     */
    watchdogReceiver: name.optional(),
    /** How often the Watchdog is re-sent. @default "5m" */
    watchdogRepeatInterval: promDuration.default("5m"),
    /** Wait before the first notification of a group. @default "30s" */
    groupWait: promDuration.default("30s"),
    /** Wait before notifying about new alerts of a group. @default "5m" */
    groupInterval: promDuration.default("5m"),
    /** Re-send a still-firing alert after this. @default "4h" */
    repeatInterval: promDuration.default("4h"),
    /** Base of every alert's runbook_url (`<base>/<Alert>.md`), e.g. your repository's docs/runbooks URL. @default "docs/runbooks" */
    runbookBaseUrl: z
      .string()
      .regex(/^(https?:\/\/\S+|[A-Za-z0-9._/-]+)$/, "must be an http(s) URL or a relative path")
      .optional(),
  })
  .strict();

export type AlertReceiverConfig = z.output<typeof AlertReceiverSchema>;
export type AlertReceiverType = AlertReceiverConfig["type"];
export type AlertingConfig = z.output<typeof AlertingSchema>;

/** Whether a receiver needs its secret, may have one, or must not. */
export function receiverSecret(r: AlertReceiverConfig): "required" | "optional" | "none" {
  switch (r.type) {
    case "slack":
    case "pagerduty":
      return "required";
    case "email":
      return r.username !== undefined ? "required" : "none";
    case "webhook":
      return "optional";
    case "sns":
      return "none";
  }
}

/** What a secret of each type is, for messages. */
export const SECRET_MEANING: Readonly<Record<AlertReceiverType, string>> = {
  webhook: "a bearer token sent as Authorization: Bearer",
  slack: "the Slack incoming-webhook URL",
  pagerduty: "the PagerDuty Events API v2 integration key",
  email: "the SMTP password",
  sns: "nothing (SNS uses the instance role)",
};

/** The receiver every Alertmanager we render has for what goes nowhere (the Watchdog without a dead man's switch). */
export const RESERVED_RECEIVER = "blackhole";

const at = (...path: (string | number)[]): string => keyPath(["monitoring", "alerting", ...path]);

/**
 * The alerting rules of one stack config that need no secret and no plan: unique names, receivers
 * that exist, and receiver types the platform can deliver to (its traits' `alertReceivers`).
 */
export function alertingConfigProblems(a: AlertingConfig, platform: string, supported: readonly AlertReceiverType[]): Problem[] {
  const problems: Problem[] = [];
  const names = a.receivers.map((r) => r.name);
  a.receivers.forEach((r, i) => {
    if (names.indexOf(r.name) !== i) problems.push({ path: at("receivers", i, "name"), value: r.name, rule: "is the name of an earlier receiver too" });
    if (r.name === RESERVED_RECEIVER) problems.push({ path: at("receivers", i, "name"), value: r.name, rule: `'${RESERVED_RECEIVER}' is the receiver that drops alerts; choose another name` });
    if (!supported.includes(r.type))
      problems.push({ path: at("receivers", i, "type"), value: r.type, rule: `platform '${platform}' cannot deliver to ${r.type}`, advice: `use one of: ${supported.join(", ")}` });
  });
  for (const key of ["defaultReceiver", "criticalReceiver", "watchdogReceiver"] as const) {
    const v = a[key];
    if (v !== undefined && !names.includes(v)) problems.push({ path: at(key), value: v, rule: "names no receiver", advice: `receivers: ${names.join(", ") || "(none)"}` });
  }
  return problems;
}

/**
 * Rules that need the secrets present and the environment: each receiver's secret where it needs one
 * (and none for a name that is no receiver), and a prod stack that delivers alerts to someone.
 */
export function alertingDeliveryProblems(a: AlertingConfig, environment: string, secretNames: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  a.receivers.forEach((r, i) => {
    const need = receiverSecret(r);
    const has = secretNames.includes(r.name);
    if (need === "required" && !has)
      problems.push({ path: at("receivers", i), value: r.name, rule: `needs ${SECRET_MEANING[r.type]} as a secret`, advice: `pulumi config set --secret --path 'alertingSecrets.${r.name}' ...` });
    if (need === "none" && has)
      problems.push({ path: keyPath(["alertingSecrets", r.name]), rule: `receiver '${r.name}' (${r.type}${r.type === "email" ? " without username" : ""}) takes no secret`, advice: "remove it" });
  });
  const names = a.receivers.map((r) => r.name);
  for (const s of secretNames)
    if (!names.includes(s)) problems.push({ path: keyPath(["alertingSecrets", s]), rule: `no receiver is named '${s}'`, advice: `receivers: ${names.join(", ") || "(none)"}` });
  const deliver = a.receivers.filter((r) => r.name !== a.watchdogReceiver);
  if (environment === "prod" && deliver.length === 0)
    problems.push({
      path: at("receivers"),
      value: names,
      rule: "a prod stack must deliver its alerts to someone: it has no receiver besides the Watchdog's",
      advice: "add a receiver (sns on aws; webhook, slack, pagerduty or email anywhere) with its secret in alertingSecrets, e.g. { name: oncall, type: pagerduty }",
    });
  return problems;
}
