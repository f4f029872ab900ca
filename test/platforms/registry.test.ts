// The registry is the one place that maps a platform's name to its adapter, settings and traits.
import { describe, expect, test } from "vitest";
import { StackConfigSchema } from "../../components/config/schema";
import { SecretsPresent } from "../../components/platform";
import { PLATFORM_REGISTRY } from "../../components/platforms/registry";
import { PLATFORM_NAMES, PLATFORM_TRAITS } from "../../components/platforms/traits";
import { planDeployment } from "../../components/sglang/planner";
import { stackConfig, stackNames } from "../support/stacks";

const ALL_SECRETS: SecretsPresent = { hfToken: true, modelscopeToken: true, grafanaAdminPassword: true, dockerTls: true, apiKeys: [] };

describe("platform registry", () => {
  test("every platform has one entry, with its traits and the settings schema the stack config uses for its block", () => {
    expect(Object.keys(PLATFORM_REGISTRY).sort()).toEqual([...PLATFORM_NAMES].sort());
    expect(StackConfigSchema.shape.platform.options).toEqual([...PLATFORM_NAMES]);
    for (const p of PLATFORM_NAMES) {
      const entry = PLATFORM_REGISTRY[p];
      expect(entry.traits, p).toBe(PLATFORM_TRAITS[p]);
      expect(StackConfigSchema.shape[p].unwrap(), p).toBe(entry.settings);
    }
    // The suffix is part of every child resource's name: two platforms may not share one.
    expect(new Set(PLATFORM_NAMES.map((p) => PLATFORM_REGISTRY[p].childSuffix)).size).toBe(PLATFORM_NAMES.length);
  });

  test("each checked-in stack passes its platform's pre-flight check, and each check refuses what its platform cannot build", () => {
    const covered = new Set<string>();
    for (const stack of stackNames()) {
      const config = stackConfig(stack);
      const plan = planDeployment(stack, config);
      expect(PLATFORM_REGISTRY[config.platform].adapter.validate({ plan, config, secrets: ALL_SECRETS }), stack).toEqual([]);
      // Monitoring is on in every checked-in stack, and no platform lets Grafana keep its default password.
      expect(
        PLATFORM_REGISTRY[config.platform].adapter.validate({ plan, config, secrets: { ...ALL_SECRETS, grafanaAdminPassword: false } }).map((p) => p.path),
        stack,
      ).toContain("qwen-serving:grafanaAdminPassword");
      covered.add(config.platform);
    }
    expect([...covered].sort()).toEqual([...PLATFORM_NAMES].sort());
  });
});
