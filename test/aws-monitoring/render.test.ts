// The monitoring instance as rendered (pure), checked by the tools that consume it: cloud-init
// schema, shellcheck, systemd-analyze verify, promtool, and bash running the password script in a
// sandbox. Plus which targets Prometheus' EC2 discovery would find for the planned layout.
import * as fs from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { USER_DATA_LIMIT } from "../../components/render/cloud-init";
import { ALERT_RULE_TESTS_PATH, PROMETHEUS_CONFIG_PATH } from "../../components/render/monitoring";
import {
  MONITORING_NODE_PATHS,
  MONITORING_UNITS,
  monitoringNodeArtifacts,
  monitoringPolicyDocument,
  renderGrafanaPasswordScript,
  renderMonitoringNode,
  tsdbRetentionSize,
  ubuntuAmiParameter,
} from "../../components/render/monitoring-node";
import { requireTool, run, shellcheck, systemdVerify, tempDir, writeTree } from "../support/tools";
import { writeArtifacts } from "../monitoring/helpers";
import { FakeInstance, discoveredTargets } from "./ec2-discovery";
import { PASSWORD_PARAMETER, VOLUME_ID, crossNodeConfig, nodeInput, prodConfig } from "./fixtures";

const prod = renderMonitoringNode(nodeInput(prodConfig()));
const prometheusYml = prod.monitoring.find((a) => a.path === PROMETHEUS_CONFIG_PATH)!.content;
type CloudConfig = { write_files: { path: string; owner: string; permissions: string; content: string }[]; runcmd: string[][]; packages: string[] };
const cloudConfig = parse(prod.cloudInit) as CloudConfig;
const unitText = (name: string) => prod.units.find((u) => u.name === name)!.content;

// What GpuNode tags its instances with (its mock test checks it really does).
const gpu0: FakeInstance = {
  address: "10.0.16.10",
  state: "running",
  tags: { "qwen-serving:stack": "prod", "qwen-serving:node": "gpu-0", "qwen-serving:sglang:qwen3-32b": "30000 30001", "qwen-serving:sglang:qwen25-vl-32b": "30002 30003", "qwen-serving:router:qwen3-32b": "9001", "qwen-serving:router:qwen25-vl-32b": "9002" },
};
const monitoringInstance: FakeInstance = { address: "10.0.16.99", state: "running", tags: { "qwen-serving:stack": "prod", Name: "qwen-prod-aws-monitoring-instance" } };

