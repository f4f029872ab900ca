// The monitoring instance as rendered (pure), and which targets Prometheus' EC2 discovery would
// find for the planned layout. The real tools that consume it run in render.tools.test.ts.
import { gunzipSync } from "zlib";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { USER_DATA_LIMIT_BYTES } from "../../../components/render/cloud-config";
import { ALERT_RULE_TESTS_PATH, PROMETHEUS_CONFIG_PATH } from "../../../components/render/monitoring";
import { MONITORING_NODE_PATHS, monitoringPolicyDocument, tsdbRetentionSize, ubuntuAmiParameter } from "../../../components/render/aws/monitoring-input";
import { MONITORING_UNITS, monitoringNodeArtifacts, renderMonitoringNode } from "../../../components/render/aws/monitoring-node";
import { FakeInstance, discoveredTargets } from "./ec2-discovery";
import { VOLUME_ID, crossNodeConfig, nodeInput, prodConfig } from "./fixtures";
import { IMAGES, NODE_PATHS, PORTS, TAGS } from "../../../components/contract";

const prod = renderMonitoringNode(nodeInput(prodConfig()));
const prometheusYml = prod.monitoring.find((a) => a.path === PROMETHEUS_CONFIG_PATH)!.content;
type CloudConfig = { write_files: { path: string; owner: string; permissions: string; content: string }[]; runcmd: string[][]; packages: string[] };
const cloudConfig = parse(prod.cloudInit) as CloudConfig;
const unitText = (name: string) => prod.units.find((u) => u.name === name)!.content;

// What GpuNode tags its instances with (its mock test checks it really does).
const gpu0: FakeInstance = {
  address: "10.0.16.10",
  state: "running",
  tags: {
    [TAGS.stack]: "prod",
    [TAGS.node]: "gpu-0",
    [`${TAGS.servicePrefix}qwen3-32b`]: "30000 30001",
    [`${TAGS.servicePrefix}qwen25-vl-32b`]: "30002 30003",
    [`${TAGS.routerPrefix}qwen3-32b`]: "9001",
    [`${TAGS.routerPrefix}qwen25-vl-32b`]: "9002",
  },
};
const monitoringInstance: FakeInstance = { address: "10.0.16.99", state: "running", tags: { [TAGS.stack]: "prod", Name: "qwen-prod-aws-monitoring-instance" } };

describe("Prometheus' EC2 discovery finds what the plan placed", () => {
  it("prod: each SGLang replica on its worker port, each router on its metrics port, exporters per instance", () => {
    const strangers: FakeInstance[] = [
      { ...gpu0, address: "10.0.16.11", state: "stopped" },
      { ...gpu0, address: "10.9.0.1", tags: { ...gpu0.tags, [TAGS.stack]: "dev" } },
    ];
    expect(discoveredTargets(prometheusYml, [gpu0, monitoringInstance, ...strangers])).toEqual({
      "sglang-qwen3-32b": [`10.0.16.10:${PORTS.workerBase}`, "10.0.16.10:30001"],
      "sglang-router-qwen3-32b": [`10.0.16.10:${PORTS.routerMetricsBase}`],
      "sglang-qwen25-vl-32b": ["10.0.16.10:30002", "10.0.16.10:30003"],
      "sglang-router-qwen25-vl-32b": ["10.0.16.10:29001"],
      "node-exporter": [`10.0.16.10:${PORTS.nodeExporter}`, `10.0.16.99:${PORTS.nodeExporter}`],
      "dcgm-exporter": [`10.0.16.10:${PORTS.dcgmExporter}`],
    });
  });

  it("replicas on two nodes: one worker port on both, the router only where it runs, a lone replica on its service port", () => {
    const yml = renderMonitoringNode(nodeInput(crossNodeConfig())).monitoring.find((a) => a.path === PROMETHEUS_CONFIG_PATH)!.content;
    const a: FakeInstance = {
      address: "10.0.16.1",
      state: "running",
      tags: { [TAGS.stack]: "prod", [TAGS.node]: "gpu-0", [`${TAGS.servicePrefix}qwen3-32b`]: "30000", [`${TAGS.routerPrefix}qwen3-32b`]: "9001" },
    };
    const b: FakeInstance = {
      address: "10.0.16.2",
      state: "running",
      tags: { [TAGS.stack]: "prod", [TAGS.node]: "gpu-1", [`${TAGS.servicePrefix}qwen3-32b`]: "30000", [`${TAGS.servicePrefix}qwen25-vl-32b`]: "9002" },
    };
    expect(discoveredTargets(yml, [a, b, monitoringInstance])).toEqual({
      "sglang-qwen3-32b": [`10.0.16.1:${PORTS.workerBase}`, `10.0.16.2:${PORTS.workerBase}`],
      "sglang-router-qwen3-32b": [`10.0.16.1:${PORTS.routerMetricsBase}`],
      "sglang-qwen25-vl-32b": ["10.0.16.2:9002"],
      "node-exporter": [`10.0.16.1:${PORTS.nodeExporter}`, `10.0.16.2:${PORTS.nodeExporter}`, `10.0.16.99:${PORTS.nodeExporter}`],
      "dcgm-exporter": [`10.0.16.1:${PORTS.dcgmExporter}`, `10.0.16.2:${PORTS.dcgmExporter}`],
    });
  });
});

