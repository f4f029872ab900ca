import { stackParameterName } from "../../aws/naming";
import { PORTS, TAGS } from "../../contract";
import { MonitoringConfig } from "../../config/schema";
import { DeploymentPlan } from "../../sglang/planner";
import { AwsDiscovery, MonitoringInput, alertingFromConfig, monitoredService, planMonitoring } from "../monitoring";

/**
 * What the aws monitoring instance is rendered from (pure): where things live on it, the shared
 * monitoring renderers' input for the stack (EC2 discovery by the tags GpuNode puts on the GPU
 * nodes), the instance's IAM policy and its Ubuntu image. render/aws/monitoring-node.ts renders
 * the instance itself.
 */

/**
 * Where things live on the monitoring instance besides the contract's NODE_PATHS (scripts, the
 * secrets tmpfs, units).
 */
export const MONITORING_NODE_PATHS = {
  /** The `monitoring/` artifact folder, layout intact (prometheus.yml finds rules/ beside it). */
  config: "/etc/qwen-serving/monitoring",
  /** Mount point of the encrypted TSDB volume: Prometheus' TSDB and Grafana's database. */
  data: "/var/lib/qwen-monitoring",
} as const;

/** Paths inside the containers: the `monitoring/` folder's files and the data folders are mounted here. */
export const IN_PROMETHEUS = { config: "/etc/prometheus", data: "/prometheus" } as const;
export const IN_GRAFANA = { provisioning: "/etc/grafana/provisioning", dashboards: "/etc/grafana/dashboards", data: "/var/lib/grafana", password: "/run/secrets/grafana-admin-password" } as const;
/** Alertmanager's config folder, data and the receivers' secret files (tmpfs), inside its container. */
export const IN_ALERTMANAGER = { config: "/etc/alertmanager", data: "/alertmanager", secrets: "/run/secrets/alertmanager" } as const;

/** SSM SecureString parameter holding receiver `receiver`'s secret (`alertingSecrets.<receiver>`). */
export const alertingParameterName = (project: string, stack: string, receiver: string): string => stackParameterName(project, stack, `alerting/${receiver}`);

/** Share of the TSDB volume Prometheus may fill before it drops the oldest blocks (WAL and compaction need the rest). */
export const TSDB_RETENTION_SHARE = 0.85;

/** Prometheus `--storage.tsdb.retention.size` for a volume (Prometheus' GB are GiB). */
export const tsdbRetentionSize = (volumeGiB: number): string => `${Math.floor(volumeGiB * TSDB_RETENTION_SHARE)}GB`;

/** SSM SecureString parameter holding Grafana's admin password: `/<project>/<stack>/grafana/admin-password`. */
export const grafanaPasswordParameterName = (project: string, stack: string): string => stackParameterName(project, stack, "grafana/admin-password");

/** EC2 discovery settings of a stack (the defaults of the renderer's tag scheme). */
export function awsDiscovery(stack: string, region: string): AwsDiscovery {
  return { region, tagKey: TAGS.stack, tagValue: stack, serviceTagPrefix: TAGS.servicePrefix, routerTagPrefix: TAGS.routerPrefix, nodeTagKey: TAGS.node };
}

/** What Alertmanager needs from the aws resources: which receivers have a secret, and the topics the stack created. */
export interface AwsAlerting {
  /** Receivers with a secret in `alertingSecrets`. */
  readonly secrets: readonly string[];
  /** Topic ARN of each SNS receiver without `topicArn` (MonitoringNode creates those topics). */
  readonly topicArns: Readonly<Record<string, string>>;
}

/**
 * What the shared monitoring renderers get on aws: every SGLang replica at its planned node and
 * port (worker ports behind a router), every router at its metrics port, node_exporter on every
 * GPU node and this instance, retention by time from config and by size from the TSDB volume,
 * Grafana and Prometheus talking to Prometheus and Alertmanager on loopback.
 */
