// The monitoring instance's rendered files, checked by the tools that consume them: cloud-init
// schema, shellcheck, systemd-analyze verify, promtool, and bash running the password script in a
// sandbox. What they contain is asserted in render.test.ts.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { PROMETHEUS_CONFIG_PATH } from "../../../components/render/monitoring";
import { renderGrafanaPasswordScript, renderMonitoringNode } from "../../../components/render/aws/monitoring-node";
import { requireTool, run, shellcheck, systemdVerify, tempDir, writeArtifactsToTemp, writeTree } from "../../support/tools";
import { PASSWORD_PARAMETER, nodeInput, prodConfig } from "./fixtures";
import { IMAGES, NODE_PATHS } from "../../../components/contract";

const prod = renderMonitoringNode(nodeInput(prodConfig()));

describe("Prometheus' EC2 discovery finds what the plan placed", () => {
  it("promtool accepts the config and its rules", async () => {
    const dir = writeArtifactsToTemp(prod.monitoring);
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
});

describe("Grafana's admin password script, run by bash with docker stubbed", () => {
  const PASSWORD = "s3cret pass'word";
  // The deployed script with its two host paths moved into the sandbox; nothing else differs.
  function sandbox(opts: { ssmFails?: boolean; existingDb?: boolean }) {
    const dir = tempDir("qs-mon-pw-");
    const deployed = renderGrafanaPasswordScript({ region: "us-east-1", parameter: PASSWORD_PARAMETER, grafanaImage: IMAGES.grafana });
    const swapped = deployed
      .replace(`FILE='${NODE_PATHS.secrets}/grafana-admin-password'`, `FILE='${dir}/secrets/grafana-admin-password'`)
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
    expect(argv).toContain(
      `run --rm -i --network none --user 472:0 --entrypoint grafana --volume ${dir}/grafana:/var/lib/grafana ${IMAGES.grafana} cli --homepath /usr/share/grafana admin reset-admin-password --password-from-stdin`,
    );
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
