/** Labels, selectors and object names every serving-side and monitoring object agrees on. */
import { PROJECT } from "../../contract";

/** `app.kubernetes.io/part-of` of everything we create; also part of every selector. */
export const PART_OF = PROJECT;
export const LABELS = Object.freeze({
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
});
/** `app.kubernetes.io/component` values. */
export const COMPONENTS = Object.freeze({ server: "server", router: "router", endpoint: "endpoint", weightsSeed: "weights-seed" });

/** Selects the SGLang pods of a service (StatefulSet, headless Service, PDB, NetworkPolicy). */
export function serverSelector(service: string): Record<string, string> {
  return { [LABELS.partOf]: PART_OF, [LABELS.instance]: service, [LABELS.component]: COMPONENTS.server };
}
/** Selects the router pods of a service. */
export function routerSelector(service: string): Record<string, string> {
  return { [LABELS.partOf]: PART_OF, [LABELS.instance]: service, [LABELS.component]: COMPONENTS.router };
}
/**
 * Labels the weight seed's claim, Job and pod carry: the service's, but not `server`, so neither the
 * headless Service (under which the routers reach the replicas) nor the PDB takes the downloading
 * pod for a replica.
 */
export function seedSelector(service: string): Record<string, string> {
  return { [LABELS.partOf]: PART_OF, [LABELS.instance]: service, [LABELS.component]: COMPONENTS.weightsSeed };
}
/** A pod template's labels: its selector plus name and manager. */
export const podLabels = (selector: Record<string, string>, name: string): Record<string, string> => ({ ...selector, [LABELS.name]: name, [LABELS.managedBy]: "pulumi" });

/** Object names per service; the StatefulSet's pods are `<service>-<i>`, their volumes `weights-<service>-<i>`. */
export const names = (service: string) => ({
  statefulSet: service,
  /** Headless Service governing the StatefulSet; the SGLang ServiceMonitor selects it. */
  headless: `${service}-sglang`,
  /** The service's stable address: the SGLang pods, or the router when replicas > 1. */
  front: service,
  router: `${service}-router`,
  weightsScript: `${service}-weights`,
  pdb: service,
});
/** The Secret holding the hub tokens for the weight download, mounted as files, never as env values. */
export const TOKENS_SECRET = "qwen-serving-hub-tokens";
/** ServiceAccount of the SGLang pods (no API token mounted; annotations for cloud identities). */
export const SGLANG_SERVICE_ACCOUNT = "qwen-serving-sglang";
/** Value a Secret's data has in artifacts; the resource gets the Pulumi secret. */
export const SECRET_PLACEHOLDER = "[secret]";

/** Object metadata; a cluster-scoped object (namespace undefined) gets none. */
export function meta(name: string, namespace: string | undefined, labels: Record<string, string>) {
  return namespace === undefined ? { name, labels } : { name, namespace, labels };
}
