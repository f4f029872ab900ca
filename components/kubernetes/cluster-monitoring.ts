import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { asArgs } from "./k8s-args";
import { MonitoringManifests } from "./monitoring-manifests";

export interface ClusterMonitoringArgs {
  /** The rendered monitoring objects (renderMonitoringManifests); the resources carry exactly these. */
  readonly manifests: MonitoringManifests;
  /** Grafana's admin password; required when the manifests install kube-prometheus-stack. @default - none */
  readonly grafanaAdminPassword?: pulumi.Input<string>;
  /** The alert receivers' secrets by receiver name (the manifests' alerting Secret names which). @default {} */
  readonly alertingSecrets?: Readonly<Record<string, pulumi.Input<string>>>;
  /** What the monitors need first (the serving namespace). @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/**
 * Prometheus and Grafana for the stack: kube-prometheus-stack from its pinned Helm chart (or the
 * operator already in the cluster), ServiceMonitors for SGLang, routers and dcgm-exporter, the
 * alert rules as a PrometheusRule and the dashboards as ConfigMaps Grafana's sidecar loads.
 */
export class ClusterMonitoring extends pulumi.ComponentResource {
  /** The kube-prometheus-stack release, when installed. */
  readonly release?: k8s.helm.v3.Release;

  constructor(name: string, args: ClusterMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:kubernetes:ClusterMonitoring", name, {}, opts);
    const m = args.manifests;
    const deps: pulumi.Resource[] = [...(args.dependsOn ?? [])];
    const install = m.install;
    if (install) {
      if (args.grafanaAdminPassword === undefined) throw new Error("ClusterMonitoring: installing kube-prometheus-stack needs grafanaAdminPassword");
      const ns = new k8s.core.v1.Namespace(`${name}-namespace`, asArgs(install.namespace), { parent: this });
      // Prometheus and Alertmanager claims name this class; without it they would stay Pending.
      const storage = install.storageClass ? [new k8s.storage.v1.StorageClass(`${name}-storage`, asArgs(install.storageClass), { parent: this })] : [];
      const admin = new k8s.core.v1.Secret(
        `${name}-grafana-admin`,
        asArgs({ ...install.grafanaAdmin, stringData: pulumi.secret(pulumi.output(args.grafanaAdminPassword).apply((p) => ({ ...install.grafanaAdmin.stringData, "admin-password": p }))) }),
        { parent: this, dependsOn: [ns] },
      );
      // The receivers' secrets, mounted by the operator into the Alertmanager pod; the values stay Pulumi secrets.
      const am = install.alertingSecret;
      const alerting = am
        ? [
            new k8s.core.v1.Secret(
              `${name}-alerting`,
              asArgs({
                ...am,
                stringData: pulumi.secret(
                  pulumi.all(Object.keys(am.stringData ?? {}).map((k) => args.alertingSecrets![k])).apply((v) => Object.fromEntries(Object.keys(am.stringData ?? {}).map((k, i) => [k, v[i]]))),
                ),
              }),
              { parent: this, dependsOn: [ns] },
            ),
          ]
        : [];
      const r = install.release;
      this.release = new k8s.helm.v3.Release(
        `${name}-${r.name}`,
        { name: r.name, namespace: r.namespace, chart: r.chart, version: r.version, repositoryOpts: { repo: r.repository }, values: r.values, createNamespace: false },
        { parent: this, dependsOn: [ns, admin, ...storage, ...alerting] },
      );
      // The release brings the CRDs and the namespace everything below lives in.
      deps.push(this.release);
    }
    for (const d of m.dashboards) new k8s.core.v1.ConfigMap(`${name}-${d.metadata!.name}`, asArgs(d), { parent: this, dependsOn: deps });
    new k8s.apiextensions.CustomResource(`${name}-rule-${m.rule.metadata.name}`, asArgs(m.rule), { parent: this, dependsOn: deps });
    for (const s of m.serviceMonitors) new k8s.apiextensions.CustomResource(`${name}-servicemonitor-${s.metadata.name}`, asArgs(s), { parent: this, dependsOn: deps });
    this.registerOutputs({ release: this.release });
  }
}
