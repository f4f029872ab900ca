// kube-prometheus-stack's Alertmanager: the same alertmanager.yml document as the other platforms in
// the release values, the receivers' secrets as one Secret the operator mounts, never in the values.
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { StackConfigSchema } from "../../components/config/schema";
import { ALERTING_SECRET } from "../../components/kubernetes/alerting-manifests";
import { appliedObjects, kubernetesArtifacts } from "../../components/kubernetes/artifacts";
import { clusterPrerequisites } from "../../components/kubernetes/prerequisites";
import { SECRET_PLACEHOLDER, renderServingManifests } from "../../components/kubernetes/manifests";
import { renderMonitoringManifests } from "../../components/kubernetes/monitoring-manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { ALERTMANAGER_CONFIG_PATH } from "../../components/render/monitoring";
import { planDeployment } from "../../components/sglang/planner";
import { k8sStackInput } from "./helpers";

const input = k8sStackInput();
const config = StackConfigSchema.parse({
  ...input,
  monitoring: {
    ...input.monitoring,
    alerting: {
      receivers: [
        { name: "pager", type: "pagerduty" },
        { name: "mail", type: "email", to: ["oncall@example.com"], from: "am@example.com", smarthost: "smtp.example.com:587" },
      ],
      criticalReceiver: "pager",
      defaultReceiver: "mail",
    },
  },
});
const plan = planDeployment("k8s", config);
const settings = resolveKubernetesSettings(config);
const monitoring = renderMonitoringManifests(plan, config, settings, ["pager"]);

describe("Alertmanager on kubernetes", () => {
  test("the release values carry the rendered document, the Secret to mount and the volume claim", () => {
    const values = monitoring.install!.release.values.alertmanager as { config: Record<string, unknown>; alertmanagerSpec: Record<string, unknown> };
    const file = monitoring.files.find((f) => f.path === ALERTMANAGER_CONFIG_PATH)!;
    expect(values.config).toEqual(parse(file.content));
    expect(values.alertmanagerSpec.secrets).toEqual([ALERTING_SECRET]);
    expect(values.alertmanagerSpec.storage).toBeDefined();
    const receivers = (values.config.receivers as Array<Record<string, Array<Record<string, unknown>>>>).reduce<Record<string, unknown>>((m, r) => ({ ...m, [String(r.name)]: r }), {});
    expect(receivers.pager).toEqual({ name: "pager", pagerduty_configs: [{ routing_key_file: `/etc/alertmanager/secrets/${ALERTING_SECRET}/pager`, send_resolved: true }] });
    expect((values.config.route as { receiver: string }).receiver).toBe("mail");
  });

  test("the Secret names each receiver with a secret; its values are placeholders the resource fills with Pulumi secrets", () => {
    expect(monitoring.install!.alertingSecret).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: ALERTING_SECRET, namespace: settings.monitoring.namespace, labels: expect.any(Object) },
      type: "Opaque",
      stringData: { pager: SECRET_PLACEHOLDER },
    });
    const artifacts = kubernetesArtifacts(renderServingManifests({ plan, config, settings, tokens: [] }), monitoring);
    expect(artifacts.map((a) => a.path)).toEqual(expect.arrayContaining([`k8s/${settings.monitoring.namespace}/secret-${ALERTING_SECRET}.yaml`, ALERTMANAGER_CONFIG_PATH]));
  });

  test("without receivers' secrets there is no Secret and nothing to mount", () => {
    const plain = renderMonitoringManifests(plan, config, settings);
    expect(plain.install!.alertingSecret).toBeUndefined();
    expect((plain.install!.release.values.alertmanager as { alertmanagerSpec: Record<string, unknown> }).alertmanagerSpec.secrets).toBeUndefined();
  });

  test("with monitoring.install false the cluster's own Alertmanager is a prerequisite, naming the rendered file to merge", () => {
    const own = StackConfigSchema.parse({ ...input, kubernetes: { ...input.kubernetes, monitoring: { ...(input.kubernetes?.monitoring ?? {}), install: false } }, monitoring: config.monitoring });
    const s = resolveKubernetesSettings(own);
    const objects = appliedObjects(renderServingManifests({ plan, config: own, settings: s, tokens: [] }), renderMonitoringManifests(plan, own, s));
    const am = clusterPrerequisites(objects).find((p) => p.id === "alertmanager");
    expect(am?.what).toContain("monitoring/alertmanager/alertmanager.yml");
    expect(clusterPrerequisites(appliedObjects(renderServingManifests({ plan, config, settings, tokens: [] }), monitoring)).map((p) => p.id)).not.toContain("alertmanager");
  });
});
