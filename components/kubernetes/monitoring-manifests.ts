/**
 * Monitoring on kubernetes as plain data: ServiceMonitors for SGLang, the routers and dcgm-exporter,
 * a PrometheusRule and dashboard ConfigMaps from the shared renderers (components/render/monitoring),
 * and the kube-prometheus-stack Helm values. Pure: no Pulumi imports.
 */
import type { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta" with { "resolution-mode": "import" };
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap" with { "resolution-mode": "import" };
import type { INamespace } from "kubernetes-models/v1/Namespace" with { "resolution-mode": "import" };
import type { ISecret } from "kubernetes-models/v1/Secret" with { "resolution-mode": "import" };
import type { IStorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass" with { "resolution-mode": "import" };
import { KubernetesSettings } from "../config/kubernetes";
import { StackConfig } from "../config/schema";
import { Artifact } from "../render/artifact";
import { PORTS } from "../contract";
import {
  COMPONENT,
  ConstantRelabeling,
  DEFAULT_GRAFANA_FOLDER,
  GRAFANA_DASHBOARDS_PATH,
  KubernetesScrapeTarget,
  MonitoringInput,
  alertRuleGroups,
  kubernetesScrapeTargets,
  monitoredService,
  planMonitoring,
  renderMonitoring,
} from "../render/monitoring";
import { DeploymentPlan } from "../sglang/planner";
import { kubernetesAlerting } from "./alerting-manifests";
import { LABELS, PART_OF, SECRET_PLACEHOLDER, routerSelector, serverSelector } from "./manifests";
import { monitorLabels } from "./settings";

/** Prometheus Operator ServiceMonitor (monitoring.coreos.com/v1), the fields we set. */
export interface ServiceMonitor {
  readonly apiVersion: "monitoring.coreos.com/v1";
  readonly kind: "ServiceMonitor";
  readonly metadata: IObjectMeta;
  readonly spec: {
    readonly selector: { readonly matchLabels: Record<string, string> };
    readonly namespaceSelector: { readonly matchNames: readonly string[] };
    readonly endpoints: readonly {
      readonly port: string;
      readonly path: string;
      readonly interval: string;
      readonly relabelings: readonly Relabeling[];
    }[];
  };
}

/** Prometheus Operator PrometheusRule (monitoring.coreos.com/v1). */
export interface PrometheusRule {
  readonly apiVersion: "monitoring.coreos.com/v1";
  readonly kind: "PrometheusRule";
  readonly metadata: IObjectMeta;
  readonly spec: { readonly groups: ReturnType<typeof alertRuleGroups> };
}

/** A Helm release, as data: what `helm install` would get. */
export interface HelmReleaseSpec {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  readonly repository: string;
  readonly values: Record<string, unknown>;
}

export interface MonitoringManifests {
  /** When kube-prometheus-stack is installed: its namespace, the Grafana admin Secret and the release. */
  readonly install?: {
    readonly namespace: INamespace;
    /** The class Prometheus' and Alertmanager's volumes name, when the stack creates it. */
    readonly storageClass?: IStorageClass;
    /** Data values are SECRET_PLACEHOLDER; the resource gets the Pulumi secret. */
    readonly grafanaAdmin: ISecret;
    /** The alert receivers' secrets Alertmanager mounts (values SECRET_PLACEHOLDER). @default - no receiver has a secret */
    readonly alertingSecret?: ISecret;
    readonly release: HelmReleaseSpec;
  };
  readonly serviceMonitors: readonly ServiceMonitor[];
  readonly rule: PrometheusRule;
  readonly dashboards: readonly IConfigMap[];
  /** The shared renderers' files (rules, their promtool tests, dashboards JSON) for review and CI. */
  readonly files: readonly Artifact[];
}

export const KUBE_PROMETHEUS_STACK_CHART = "kube-prometheus-stack";
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
/** The label and value kube-prometheus-stack's Grafana sidecar loads dashboards from. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;
const GRAFANA_FOLDER_ANNOTATION = "grafana_folder";

/** What the shared monitoring renderers get for a kubernetes plan. */
export function monitoringInput(plan: DeploymentPlan, config: StackConfig, settings: KubernetesSettings): MonitoringInput {
  const m = settings.monitoring;
  return {
    ...planMonitoring(plan, config.monitoring),
    services: plan.services.map((s) => ({ ...monitoredService(s), port: s.placement[0].port, routerMetricsPort: s.router?.metricsPort })),
    // kube-prometheus-stack's Prometheus Service (`<release>-prometheus`), for the renderers' datasource.
    grafana: { prometheusUrl: `http://${m.releaseName}-prometheus.${m.namespace}.svc:${PORTS.prometheus}` },
  };
}

/** A relabeling that copies discovered labels into a target label. */
export interface SourceRelabeling {
  readonly action: "replace";
  readonly sourceLabels: readonly string[];
  readonly targetLabel: string;
}
type Relabeling = ConstantRelabeling | SourceRelabeling;

/**
 * `instance` = the node's name, for dcgm-exporter and node-exporter alike, so a GPU alert and the
 * node's own metrics name the same machine (the exporter's pod IP would change with every restart).
 */
export const NODE_NAME_INSTANCE: SourceRelabeling = {
  action: "replace",
  sourceLabels: ["__meta_kubernetes_pod_node_name"],
  targetLabel: "instance",
};

/** A volume claim template of the chart's Prometheus or Alertmanager on our class. */
const claim = (storageClassName: string, gib: number) => ({ volumeClaimTemplate: { spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${gib}Gi` } } } } });

function serviceMonitor(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  target: KubernetesScrapeTarget,
  select: { namespace: string; matchLabels: Record<string, string>; port: string },
  extra: readonly Relabeling[] = [],
): ServiceMonitor {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name, namespace, labels },
    spec: {
      selector: { matchLabels: { ...select.matchLabels } },
      namespaceSelector: { matchNames: [select.namespace] },
      endpoints: [{ port: select.port, path: target.path, interval: target.interval, relabelings: [...target.relabelings, ...extra].map((r) => ({ ...r })) }],
    },
  };
}

/**
 * Every monitoring object of a kubernetes plan (requires `config.monitoring.enabled`);
 * `alertingSecrets` names the alert receivers with a secret.
 */
export function renderMonitoringManifests(plan: DeploymentPlan, config: StackConfig, settings: KubernetesSettings, alertingSecrets: readonly string[] = []): MonitoringManifests {
  const m = settings.monitoring;
  const alerting = kubernetesAlerting(config, m.namespace, alertingSecrets);
  const input = monitoringInput(plan, config, settings);
  const selectors = monitorLabels(settings);
  const labels = { [LABELS.partOf]: PART_OF, ...selectors };
  const targets = kubernetesScrapeTargets(input);

  const serviceMonitors: ServiceMonitor[] = [];
  for (const t of targets) {
    if (t.component === COMPONENT.sglang)
      serviceMonitors.push(serviceMonitor(t.job, settings.namespace, labels, t, { namespace: settings.namespace, matchLabels: serverSelector(t.service!), port: t.portName }));
    else if (t.component === COMPONENT.router)
      serviceMonitors.push(serviceMonitor(t.job, settings.namespace, labels, t, { namespace: settings.namespace, matchLabels: routerSelector(t.service!), port: t.portName }));
    else if (t.component === COMPONENT.dcgmExporter)
      // The GPU operator's exporter, with its own Service labels and port name.
      serviceMonitors.push(serviceMonitor(t.job, m.namespace, labels, t, { namespace: m.dcgm.namespace, matchLabels: m.dcgm.matchLabels, port: m.dcgm.portName }, [NODE_NAME_INSTANCE]));
    // node-exporter: kube-prometheus-stack scrapes it already; the release values add our labels.
  }

  const files = [...renderMonitoring(input), alerting.artifact];
  const dashboards: IConfigMap[] = files
    .filter((f) => f.path.startsWith(GRAFANA_DASHBOARDS_PATH))
    .map((f) => {
      const file = f.path.split("/").pop()!;
      return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: `${file.replace(/\.json$/, "")}-dashboard`,
          namespace: m.namespace,
          labels: { [LABELS.partOf]: PART_OF, ...GRAFANA_DASHBOARD_LABEL },
          annotations: { [GRAFANA_FOLDER_ANNOTATION]: DEFAULT_GRAFANA_FOLDER },
        },
        data: { [file]: f.content },
      };
    });

  const nodeExporter = targets.find((t) => t.component === COMPONENT.nodeExporter);
  return {
    install: m.install
      ? {
          namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: m.namespace, labels: { [LABELS.partOf]: PART_OF } } },
          storageClass: m.createStorageClass
            ? {
                apiVersion: "storage.k8s.io/v1",
                kind: "StorageClass",
                metadata: { name: m.storageClassName, labels: { [LABELS.partOf]: PART_OF } },
                provisioner: settings.storage.provisioner,
                parameters: { type: "gp3", encrypted: "true" },
                reclaimPolicy: plan.retainCaches ? "Retain" : "Delete",
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
              }
            : undefined,
          grafanaAdmin: {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: GRAFANA_ADMIN_SECRET, namespace: m.namespace, labels: { [LABELS.partOf]: PART_OF } },
            type: "Opaque",
            stringData: { "admin-user": "admin", "admin-password": SECRET_PLACEHOLDER },
          },
          alertingSecret: alerting.secret,
          release: {
            name: m.releaseName,
            namespace: m.namespace,
            chart: KUBE_PROMETHEUS_STACK_CHART,
            version: m.chartVersion,
            repository: m.chartRepository,
            values: {
              // The chart's default admin password is public ("prom-operator"); ours comes from a Secret.
              grafana: {
                admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
                sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", folderAnnotation: GRAFANA_FOLDER_ANNOTATION, provider: { foldersFromFilesStructure: true } } },
              },
              prometheus: {
                prometheusSpec: {
                  retention: `${config.monitoring.retentionDays}d`,
                  // A named class: EKS 1.30 and later have no default one, and the claim would stay Pending.
                  storageSpec: claim(m.storageClassName, m.prometheusStorageGiB),
                },
              },
              // The receivers and routes of monitoring.alerting; the chart's Prometheus already sends to this Alertmanager.
              alertmanager: { ...alerting.values, alertmanagerSpec: { ...(alerting.values.alertmanagerSpec as object | undefined), storage: claim(m.storageClassName, m.alertmanagerStorageGiB) } },
              // Same job/component labels as on aws and docker, so ScrapeTargetDown covers node-exporter.
              // These replace the chart's own list, whose one entry is NODE_NAME_INSTANCE: it is kept.
              ...(nodeExporter ? { "prometheus-node-exporter": { prometheus: { monitor: { relabelings: [...nodeExporter.relabelings.map((r) => ({ ...r })), { ...NODE_NAME_INSTANCE }] } } } } : {}),
            },
          },
        }
      : undefined,
    serviceMonitors,
    rule: {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "qwen-serving-alerts", namespace: m.namespace, labels },
      spec: { groups: alertRuleGroups(input) },
    },
    dashboards,
    files,
  };
}
