/**
 * amtool (Debian's prometheus-alertmanager 0.25) judges the rendered alertmanager.yml: check-config
 * for every receiver type (stacks.tools.test.ts checks every checked-in stack's), and `config routes test`
 * for where an alert goes.
 */
import { writeFileSync } from "fs";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { AlertingSchema } from "../../../components/config/alerting";
import { alertingFromConfig, renderAlertmanagerConfig } from "../../../components/render/monitoring";
import { AMTOOL, requireTool, run, tempDir } from "../../support/tools";
import { everyReceiverInput } from "./receivers";

const amtool = (...args: string[]) => run(requireTool(AMTOOL), args);
const write = (content: string): string => {
  const file = join(tempDir("qs-amtool-"), "alertmanager.yml");
  writeFileSync(file, content);
  return file;
};

describe("amtool check-config", () => {
  it("passes for every receiver type, and for a stack without receivers", async () => {
    for (const content of [renderAlertmanagerConfig(everyReceiverInput()), renderAlertmanagerConfig(alertingFromConfig(AlertingSchema.parse({}), { secretFile: (n) => `/s/${n}`, secrets: [] }))]) {
      const r = await amtool("check-config", write(content));
      expect(r.code, r.stdout + r.stderr + content).toBe(0);
      expect(r.stdout).toContain("SUCCESS");
    }
  });

  it("fails on a field Alertmanager does not know (the check is real)", async () => {
    const r = await amtool("check-config", write(renderAlertmanagerConfig(everyReceiverInput()).replace("api_url_file:", "api_url_fil:")));
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("api_url_fil");
  });
});

describe("amtool config routes test: where an alert goes", () => {
  const route = async (labels: string[]) => {
    const r = await amtool("config", "routes", "test", `--config.file=${write(renderAlertmanagerConfig(everyReceiverInput()))}`, ...labels);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  it("Watchdog to the dead man's switch, critical to the pager, the rest to the default receiver", async () => {
    expect(await route(["alertname=Watchdog", "severity=none"])).toBe("deadman");
    expect(await route(["alertname=SGLangTargetDown", "severity=critical", "service=qwen3-32b"])).toBe("pager");
    expect(await route(["alertname=SGLangKVCacheHigh", "severity=warning"])).toBe("hook");
  });
});
