import * as fs from "fs";
import * as path from "path";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { renderMonitoringManifests } from "../../components/kubernetes/monitoring-manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { planDeployment } from "../../components/sglang/planner";
import { requireTool, run, tempDir } from "../support/tools";
import { k8sStackConfig } from "./helpers";

// The Kubernetes objects checked by the real tools that consume them.
describe("kube-prometheus-stack and the shared renderers", () => {
  const config = k8sStackConfig();
  const plan = planDeployment("k8s", config);
  const monitoring = renderMonitoringManifests(plan, config, resolveKubernetesSettings(config));

  test("the PrometheusRule's groups pass promtool check rules", async () => {
    const file = path.join(tempDir("k8s-rules-"), "rules.yml");
    fs.writeFileSync(file, stringify({ groups: monitoring.rule.spec.groups }, { lineWidth: 0 }));
    const r = await run(requireTool("promtool"), ["check", "rules", file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});
