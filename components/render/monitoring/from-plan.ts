import { MonitoringConfig } from "../../config/schema";
import { DeploymentPlan, ServicePlan } from "../../sglang/planner";
import { MonitoredService, MonitoringInput } from "./types";

/**
 * What every adapter's monitoring input takes from the plan and the `monitoring` config alike:
 * the stack, its platform, the alert thresholds and retention by time. Each adapter adds where
 * the targets are (`services`, exporters) and how Grafana reaches Prometheus.
 */
export function planMonitoring(plan: DeploymentPlan, monitoring: MonitoringConfig): Pick<MonitoringInput, "stack" | "platform" | "alerts"> & { readonly retention: { readonly time: string } } {
  return {
    stack: plan.stack,
    platform: plan.platform,
    alerts: { kvUsageThreshold: monitoring.kvUsageThreshold, ttftP95Seconds: monitoring.ttftP95Seconds },
    retention: { time: `${monitoring.retentionDays}d` },
  };
}

/** A planned service's name and served model name; the adapter adds its targets. */
export const monitoredService = (s: ServicePlan): Pick<MonitoredService, "name" | "model"> => ({ name: s.name, model: s.model.id });