describe("Prometheus' EC2 discovery finds what the plan placed", () => {
  it("prod: each SGLang replica on its worker port, each router on its metrics port, exporters per instance", () => {
    const strangers: FakeInstance[] = [
      { ...gpu0, address: "10.0.16.11", state: "stopped" },
      { ...gpu0, address: "10.9.0.1", tags: { ...gpu0.tags, "qwen-serving:stack": "dev" } },
    ];
    expect(discoveredTargets(prometheusYml, [gpu0, monitoringInstance, ...strangers])).toEqual({
      "sglang-qwen3-32b": ["10.0.16.10:30000", "10.0.16.10:30001"],
      "sglang-router-qwen3-32b": ["10.0.16.10:29000"],
      "sglang-qwen25-vl-32b": ["10.0.16.10:30002", "10.0.16.10:30003"],
      "sglang-router-qwen25-vl-32b": ["10.0.16.10:29001"],
      "node-exporter": ["10.0.16.10:9100", "10.0.16.99:9100"],
      "dcgm-exporter": ["10.0.16.10:9400"],
    });
  });

  it("replicas on two nodes: one worker port on both, the router only where it runs, a lone replica on its service port", () => {
    const yml = renderMonitoringNode(nodeInput(crossNodeConfig())).monitoring.find((a) => a.path === PROMETHEUS_CONFIG_PATH)!.content;
    const a: FakeInstance = { address: "10.0.16.1", state: "running", tags: { "qwen-serving:stack": "prod", "qwen-serving:node": "gpu-0", "qwen-serving:sglang:qwen3-32b": "30000", "qwen-serving:router:qwen3-32b": "9001" } };
    const b: FakeInstance = { address: "10.0.16.2", state: "running", tags: { "qwen-serving:stack": "prod", "qwen-serving:node": "gpu-1", "qwen-serving:sglang:qwen3-32b": "30000", "qwen-serving:sglang:qwen25-vl-32b": "9002" } };
    expect(discoveredTargets(yml, [a, b, monitoringInstance])).toEqual({
      "sglang-qwen3-32b": ["10.0.16.1:30000", "10.0.16.2:30000"],
      "sglang-router-qwen3-32b": ["10.0.16.1:29000"],
      "sglang-qwen25-vl-32b": ["10.0.16.2:9002"],
      "node-exporter": ["10.0.16.1:9100", "10.0.16.2:9100", "10.0.16.99:9100"],
      "dcgm-exporter": ["10.0.16.1:9400", "10.0.16.2:9400"],
    });
  });

  it("promtool accepts the config and its rules", async () => {
    const dir = writeArtifacts(prod.monitoring);
    const r = await run(requireTool("promtool"), ["check", "config", path.join(dir, PROMETHEUS_CONFIG_PATH)]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe("the cloud-init document", () => {
  it("passes cloud-init's schema, which does reject a wrong type in it", async () => {
    const dir = tempDir("qs-mon-ci-");
    const good = path.join(dir, "good.yaml");
    fs.writeFileSync(good, prod.cloudInit);
    const ok = await run(requireTool("cloud-init"), ["schema", "--config-file", good]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain("Valid cloud-config");

    const broken = parse(prod.cloudInit);
    broken.write_files[0].permissions = 644;
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, `#cloud-config\n${stringify(broken)}`);
    const r = await run("cloud-init", ["schema", "--config-file", bad]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("write_files.0.permissions");
  });

  it("writes exactly the monitoring artifacts (not the rule tests), the scripts and the units, byte for byte", () => {
    const expected = [
      ...prod.monitoring.filter((a) => a.path !== ALERT_RULE_TESTS_PATH).map((a) => [`${MONITORING_NODE_PATHS.config}/${a.path.slice("monitoring/".length)}`, a.content, "0644"]),
      ...prod.scripts.map((s) => [s.path, s.content, "0755"]),
      ...prod.units.map((u) => [`/etc/systemd/system/${u.name}`, u.content, "0644"]),
    ];
    expect(cloudConfig.write_files.map((f) => [f.path, f.content, f.permissions])).toEqual(expected);
    expect(cloudConfig.write_files.map((f) => f.path)).toContain("/etc/qwen-serving/monitoring/rules/sglang.rules.yml");
    expect(new Set(cloudConfig.write_files.map((f) => f.owner))).toEqual(new Set(["root:root"]));
  });

  it("installs Docker and enables only the target, without blocking cloud-init on the volume", () => {
    expect(cloudConfig.packages).toEqual(["docker.io"]);
    expect(cloudConfig.runcmd).toEqual([["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "--no-block", MONITORING_UNITS.target]]);
    expect(unitText(MONITORING_UNITS.target)).toContain(`Wants=${MONITORING_UNITS.data} ${MONITORING_UNITS.prometheus} ${MONITORING_UNITS.grafana} ${MONITORING_UNITS.nodeExporter}`);
  });

  it("reaches EC2 gzipped under the 16 KiB user-data limit, and unpacks to the document", () => {
    const packed = Buffer.from(prod.userDataBase64, "base64");
    expect(packed.length).toBeLessThan(USER_DATA_LIMIT);
    expect(gunzipSync(packed).toString("utf8")).toBe(prod.cloudInit);
    // Uncompressed it would not fit: this is why the document is gzipped.
    expect(Buffer.byteLength(prod.cloudInit)).toBeGreaterThan(USER_DATA_LIMIT);
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
  it("scripts are shellcheck-clean", async () => {
    const dir = tempDir("qs-mon-sh-");
    writeTree(dir, prod.scripts);
    expect(await shellcheck(prod.scripts.map((s) => path.join(dir, s.path)))).toBe("");
  });

  it("units pass systemd-analyze verify", async () => {
    // The unit Ubuntu's docker.io package installs, which the sandbox root lacks.
    const dockerUnit = { path: "/usr/lib/systemd/system/docker.service", content: "[Unit]\nDescription=Docker\n\n[Service]\nExecStart=/usr/bin/dockerd\n" };
    expect(await systemdVerify(prod.units, [...prod.scripts, dockerUnit], ["/usr/bin/docker", "/usr/bin/dockerd", "/usr/bin/install"])).toBe("");
  });

  it("Prometheus binds loopback only, keeps its TSDB on the volume, and retains by time and by 85% of the volume", () => {
    const exec = unitText(MONITORING_UNITS.prometheus).split("\n").find((l) => l.startsWith("ExecStart="))!;
    expect(exec).toContain("--volume /etc/qwen-serving/monitoring:/etc/prometheus:ro --volume /var/lib/qwen-monitoring/prometheus:/prometheus prom/prometheus:v3.5.0");
    expect(exec.split(" prom/prometheus:v3.5.0 ")[1].split(" ")).toEqual([
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=30d",
      "--storage.tsdb.retention.size=85GB",
      "--web.listen-address=127.0.0.1:9090",
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
    expect(unitText(MONITORING_UNITS.grafana)).toContain("ExecStartPre=/opt/qwen-serving/bin/grafana-admin-password.sh\n");
  });

  it("the TSDB volume is mounted by its volume id before Prometheus and Grafana start", () => {
    expect(prod.scripts[0].content).toContain(`DEVICE='/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace("-", "")}'`);
    expect(prod.scripts[0].content).toContain("MOUNT_POINT='/var/lib/qwen-monitoring'");
    for (const u of [MONITORING_UNITS.prometheus, MONITORING_UNITS.grafana]) expect(unitText(u)).toMatch(new RegExp(`^Requires=docker.service ${MONITORING_UNITS.data}$`, "m"));
  });
});

describe("Grafana's admin password script, run by bash with docker stubbed", () => {
  const PASSWORD = "s3cret pass'word";
  // The deployed script with its two host paths moved into the sandbox; nothing else differs.
  function sandbox(opts: { ssmFails?: boolean; existingDb?: boolean }) {
    const dir = tempDir("qs-mon-pw-");
    const deployed = renderGrafanaPasswordScript({ region: "us-east-1", parameter: PASSWORD_PARAMETER, grafanaImage: "grafana/grafana:12.1.1" });
    const swapped = deployed
      .replace("FILE='/run/qwen-serving/secrets/grafana-admin-password'", `FILE='${dir}/secrets/grafana-admin-password'`)
      .replace("DATA='/var/lib/qwen-monitoring/grafana'", `DATA='${dir}/grafana'`);
    expect(swapped.split("\n").filter((l, i) => l !== deployed.split("\n")[i])).toHaveLength(2);
    fs.mkdirSync(path.join(dir, "bin"));
    fs.mkdirSync(path.join(dir, "grafana"));
    if (opts.existingDb) fs.writeFileSync(path.join(dir, "grafana", "grafana.db"), "");
    fs.writeFileSync(path.join(dir, "pw.sh"), swapped, { mode: 0o755 });
    fs.writeFileSync(
      path.join(dir, "bin", "docker"),
      `#!/bin/bash
printf '%s\\n' "$*" >> "${dir}/argv"
case "$*" in
  *"ssm get-parameter"*) ${opts.ssmFails ? "exit 255" : `printf '%s\\n' ${JSON.stringify(PASSWORD)}`} ;;
  *"reset-admin-password --password-from-stdin"*) cat > "${dir}/stdin" ;;
esac
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(dir, "bin", "sleep"), "#!/bin/bash\n", { mode: 0o755 });
    return dir;
  }
  const runIn = (dir: string) => run("bash", [path.join(dir, "pw.sh")], { env: { PATH: `${path.join(dir, "bin")}:/usr/bin:/bin` } });

  it("first boot: the password lands in a 0440 file, never in an argv", async () => {
    const dir = sandbox({});
    const r = await runIn(dir);
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(dir, "secrets", "grafana-admin-password");
    expect(fs.readFileSync(file, "utf8")).toBe(PASSWORD);
    expect(fs.statSync(file).mode & 0o777).toBe(0o440);
    const argv = fs.readFileSync(path.join(dir, "argv"), "utf8");
    expect(argv).toContain(`ssm get-parameter --region us-east-1 --name ${PASSWORD_PARAMETER} --with-decryption`);
    expect(argv).not.toContain("reset-admin-password");
    expect(argv + r.stdout + r.stderr).not.toContain("s3cret");
  });

  it("an existing database gets the password through stdin of grafana cli", async () => {
    const dir = sandbox({ existingDb: true });
    const r = await runIn(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "stdin"), "utf8")).toBe(PASSWORD);
    const argv = fs.readFileSync(path.join(dir, "argv"), "utf8");
    expect(argv).toContain(`run --rm -i --network none --user 472:0 --entrypoint grafana --volume ${dir}/grafana:/var/lib/grafana grafana/grafana:12.1.1 cli --homepath /usr/share/grafana admin reset-admin-password --password-from-stdin`);
    expect(argv).not.toContain("s3cret");
  });

  it("an unreadable parameter fails the start after five tries, naming the permission", async () => {
    const dir = sandbox({ ssmFails: true });
    const r = await runIn(dir);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(path.join(dir, "argv"), "utf8").trim().split("\n")).toHaveLength(5);
    expect(r.stderr).toContain(`cannot read SSM parameter ${PASSWORD_PARAMETER}: the instance role needs ssm:GetParameter on it`);
    expect(fs.existsSync(path.join(dir, "secrets", "grafana-admin-password"))).toBe(false);
  });
});

describe("IAM and AMI", () => {
  it("the role may open Session Manager channels, discover EC2 instances in its region and read one parameter: nothing else", () => {
    const arn = "arn:aws:ssm:us-east-1:123456789012:parameter/qwen-serving/prod/grafana/admin-password";
    expect(monitoringPolicyDocument("us-east-1", arn).Statement).toEqual([
      { Sid: "SessionManager", Effect: "Allow", Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], Resource: "*" },
      { Sid: "PrometheusEc2Discovery", Effect: "Allow", Action: ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"], Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } } },
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