export function awsMonitoringInput(plan: DeploymentPlan, monitoring: MonitoringConfig, region: string, tsdbVolumeGiB: number, alerting: AwsAlerting = { secrets: [], topicArns: {} }): MonitoringInput {
  const common = planMonitoring(plan, monitoring);
  const gpuNodes = new Set(plan.services.flatMap((s) => s.placement.map((p) => p.node)));
  return {
    ...common,
    services: plan.services.map((s) => ({
      ...monitoredService(s),
      port: s.port,
      replicaEndpoints: s.placement.map((p) => ({ node: p.node, port: p.port })),
      routerMetricsPort: s.router?.metricsPort,
      routerEndpoint: s.router ? { node: s.router.node, port: s.router.metricsPort } : undefined,
    })),
    aws: awsDiscovery(plan.stack, region),
    grafana: { prometheusUrl: `http://127.0.0.1:${PORTS.prometheus}`, dashboardsDir: IN_GRAFANA.dashboards },
    retention: { ...common.retention, size: tsdbRetentionSize(tsdbVolumeGiB) },
    // Every GPU node and this instance run node_exporter; dcgm-exporter runs where replicas do.
    plannedNodes: plan.nodes.length + 1,
    plannedGpuNodes: gpuNodes.size,
    alertmanagers: [`127.0.0.1:${PORTS.alertmanager}`],
    alerting: alertingFromConfig(monitoring.alerting, { secretFile: (n) => `${IN_ALERTMANAGER.secrets}/${n}`, secrets: alerting.secrets, topicArn: (n) => alerting.topicArns[n] }),
  };
}

/**
 * Ports Alertmanager must reach on the internet besides 80/443 (the security group's egress): an
 * email receiver's SMTP port, a webhook URL's explicit port.
 */
export function alertingEgressPorts(monitoring: MonitoringConfig): number[] {
  const ports = monitoring.alerting.receivers.flatMap((r) => {
    if (r.type === "email") return [Number(r.smarthost.split(":").pop())];
    if (r.type === "webhook") {
      const u = new URL(r.url);
      return [u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80];
    }
    return [];
  });
  return [...new Set(ports)].filter((p) => p !== 80 && p !== 443).sort((a, b) => a - b);
}

/**
 * The monitoring instance's IAM policy: Session Manager (for SSM port forwarding, without
 * AmazonSSMManagedInstanceCore, whose `ssm:GetParameter` on `*` would let this instance read every
 * API key), EC2 discovery in the stack's region, and the one Grafana password parameter. Nothing
 * else: no kms:Decrypt, because the parameter uses the AWS-managed `aws/ssm` key, whose key policy
 * admits the account's principals when SSM makes the call. DescribeAvailabilityZones is in because
 * Prometheus' EC2 discovery maps zones to zone ids with it, and releases built on the AWS SDK v2
 * refuse to start the discovery without it. Alertmanager may read its receivers' secret parameters
 * and publish to the SNS topics of its receivers, those only.
 */
export function monitoringPolicyDocument(
  region: string,
  passwordParameterArn: string,
  alerting: { readonly parameterArns?: readonly string[]; readonly topicArns?: readonly string[] } = {},
): { Version: string; Statement: Record<string, unknown>[] } {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "SessionManager",
        Effect: "Allow",
        Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
        Resource: "*",
      },
      {
        Sid: "PrometheusEc2Discovery",
        Effect: "Allow",
        // Neither action supports resource-level permissions; the region condition narrows them.
        Action: ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": region } },
      },
      { Sid: "GrafanaAdminPassword", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: passwordParameterArn },
      ...(alerting.parameterArns?.length ? [{ Sid: "AlertmanagerSecrets", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [...alerting.parameterArns] }] : []),
      ...(alerting.topicArns?.length ? [{ Sid: "AlertmanagerSns", Effect: "Allow", Action: ["sns:Publish"], Resource: [...alerting.topicArns] }] : []),
    ],
  };
}

/** SSM public parameter of the Canonical Ubuntu 24.04 image for an instance type's architecture. */
export function ubuntuAmiParameter(instanceType: string): string {
  // Graviton families carry a `g` after the generation digit (m7g, c7gn, t4g, r8gd).
  const arch = /^[a-z]+\d+[a-z]*g[a-z]*\./.test(instanceType) ? "arm64" : "amd64";
  return `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch}/hvm/ebs-gp3/ami-id`;
}
