/**
 * Kubernetes objects of the serving side, as plain typed data. KubernetesPlatform creates its
 * resources from exactly these objects, and they are written as YAML artifacts under `k8s/`.
 * Pure: no Pulumi imports.
 */
export * from "./types";
export * from "./labels";
export { PROBES, WEIGHTS_VOLUME, servicePool, statefulSetProblems } from "./statefulset";
export { ROUTER_REPLICAS, kubernetesRouterArgs, routerRequirements } from "./router";
export { ALB_LIMITS, IngressController, ingressController, ingressDefaults, ingressProblems } from "./ingress";
export * from "./pods";
export { DOWNLOADER_ANNOTATION, NO_GPUS, REVISION_LABEL, ServiceWeights, VOLUME_ROOT, WEIGHTS_ANNOTATION, seedNames, serviceWeights } from "./weights";
export { renderServingManifests, servingObjects } from "./serving";
export { API_KEYS_SECRET, PROXY_CHECKSUM_ANNOTATION, PROXY_CONTAINER, loopbackLaunchArgs, proxyConfigName, proxyFiles } from "./proxy";
export { DEFAULT_DENY_POLICY, INGRESS_NGINX_CLIENTS, NAMESPACE_NAME_LABEL, PROMETHEUS_POD_LABELS, networkPolicyProblems } from "./network-policy";
export { ingressPaths } from "./ingress";
