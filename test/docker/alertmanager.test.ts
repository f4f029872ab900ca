// The docker Alertmanager container: beside Prometheus on the monitoring host, its rendered config,
// each receiver's secret as a file, and Prometheus sending to it where it listens on the host network.
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { IMAGES, PORTS } from "../../components/contract";
import { SecretsPresent, dockerLayout } from "../../components/docker/layout";
import { formatProblem } from "../../components/problems";
import { planDeployment } from "../../components/sglang/planner";
import { preflight } from "../../components/qwen-serving";
import { stackConfig } from "./helpers";

const base = stackConfig("h20");
const config = {
  ...base,
  monitoring: {
    ...base.monitoring,
    alerting: {
      ...base.monitoring.alerting,
      receivers: [
        { name: "chat", type: "slack" as const, channel: "#qwen" },
        { name: "hook", type: "webhook" as const, url: "https://hooks.example.com/a" },
      ],
    },
  },
};
const SECRETS: SecretsPresent = { hfToken: false, modelscopeToken: false, grafanaAdminPassword: true, dockerTls: false, apiKeys: [], alertingSecrets: ["chat"] };
const layout = dockerLayout(planDeployment("h20", config), config, SECRETS);
const on = (host: string) => layout.hosts.find((h) => h.name === host)!.containers;

describe("Alertmanager on docker", () => {
  test("one container on the monitoring host: pinned image, on the host network listening on loopback only, state in a named volume, no gossip", () => {
    const [am] = on("h20-a").filter((c) => c.role === "alertmanager");
    expect(on("h20-b").filter((c) => c.role === "alertmanager")).toEqual([]);
    expect([am.image, am.hostNetwork, am.ports, am.hostPorts, am.volumes]).toEqual([
      IMAGES.alertmanager,
      true,
      [],
      [PORTS.alertmanager],
      [{ volume: "h20-alertmanager-data", containerPath: "/alertmanager", readOnly: false }],
    ]);
    expect(am.command).toEqual([
      "--config.file=/etc/alertmanager/alertmanager.yml",
      "--storage.path=/alertmanager",
      `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
      "--cluster.listen-address=",
    ]);
  });

  test("the rendered config, its secret as a file from alertingSecrets, and no secret in the config", () => {
    const [am] = on("h20-a").filter((c) => c.role === "alertmanager");
    expect(am.files.map((f) => [f.containerPath, f.artifactPath])).toEqual([["/etc/alertmanager/alertmanager.yml", "monitoring/alertmanager/alertmanager.yml"]]);
    expect(am.secretFiles).toEqual([{ containerPath: "/run/secrets/alertmanager/chat", secret: "alertingSecrets.chat", mode: "0444" }]);
    const doc = parse(am.files[0].content);
    expect(doc.receivers.find((r: { name: string }) => r.name === "chat").slack_configs[0].api_url_file).toBe("/run/secrets/alertmanager/chat");
    // The webhook without a secret sends no Authorization header.
    expect(doc.receivers.find((r: { name: string }) => r.name === "hook").webhook_configs[0].http_config).toBeUndefined();
  });

  test("Prometheus sends to it where it listens (both on the host network); its own container does not carry alertmanager.yml", () => {
    const [prom] = on("h20-a").filter((c) => c.role === "prometheus");
    expect(prom.files.map((f) => f.containerPath)).not.toContain("/etc/prometheus/alertmanager/alertmanager.yml");
    const doc = parse(prom.files.find((f) => f.containerPath === "/etc/prometheus/prometheus.yml")!.content);
    expect(doc.alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${PORTS.alertmanager}`] }] }] });
  });

  test("refused before any resource: SNS on docker, a Slack receiver without its secret", () => {
    const bad = {
      ...config,
      monitoring: { ...config.monitoring, alerting: { ...config.monitoring.alerting, receivers: [...config.monitoring.alerting.receivers, { name: "topic", type: "sns" as const }] } },
    };
    const lines = preflight({ config: bad, stack: "h20", secrets: { grafanaAdminPassword: "x" } }).problems.map(formatProblem);
    expect(lines).toEqual(
      expect.arrayContaining([
        "qwen-serving:monitoring.alerting.receivers[2].type: got \"sns\"; platform 'docker' cannot deliver to sns (use one of: webhook, slack, pagerduty, email)",
        "qwen-serving:monitoring.alerting.receivers[0]: got \"chat\"; needs the Slack incoming-webhook URL as a secret (pulumi config set --secret --path 'alertingSecrets.chat' ...)",
      ]),
    );
  });
});
