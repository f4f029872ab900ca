import { Artifact } from "../render/artifact";
import { toYaml } from "../render/yaml";
import { MonitoringManifests } from "./monitoring-manifests";
import { KubernetesObject, ServingManifests, servingObjects } from "./manifests";

/** `k8s/<namespace or _cluster>/<kind>-<name>.yaml`: one file per object, as `kubectl apply -f` takes them. */
export function objectPath(o: KubernetesObject): string {
  return `k8s/${o.metadata?.namespace ?? "_cluster"}/${o.kind.toLowerCase()}-${o.metadata?.name}.yaml`;
}

/** Every object of a monitoring set, in apply order (the release's CRDs before the custom resources). */
export function monitoringObjects(m: MonitoringManifests): KubernetesObject[] {
  return [...(m.install ? [m.install.namespace, m.install.grafanaAdmin] : []), ...m.dashboards, m.rule, ...m.serviceMonitors];
}

/** The review files of a kubernetes plan: every object, the Helm release and the monitoring renderers' files. */
export function kubernetesArtifacts(serving: ServingManifests, monitoring: MonitoringManifests | undefined): Artifact[] {
  const objects: KubernetesObject[] = [...servingObjects(serving), ...(monitoring ? monitoringObjects(monitoring) : [])];
  const out: Artifact[] = objects.map((o) => ({ path: objectPath(o), content: toYaml(o) }));
  const release = monitoring?.install?.release;
  if (release) out.push({ path: `k8s/${release.namespace}/helm-release-${release.name}.yaml`, content: toYaml(release) });
  out.push(...(monitoring?.files ?? []));
  const seen = new Set<string>();
  for (const a of out) {
    if (seen.has(a.path)) throw new Error(`two kubernetes artifacts would be written to ${a.path}`);
    seen.add(a.path);
  }
  return out;
}
