import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesSettings } from "../config/kubernetes";
import { StackConfig } from "../config/schema";
import { PlatformArgs, PlatformCheckInput, PlatformOutputs, SecretsPresent, ServingSecrets, secretsPresent } from "../platform";
import { Artifact } from "../render/artifact";
import { DeploymentPlan } from "../sglang/planner";
import { appliedObjects, kubernetesArtifacts } from "./artifacts";
import { clusterWarnings } from "./prerequisites";
import { ClusterMonitoring } from "./cluster-monitoring";
import { asArgs } from "./k8s-args";
import { HubToken, ServingManifests, renderServingManifests } from "./manifests";
import { renderMonitoringManifests } from "./monitoring-manifests";
import { ServingWorkload } from "./serving-workload";
import { resolveKubernetesSettings } from "./settings";
import { Problem, Problems, QwenServingError } from "../problems";

export type KubernetesPlatformArgs = PlatformArgs;

/** The settings, after the checks that also need the secrets; every problem at once. */
function checkedSettings(config: StackConfig, secrets: SecretsPresent): { settings?: KubernetesSettings; problems: Problem[] } {
  const problems = new Problems();
  let settings: KubernetesSettings | undefined;
  try {
    settings = resolveKubernetesSettings(config);
  } catch (e) {
    if (!(e instanceof QwenServingError)) throw e;
    problems.addAll(e.problems);
  }
  if (config.monitoring.enabled && (settings?.monitoring.install ?? true) && !secrets.grafanaAdminPassword)
    problems.add({
      path: "grafanaAdminPassword",
      rule: "installing kube-prometheus-stack needs it: the chart's own default is public",
      advice: "'pulumi config set --secret grafanaAdminPassword ...'",
    });
  return { settings, problems: [...problems.all] };
}

const hubTokens = (secrets: SecretsPresent): HubToken[] => [...(secrets.hfToken ? ["hf-token" as const] : []), ...(secrets.modelscopeToken ? ["modelscope-token" as const] : [])];

/** Base URL per service: the Ingress host when there is one, else the in-cluster Service address. */
export function kubernetesEndpoints(plan: DeploymentPlan, settings: KubernetesSettings): Record<string, string> {
  const ingress = settings.ingress;
  return Object.fromEntries(
    plan.services.map((s) => [s.name, ingress ? `${ingress.tlsSecretName ? "https" : "http"}://${s.name}.${ingress.domain}` : `http://${s.name}.${settings.namespace}.svc.cluster.local:${s.port}`]),
  );
}

/**
 * Platform adapter for `platform: kubernetes`: the plan's services as StatefulSets on an existing
 * cluster's GPU nodes, with kube-prometheus-stack monitoring. Every resource is created from the
 * objects renderServingManifests / renderMonitoringManifests return, and every object is an artifact.
 */
export class KubernetesPlatform extends pulumi.ComponentResource implements PlatformOutputs {
  /** One per service, in plan order (`workloads[i].statefulSet`, `.service`): for labels, extra policies or monitors of your own. */
  readonly workloads: readonly ServingWorkload[];
  /** kube-prometheus-stack and our monitors, rules and dashboards. @default - none when monitoring.enabled is false */
  readonly monitoring?: ClusterMonitoring;
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly artifacts: pulumi.Output<Artifact[]>;

  /** Every problem this adapter would meet, before any resource exists (pure): settings, secrets, and with a plan the manifests'. */
  static validate({ plan, config, secrets }: PlatformCheckInput): Problem[] {
    const { settings, problems } = checkedSettings(config, secrets);
    if (!plan || !settings) return problems;
    try {
      renderServingManifests({ plan, config, settings, tokens: hubTokens(secrets), apiKeys: secrets.apiKeys });
      if (config.monitoring.enabled) renderMonitoringManifests(plan, config, settings, secrets.alertingSecrets ?? []);
    } catch (e) {
      if (!(e instanceof QwenServingError)) throw e;
      problems.push(...e.problems);
    }
    return problems;
  }

