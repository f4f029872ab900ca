import { AlertingConfig } from "../../config/alerting";
import { MonitoringConfig } from "../../config/schema";
import { DeploymentPlan, ServicePlan } from "../../sglang/planner";
import { AlertingInput, AlertReceiverInput } from "./alertmanager";
import { MonitoredService, MonitoringInput } from "./types";

/**
 * What every adapter's monitoring input takes from the plan and the `monitoring` config alike:
 * the stack, its platform, the alert thresholds and retention by time. Each adapter adds where
 * the targets are (`services`, exporters), how Grafana reaches Prometheus, and its Alertmanager.
 */
export function planMonitoring(plan: DeploymentPlan, monitoring: MonitoringConfig): Pick<MonitoringInput, "stack" | "platform" | "alerts"> & { readonly retention: { readonly time: string } } {
  const runbooks = monitoring.alerting.runbookBaseUrl;
  return {
    stack: plan.stack,
    platform: plan.platform,
    alerts: { kvUsageThreshold: monitoring.kvUsageThreshold, ttftP95Seconds: monitoring.ttftP95Seconds, ...(runbooks !== undefined ? { runbookBaseUrl: runbooks } : {}) },
    retention: { time: `${monitoring.retentionDays}d` },
  };
}

/** A planned service's name, served model name, replicas and TTFT threshold; the adapter adds its targets. */
export const monitoredService = (s: ServicePlan): Pick<MonitoredService, "name" | "model" | "replicas" | "ttftP95Seconds"> => ({
  name: s.name,
  model: s.model.id,
  replicas: s.replicas,
  ttftP95Seconds: s.spec.ttftP95Seconds,
});

/** Where the platform puts things an Alertmanager receiver needs. */
export interface AlertingPlacement {
  /** Path, as Alertmanager sees it, of the file holding receiver `name`'s secret (`alertingSecrets.<name>`). */
  readonly secretFile: (receiver: string) => string;
  /** Receivers whose secret the stack holds (a webhook's token is optional). */
  readonly secrets: readonly string[];
  /** The topic of an SNS receiver without `topicArn` (aws creates one). @default - every SNS receiver must name its topic */
  readonly topicArn?: (receiver: string) => string;
}

/** The renderer's alerting input from config `monitoring.alerting` and where the platform puts secrets and topics. */
export function alertingFromConfig(a: AlertingConfig, place: AlertingPlacement): AlertingInput {
  const receivers = a.receivers.map((r): AlertReceiverInput => {
    const file = place.secretFile(r.name);
    switch (r.type) {
      case "webhook":
        return { name: r.name, type: "webhook", url: r.url, ...(place.secrets.includes(r.name) ? { bearerTokenFile: file } : {}) };
      case "slack":
        return { name: r.name, type: "slack", apiUrlFile: file, channel: r.channel };
      case "pagerduty":
        return { name: r.name, type: "pagerduty", routingKeyFile: file };
      case "email":
        return {
          name: r.name,
          type: "email",
          to: r.to,
          from: r.from,
          smarthost: r.smarthost,
          username: r.username,
          passwordFile: r.username !== undefined ? file : undefined,
          requireTls: r.requireTls,
        };
      case "sns": {
        const topicArn = r.topicArn ?? place.topicArn?.(r.name);
        if (topicArn === undefined) throw new Error(`receiver ${r.name}: an SNS receiver needs a topic here`);
        return { name: r.name, type: "sns", topicArn };
      }
    }
  });
  return {
    receivers,
    defaultReceiver: a.defaultReceiver,
    criticalReceiver: a.criticalReceiver,
    watchdogReceiver: a.watchdogReceiver,
    watchdogRepeatInterval: a.watchdogRepeatInterval,
    groupWait: a.groupWait,
    groupInterval: a.groupInterval,
    repeatInterval: a.repeatInterval,
  };
}
