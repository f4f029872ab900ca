import { stringify } from "yaml";

/**
 * YAML as every consumer of our files reads it (cloud-init, Prometheus, Grafana, kubectl): no line
 * folding, so PromQL, argv and JSON values stay on one line, and no anchors for repeated objects.
 */
export function toYaml(doc: unknown): string {
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}
