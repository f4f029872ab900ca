/**
 * The rendered Prometheus files checked by promtool itself: config syntax (rule files must
 * resolve), rule syntax, and the rendered rule unit tests (every alert fires and stays quiet when
 * it should). Also shows the rule tests can fail.
 */
import { rmSync, writeFileSync } from "fs";
import { join } from "path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ALERT_RULES_PATH, ALERT_RULE_TESTS_PATH, MonitoringInput, PROMETHEUS_CONFIG_PATH, alertRules, renderAlertRules, renderMonitoring } from "../../../components/render/monitoring";
import { PROMTOOL, requireTool, run, writeArtifactsToTemp as writeArtifacts } from "../../support/tools";
import { awsInput, dockerInput, kubernetesInput } from "./helpers";

const dirs: string[] = [];
const write = (input: MonitoringInput): string => {
  const dir = writeArtifacts(renderMonitoring(input));
  dirs.push(dir);
  return dir;
};

/** Runs promtool; a missing binary fails the calling test (it is never skipped). */
const promtool = (...args: string[]) => run(requireTool(PROMTOOL), args);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each([
  ["docker", dockerInput()],
  ["aws", awsInput()],
])("promtool on the %s rendering", (_platform, input) => {
  const ruleCount = alertRules(input).length;
  it("check config: valid, and its rule file resolves and holds every rule", async () => {
    const dir = write(input);
    const r = await promtool("check", "config", join(dir, PROMETHEUS_CONFIG_PATH));
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).toContain("SUCCESS: 1 rule files found");
    // promtool lists a rule file only if the path resolves; a missing file would show 0 rules or an error.
    expect(out).toMatch(new RegExp(`${join(dir, ALERT_RULES_PATH).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+SUCCESS: ${ruleCount} rules found`));
  });

  it("check rules", async () => {
    const dir = write(input);
    const r = await promtool("check", "rules", join(dir, ALERT_RULES_PATH));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${ruleCount} rules found`);
  });

  it("test rules: the rendered unit tests pass", async () => {
    const dir = write(input);
    const r = await promtool("test", "rules", join(dir, ALERT_RULE_TESTS_PATH));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("SUCCESS");
  });
});

describe("promtool on the kubernetes rendering (rules only)", () => {
  it("check rules and test rules", async () => {
    const dir = write(kubernetesInput());
    const check = await promtool("check", "rules", join(dir, ALERT_RULES_PATH));
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const test = await promtool("test", "rules", join(dir, ALERT_RULE_TESTS_PATH));
    expect(test.code, test.stdout + test.stderr).toBe(0);
  });
});

describe("the rendered rule tests can fail", () => {
  it("fails when the rules drift from what the tests expect (KV threshold 0.95 vs 0.85)", async () => {
    const dir = write(dockerInput());
    writeFileSync(join(dir, ALERT_RULES_PATH), renderAlertRules(dockerInput({ alerts: { kvUsageThreshold: 0.95 } })));
    const r = await promtool("test", "rules", join(dir, ALERT_RULE_TESTS_PATH));
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("SGLangKVCacheHigh");
  });

  it("fails when an alert loses its `for` (quiet-before-for case)", async () => {
    const dir = write(dockerInput());
    const rules = renderAlertRules(dockerInput()).replace(/(alert: GPUTemperatureHigh\n\s+expr: [^\n]+\n)\s+for: 5m\n/, "$1");
    expect(rules).toContain("alert: GPUTemperatureHigh");
    expect(rules).not.toMatch(/alert: GPUTemperatureHigh\n\s+expr: [^\n]+\n\s+for:/);
    writeFileSync(join(dir, ALERT_RULES_PATH), rules);
    const r = await promtool("test", "rules", join(dir, ALERT_RULE_TESTS_PATH));
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("GPUTemperatureHigh");
  });
});

describe("rule tests follow the alert settings", () => {
  it("pass promtool for random valid thresholds and durations", async () => {
    const minutes = fc.integer({ min: 1, max: 30 }).map((m) => `${m}m`);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          kvUsageThreshold: fc.integer({ min: 50, max: 98 }).map((p) => p / 100),
          kvUsageFor: minutes,
          queueGrowthWindow: minutes,
          queueGrowingFor: minutes,
          queueMinDepth: fc.integer({ min: 1, max: 50 }),
          ttftP95Seconds: fc.constantFrom(0.1, 0.5, 1, 2.5, 5, 10, 30, 120, 399),
          ttftWindow: fc.integer({ min: 2, max: 15 }).map((m) => `${m}m`),
          ttftFor: minutes,
          sglangDownFor: minutes,
          exporterDownFor: minutes,
          gpuTempCelsius: fc.integer({ min: 60, max: 100 }),
          gpuTempFor: fc.constantFrom("30s", "90s", "5m", "15m"),
          queueDeepDepth: fc.integer({ min: 1, max: 200 }),
          queueDeepFor: minutes,
          ttftMinRequestsPerSecond: fc.constantFrom(0.01, 0.1, 0.5, 2),
          stallWindow: fc.integer({ min: 2, max: 40 }).map((m) => `${m}m`),
          xidWindow: fc.integer({ min: 2, max: 60 }).map((m) => `${m}m`),
          routerErrorRatio: fc.integer({ min: 1, max: 90 }).map((p) => p / 100),
          routerErrorWindow: fc.integer({ min: 2, max: 15 }).map((m) => `${m}m`),
          routerErrorFor: minutes,
          routerMinRequestsPerSecond: fc.constantFrom(0.01, 0.1, 1),
          routerNoWorkerFor: minutes,
          routerSkewRatio: fc.integer({ min: 11, max: 19 }).map((x) => x / 10),
          routerSkewMinInFlight: fc.integer({ min: 1, max: 50 }),
          routerSkewWindow: minutes,
          routerSkewFor: minutes,
          nodeDiskFreeRatio: fc.integer({ min: 1, max: 50 }).map((p) => p / 100),
          nodeMemoryFreeRatio: fc.integer({ min: 1, max: 50 }).map((p) => p / 100),
          nodeFor: minutes,
        }),
        async (alerts) => {
          // A per-service TTFT threshold too, on the first service.
          const services = dockerInput().services.map((svc, i) => (i === 0 ? { ...svc, ttftP95Seconds: alerts.ttftP95Seconds === 5 ? 0.4 : 5 } : svc));
          const dir = write(dockerInput({ alerts, services }));
          const r = await promtool("test", "rules", join(dir, ALERT_RULE_TESTS_PATH));
          expect(r.code, `${JSON.stringify(alerts)}\n${r.stdout}${r.stderr}`).toBe(0);
        },
      ),
      // Each run is one promtool over ~50 tests (about 4 s of CPU): few runs, a long timeout on 2 busy cores.
      { numRuns: 5 },
    );
  }, 300_000);
});
