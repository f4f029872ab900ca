/**
 * Alertmanager on kubernetes as plain data: kube-prometheus-stack's Alertmanager gets the same
 * alertmanager.yml document the other platforms render (chart value `alertmanager.config`), and the
 * receivers' secrets as one Secret the operator mounts into its pod (`alertmanagerSpec.secrets`:
 * /etc/alertmanager/secrets/<secret>/<key>), which the document names with its `*_file` fields.
 * Pure: no Pulumi imports.
 */
import type { ISecret } from "kubernetes-models/v1/Secret" with { "resolution-mode": "import" };
import { StackConfig } from "../config/schema";
import { Artifact } from "../render/artifact";
import { ALERTMANAGER_CONFIG_PATH, alertingFromConfig, alertmanagerConfigDocument } from "../render/monitoring";
import { toYaml } from "../render/yaml";
import { LABELS, PART_OF, SECRET_PLACEHOLDER } from "./manifests";

/** The Secret holding every receiver's secret, one key per receiver name. */
export const ALERTING_SECRET = "qwen-serving-alerting";
/** Where the Prometheus Operator mounts `alertmanagerSpec.secrets` in the Alertmanager pod. */
const OPERATOR_SECRETS_DIR = "/etc/alertmanager/secrets";

export interface KubernetesAlerting {
  /** `alertmanager` values of the release: the config, and the Secret to mount when there is one. */
  readonly values: Record<string, unknown>;
  /** Data values are SECRET_PLACEHOLDER; the resource gets the Pulumi secrets. @default - no receiver has a secret */
  readonly secret?: ISecret;
  /** The document as a file, for review and `amtool check-config`. */
  readonly artifact: Artifact;
}

/** The release's Alertmanager configuration for a stack; `secrets` are the receivers with a secret in `alertingSecrets`. */
export function kubernetesAlerting(config: StackConfig, namespace: string, secrets: readonly string[]): KubernetesAlerting {
  const receivers = config.monitoring.alerting.receivers.map((r) => r.name).filter((n) => secrets.includes(n));
  const document = alertmanagerConfigDocument(alertingFromConfig(config.monitoring.alerting, { secretFile: (n) => `${OPERATOR_SECRETS_DIR}/${ALERTING_SECRET}/${n}`, secrets: receivers }));
  return {
    // Helm merges these over the chart's own config (its global, inhibit_rules and templates stay); route and receivers are ours.
    values: { config: document, ...(receivers.length ? { alertmanagerSpec: { secrets: [ALERTING_SECRET] } } : {}) },
    secret: receivers.length
      ? {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: ALERTING_SECRET, namespace, labels: { [LABELS.partOf]: PART_OF } },
          type: "Opaque",
          stringData: Object.fromEntries(receivers.map((n) => [n, SECRET_PLACEHOLDER])),
        }
      : undefined,
    artifact: { path: ALERTMANAGER_CONFIG_PATH, content: toYaml(document) },
  };
}
