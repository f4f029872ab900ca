import { Artifact } from "../render/artifact";
import { toYaml } from "../render/yaml";
import { MonitoringManifests } from "./monitoring-manifests";
import { KubernetesObject, ServingManifests, servingObjects } from "./manifests";
import { AppliedObject, prerequisitesText } from "./prerequisites";

/** Where the cluster prerequisites and warnings are written for review. */
export const PREREQUISITES_PATH = "cluster-prerequisites.md";

/** Everything the stack applies, the Helm release as `{ kind: "Release", spec }`: what the prerequisites are read from. */
export function appliedObjects(serving: ServingManifests, monitoring: MonitoringManifests | undefined): AppliedObject[] {
  const release = monitoring?.install?.release;
  return [...servingObjects(serving), ...(monitoring ? monitoringObjects(monitoring) : []), ...(release ? [{ kind: "Release", spec: release }] : [])] as AppliedObject[];
}

/** `k8s/<namespace or _cluster>/<kind>-<name>.yaml`: one file per object, as `kubectl apply -f` takes them. */
export function objectPath(o: KubernetesObject): string {
  return `k8s/${o.metadata?.namespace ?? "_cluster"}/${o.kind.toLowerCase()}-${o.metadata?.name}.yaml`;
}

/** Every object of a monitoring set, in apply order (the release's CRDs before the custom resources). */
export function monitoringObjects(m: MonitoringManifests): KubernetesObject[] {
  return [
    ...(m.install ? [m.install.namespace, ...(m.install.storageClass ? [m.install.storageClass] : []), m.install.grafanaAdmin, ...(m.install.alertingSecret ? [m.install.alertingSecret] : [])] : []),
    ...m.dashboards,
    m.rule,
    ...m.serviceMonitors,
  ];
}

/** The review files of a kubernetes plan: every object, the Helm release and the monitoring renderers' files. */
export function kubernetesArtifacts(serving: ServingManifests, monitoring: MonitoringManifests | undefined): Artifact[] {
  const objects: KubernetesObject[] = [...servingObjects(serving), ...(monitoring ? monitoringObjects(monitoring) : [])];
  const out: Artifact[] = objects.map((o) => ({ path: objectPath(o), content: toYaml(o) }));
  const release = monitoring?.install?.release;
  if (release) out.push({ path: `k8s/${release.namespace}/helm-release-${release.name}.yaml`, content: toYaml(release) });
  out.push(...(monitoring?.files ?? []));
  out.push({
    path: PREREQUISITES_PATH,
    content: `# Cluster prerequisites of this stack\n\nEach with a command that checks it (README "Kubernetes preflight").\n\n${prerequisitesText(appliedObjects(serving, monitoring))}\n`,
  });
  const seen = new Set<string>();
  for (const a of out) {
    if (seen.has(a.path)) throw new Error(`two kubernetes artifacts would be written to ${a.path}`);
    seen.add(a.path);
  }
  return out;
}
