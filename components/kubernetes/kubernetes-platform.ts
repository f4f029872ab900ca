import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesSettings } from "../config/kubernetes";
import { PlatformArgs, PlatformOutputs, ServingSecrets } from "../platform";
import { Artifact } from "../render/artifact";
import { DeploymentPlan } from "../sglang/planner";
import { kubernetesArtifacts } from "./artifacts";
import { ClusterMonitoring } from "./cluster-monitoring";
import { asArgs } from "./k8s-args";
import { HubToken, ServingManifests, renderServingManifests } from "./manifests";
import { renderMonitoringManifests } from "./monitoring-manifests";
import { ServingWorkload } from "./serving-workload";
import { resolveKubernetesSettings } from "./settings";
import { Problems, QwenServingError } from "../problems";

export type KubernetesPlatformArgs = PlatformArgs;

/** The settings, after the checks that also need the secrets; every problem at once. */
function checkedSettings(args: KubernetesPlatformArgs): KubernetesSettings {
  const problems = new Problems();
  let settings: KubernetesSettings | undefined;
  try {
    settings = resolveKubernetesSettings(args.config);
  } catch (e) {
    if (!(e instanceof QwenServingError)) throw e;
    problems.addAll(e.problems);
  }
  const apiKeys = Object.keys(args.secrets.apiKeys ?? {});
  if (apiKeys.length)
    problems.add({ path: "apiKeys", rule: "not supported on platform kubernetes: SGLang 0.4.9.post2 takes a key only on its command line, where it would leak", advice: `remove ${apiKeys.join(", ")} and authenticate at your Ingress controller` });
  if (args.config.monitoring.enabled && (settings?.monitoring.install ?? true) && args.secrets.grafanaAdminPassword === undefined)
    problems.add({ path: "grafanaAdminPassword", rule: "installing kube-prometheus-stack needs it: the chart's own default is public", advice: "'pulumi config set --secret grafanaAdminPassword ...'" });
  problems.throwIfAny("platform");
  return settings!;
}

const hubTokens = (secrets: ServingSecrets): HubToken[] => [...(secrets.hfToken !== undefined ? ["hf-token" as const] : []), ...(secrets.modelscopeToken !== undefined ? ["modelscope-token" as const] : [])];

/** Base URL per service: the Ingress host when there is one, else the in-cluster Service address. */
export function kubernetesEndpoints(plan: DeploymentPlan, settings: KubernetesSettings): Record<string, string> {
  const ingress = settings.ingress;
  return Object.fromEntries(
    plan.services.map((s) => [
      s.name,
      ingress ? `${ingress.tlsSecretName ? "https" : "http"}://${s.name}.${ingress.domain}` : `http://${s.name}.${settings.namespace}.svc.cluster.local:${s.port}`,
    ]),
  );
}

/**
 * Platform adapter for `platform: kubernetes`: the plan's services as StatefulSets on an existing
 * cluster's GPU nodes, with kube-prometheus-stack monitoring. Every resource is created from the
 * objects renderServingManifests / renderMonitoringManifests return, and every object is an artifact.
 */
export class KubernetesPlatform extends pulumi.ComponentResource implements PlatformOutputs {
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly artifacts: pulumi.Output<Artifact[]>;

  constructor(name: string, args: KubernetesPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    // Render (and so validate) everything before registering anything.
    const { plan, config, secrets } = args;
    const settings = checkedSettings(args);
    const serving = renderServingManifests({ plan, config, settings, tokens: hubTokens(secrets) });
    const monitoring = config.monitoring.enabled ? renderMonitoringManifests(plan, config, settings) : undefined;
    const artifacts = kubernetesArtifacts(serving, monitoring);
    super("qwen-serving:kubernetes:KubernetesPlatform", name, {}, opts);

    const base = this.createBase(name, serving, secrets);
    for (const s of serving.services)
      new ServingWorkload(`${name}-${s.service}`, { manifests: s, rolloutTimeoutMinutes: settings.rolloutTimeoutMinutes, dependsOn: base.all }, { parent: this });
    if (monitoring)
      new ClusterMonitoring(`${name}-monitoring`, { manifests: monitoring, grafanaAdminPassword: secrets.grafanaAdminPassword, dependsOn: base.namespace ? [base.namespace] : [] }, { parent: this });

    this.endpoints = pulumi.output(kubernetesEndpoints(plan, settings));
    this.artifacts = pulumi.output(artifacts);
    this.registerOutputs({ endpoints: this.endpoints });
  }

  /** Namespace, StorageClass, the SGLang ServiceAccount and the hub-token Secret every workload needs. */
  private createBase(name: string, m: ServingManifests, secrets: ServingSecrets): { namespace?: k8s.core.v1.Namespace; all: pulumi.Resource[] } {
    const namespace = m.namespace ? new k8s.core.v1.Namespace(`${name}-namespace`, asArgs(m.namespace), { parent: this }) : undefined;
    const inNs = { parent: this, dependsOn: namespace ? [namespace] : [] };
    const all: pulumi.Resource[] = namespace ? [namespace] : [];
    if (m.storageClass) all.push(new k8s.storage.v1.StorageClass(`${name}-weights-storage`, asArgs(m.storageClass), { parent: this }));
    all.push(new k8s.core.v1.ServiceAccount(`${name}-sglang-sa`, asArgs(m.serviceAccount), inNs));
    if (m.tokensSecret) {
      const values: Record<HubToken, pulumi.Input<string> | undefined> = { "hf-token": secrets.hfToken, "modelscope-token": secrets.modelscopeToken };
      const keys = Object.keys(m.tokensSecret.stringData ?? {}) as HubToken[];
      const stringData = pulumi.secret(pulumi.all(keys.map((k) => values[k]!)).apply((v) => Object.fromEntries(keys.map((k, i) => [k, v[i]]))));
      all.push(new k8s.core.v1.Secret(`${name}-hub-tokens`, asArgs({ ...m.tokensSecret, stringData }), inNs));
    }
    return { namespace, all };
  }
}