  constructor(name: string, args: KubernetesPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    // Render (and so validate) everything before registering anything.
    const { plan, config, secrets } = args;
    const present = secretsPresent(secrets);
    const checked = checkedSettings(config, present);
    if (checked.problems.length) throw new QwenServingError("platform", checked.problems);
    const settings = checked.settings!;
    const serving = renderServingManifests({ plan, config, settings, tokens: hubTokens(present), apiKeys: present.apiKeys });
    const monitoring = config.monitoring.enabled ? renderMonitoringManifests(plan, config, settings, Object.keys(secrets.alertingSecrets ?? {})) : undefined;
    const artifacts = kubernetesArtifacts(serving, monitoring);
    super("qwen-serving:kubernetes:KubernetesPlatform", name, {}, opts);
    // Said at preview time: what would strand a pod (a zonal volume without a zone, packed replicas).
    for (const w of clusterWarnings(appliedObjects(serving, monitoring))) void pulumi.log.warn(w, this);

    const base = this.createBase(name, serving, secrets);
    this.workloads = serving.services.map(
      (s) => new ServingWorkload(`${name}-${s.service}`, { manifests: s, rolloutTimeoutMinutes: settings.rolloutTimeoutMinutes, dependsOn: base.all }, { parent: this }),
    );
    if (monitoring)
      this.monitoring = new ClusterMonitoring(
        `${name}-monitoring`,
        { manifests: monitoring, grafanaAdminPassword: secrets.grafanaAdminPassword, alertingSecrets: secrets.alertingSecrets, dependsOn: base.namespace ? [base.namespace] : [] },
        { parent: this },
      );

    this.endpoints = pulumi.output(kubernetesEndpoints(plan, settings));
    this.artifacts = pulumi.output(artifacts);
    this.registerOutputs({ endpoints: this.endpoints });
  }

  /** Namespace, StorageClass, the SGLang ServiceAccount, the hub-token and API-key Secrets and the default-deny policy every workload needs. */
  private createBase(name: string, m: ServingManifests, secrets: ServingSecrets): { namespace?: k8s.core.v1.Namespace; all: pulumi.Resource[] } {
    const namespace = m.namespace ? new k8s.core.v1.Namespace(`${name}-namespace`, asArgs(m.namespace), { parent: this }) : undefined;
    const inNs = { parent: this, dependsOn: namespace ? [namespace] : [] };
    const all: pulumi.Resource[] = namespace ? [namespace] : [];
    if (m.storageClass) all.push(new k8s.storage.v1.StorageClass(`${name}-weights-storage`, asArgs(m.storageClass), { parent: this }));
    if (m.snapshotClass) all.push(new k8s.apiextensions.CustomResource(`${name}-weights-snapshot-class`, asArgs(m.snapshotClass), { parent: this }));
    if (m.priorityClass) all.push(new k8s.scheduling.v1.PriorityClass(`${name}-priority-class`, asArgs(m.priorityClass), { parent: this }));
    all.push(new k8s.core.v1.ServiceAccount(`${name}-sglang-sa`, asArgs(m.serviceAccount), inNs));
    if (m.tokensSecret) {
      const values: Record<HubToken, pulumi.Input<string> | undefined> = { "hf-token": secrets.hfToken, "modelscope-token": secrets.modelscopeToken };
      const keys = Object.keys(m.tokensSecret.stringData ?? {}) as HubToken[];
      const stringData = pulumi.secret(pulumi.all(keys.map((k) => values[k]!)).apply((v) => Object.fromEntries(keys.map((k, i) => [k, v[i]]))));
      all.push(new k8s.core.v1.Secret(`${name}-hub-tokens`, asArgs({ ...m.tokensSecret, stringData }), inNs));
    }
    if (m.apiKeysSecret) {
      // Each service's key, read by its pods' front proxy from a Secret volume; the value stays a Pulumi secret.
      const services = Object.keys(m.apiKeysSecret.stringData ?? {});
      const stringData = pulumi.secret(pulumi.all(services.map((s) => secrets.apiKeys![s])).apply((v) => Object.fromEntries(services.map((s, i) => [s, v[i]]))));
      all.push(new k8s.core.v1.Secret(`${name}-api-keys`, asArgs({ ...m.apiKeysSecret, stringData }), inNs));
    }
    if (m.defaultDeny) all.push(new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, asArgs(m.defaultDeny), inNs));
    return { namespace, all };
  }
}
