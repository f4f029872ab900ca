/**
 * promtool and amtool on what every checked-in stack renders (its offline plan): Prometheus' config
 * where the platform renders one, the rules and their rendered unit tests, and alertmanager.yml.
 */
import { rmSync } from "fs";
import { join } from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALERTMANAGER_CONFIG_PATH, ALERT_RULE_TESTS_PATH, PROMETHEUS_CONFIG_PATH } from "../../../components/render/monitoring";
import { Artifact } from "../../../components/render/artifact";
import { AMTOOL, PROMTOOL, requireTool, run, writeArtifactsToTemp } from "../../support/tools";
import { stackMonitoringFiles } from "./stack-alerting";

let files: Record<string, Artifact[]> = {};
const dirs: Record<string, string> = {};
beforeAll(async () => {
  files = await stackMonitoringFiles();
  for (const [stack, artifacts] of Object.entries(files)) dirs[stack] = writeArtifactsToTemp(artifacts, `qs-stack-${stack}-`);
}, 120_000);
afterAll(() => Object.values(dirs).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("every checked-in stack's monitoring files", () => {
  it("are there for each stack", () => {
    expect(Object.keys(files).sort()).toEqual(["dev", "h20", "k8s", "prod"]);
    for (const [stack, artifacts] of Object.entries(files)) {
      expect(
        artifacts.map((a) => a.path),
        stack,
      ).toContain(ALERTMANAGER_CONFIG_PATH);
      expect(
        artifacts.map((a) => a.path),
        stack,
      ).toContain(ALERT_RULE_TESTS_PATH);
    }
  });

  it("amtool check-config passes on each alertmanager.yml", async () => {
    for (const [stack, dir] of Object.entries(dirs)) {
      const r = await run(requireTool(AMTOOL), ["check-config", join(dir, ALERTMANAGER_CONFIG_PATH)]);
      expect(r.code, `${stack}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it("promtool check config passes where the platform renders prometheus.yml, and its alerting block names Alertmanager", async () => {
    for (const [stack, dir] of Object.entries(dirs)) {
      if (!files[stack].some((a) => a.path === PROMETHEUS_CONFIG_PATH)) continue;
      const r = await run(requireTool(PROMTOOL), ["check", "config", join(dir, PROMETHEUS_CONFIG_PATH)]);
      expect(r.code, `${stack}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(files[stack].find((a) => a.path === PROMETHEUS_CONFIG_PATH)!.content, stack).toMatch(/^alerting:\n {2}alertmanagers:\n {4}- static_configs:\n {8}- targets:\n {12}- \S+:9093$/m);
    }
    expect(
      Object.keys(dirs)
        .filter((s) => files[s].some((a) => a.path === PROMETHEUS_CONFIG_PATH))
        .sort(),
    ).toEqual(["dev", "h20", "prod"]);
  });

  it("promtool test rules passes on each stack's rendered rule tests", async () => {
    for (const [stack, dir] of Object.entries(dirs)) {
      const r = await run(requireTool(PROMTOOL), ["test", "rules", join(dir, ALERT_RULE_TESTS_PATH)], { timeoutMs: 120_000 });
      expect(r.code, `${stack}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  }, 300_000);
});