describe("the cloud-init document", () => {
  it("writes exactly the monitoring artifacts (not the rule tests), the scripts and the units, byte for byte", () => {
    const expected = [
      ...prod.monitoring.filter((a) => a.path !== ALERT_RULE_TESTS_PATH).map((a) => [`${MONITORING_NODE_PATHS.config}/${a.path.slice("monitoring/".length)}`, a.content, "0644"]),
      ...prod.scripts.map((s) => [s.path, s.content, "0755"]),
      ...prod.units.map((u) => [`${NODE_PATHS.units}/${u.name}`, u.content, "0644"]),
    ];
    expect(cloudConfig.write_files.map((f) => [f.path, f.content, f.permissions])).toEqual(expected);
    expect(cloudConfig.write_files.map((f) => f.path)).toContain("/etc/qwen-serving/monitoring/rules/sglang.rules.yml");
    expect(new Set(cloudConfig.write_files.map((f) => f.owner))).toEqual(new Set(["root:root"]));
  });

  it("installs Docker and enables only the target, without blocking cloud-init on the volume", () => {
    expect(cloudConfig.packages).toEqual(["docker.io"]);
    expect(cloudConfig.runcmd).toEqual([
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "--no-block", MONITORING_UNITS.target],
    ]);
    expect(unitText(MONITORING_UNITS.target)).toContain(
      `Wants=${MONITORING_UNITS.data} ${MONITORING_UNITS.prometheus} ${MONITORING_UNITS.alertmanager} ${MONITORING_UNITS.grafana} ${MONITORING_UNITS.nodeExporter}`,
    );
  });

  it("reaches EC2 gzipped under the 16 KiB user-data limit, and unpacks to the document", () => {
    const packed = Buffer.from(prod.userDataBase64, "base64");
    expect(packed.length).toBeLessThan(USER_DATA_LIMIT_BYTES);
    expect(gunzipSync(packed).toString("utf8")).toBe(prod.cloudInit);
    // Uncompressed it would not fit: this is why the document is gzipped.
    expect(Buffer.byteLength(prod.cloudInit)).toBeGreaterThan(USER_DATA_LIMIT_BYTES);
  });

  it("artifacts of the instance: its cloud-init, units and scripts under monitoring-node/", () => {
    expect(monitoringNodeArtifacts(prod).map((a) => [a.path, a.mode])).toEqual([
      ["monitoring-node/cloud-init.yaml", undefined],
      ...prod.units.map((u) => [`monitoring-node/units/${u.name}`, undefined]),
      ["monitoring-node/bin/mount-tsdb.sh", 0o755],
      ["monitoring-node/bin/grafana-admin-password.sh", 0o755],
    ]);
  });
});

describe("units and scripts", () => {
  it("Prometheus binds loopback only, keeps its TSDB on the volume, and retains by time and by 85% of the volume", () => {
    const exec = unitText(MONITORING_UNITS.prometheus)
      .split("\n")
      .find((l) => l.startsWith("ExecStart="))!;
    expect(exec).toContain(`--volume /etc/qwen-serving/monitoring:/etc/prometheus:ro --volume /var/lib/qwen-monitoring/prometheus:/prometheus ${IMAGES.prometheus}`);
    expect(exec.split(` ${IMAGES.prometheus} `)[1].split(" ")).toEqual([
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=30d",
      "--storage.tsdb.retention.size=85GB",
      `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
    ]);
    expect(tsdbRetentionSize(500)).toBe("425GB");
  });

  it("Grafana binds loopback without a load balancer listener and all interfaces with one; its password only as a file path", () => {
    expect(unitText(MONITORING_UNITS.grafana)).toContain("--env GF_SERVER_HTTP_ADDR=127.0.0.1 ");
    const open = renderMonitoringNode(nodeInput(prodConfig(), true));
    expect(open.units.find((u) => u.name === MONITORING_UNITS.grafana)!.content).toContain("--env GF_SERVER_HTTP_ADDR=0.0.0.0 ");
    for (const text of [prod.cloudInit, open.cloudInit]) {
      expect(text).toContain("GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password");
      expect(text).not.toMatch(/GF_SECURITY_ADMIN_PASSWORD=/);
    }
    expect(unitText(MONITORING_UNITS.grafana)).toContain(`ExecStartPre=${NODE_PATHS.bin}/grafana-admin-password.sh\n`);
  });

  it("the TSDB volume is mounted by its volume id before Prometheus and Grafana start", () => {
    expect(prod.scripts[0].content).toContain(`DEVICE='/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace("-", "")}'`);
    expect(prod.scripts[0].content).toContain("MOUNT_POINT='/var/lib/qwen-monitoring'");
    for (const u of [MONITORING_UNITS.prometheus, MONITORING_UNITS.alertmanager, MONITORING_UNITS.grafana])
      expect(unitText(u)).toMatch(new RegExp(`^Requires=docker.service ${MONITORING_UNITS.data}$`, "m"));
  });
});

describe("IAM and AMI", () => {
  it("the role may open Session Manager channels, discover EC2 instances in its region and read one parameter: nothing else", () => {
    const arn = "arn:aws:ssm:us-east-1:123456789012:parameter/qwen-serving/prod/grafana/admin-password";
    expect(monitoringPolicyDocument("us-east-1", arn).Statement).toEqual([
      {
        Sid: "SessionManager",
        Effect: "Allow",
        Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
        Resource: "*",
      },
      {
        Sid: "PrometheusEc2Discovery",
        Effect: "Allow",
        Action: ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
      },
      { Sid: "GrafanaAdminPassword", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: arn },
    ]);
  });

  it.each([
    ["m7i.large", "amd64"],
    ["t3.large", "amd64"],
    ["g6e.xlarge", "amd64"],
    ["m7g.large", "arm64"],
    ["c7gn.xlarge", "arm64"],
    ["t4g.medium", "arm64"],
  ])("%s boots the %s Ubuntu 24.04 image", (type, arch) => {
    expect(ubuntuAmiParameter(type)).toBe(`/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch}/hvm/ebs-gp3/ami-id`);
  });
});
