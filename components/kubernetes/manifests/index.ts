/**
 * Kubernetes objects of the serving side, as plain typed data. KubernetesPlatform creates its
 * resources from exactly these objects, and they are written as YAML artifacts under `k8s/`.
 * Pure: no Pulumi imports.
 */
export * from "./types";
export * from "./labels";
export { PROBES, WEIGHTS_VOLUME, statefulSetProblems } from "./statefulset";
export { discoveryRouterArgs } from "./router";
export { renderServingManifests, servingObjects } from "./serving";
