// The monitoring instance's alertmanager-secrets.sh, as rendered, run by bash with docker stubbed:
// each receiver's SSM SecureString lands in its own 0400 file owned by the Alertmanager image's user.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { NODE_PATHS } from "../../../components/contract";
import { renderAlertmanagerSecretsScript } from "../../../components/render/aws/monitoring-node";
import { run, tempDir } from "../../support/tools";

const PARAMETERS = [
  { receiver: "pager", parameter: "/qwen-serving/prod/alerting/pager" },
  { receiver: "chat", parameter: "/qwen-serving/prod/alerting/chat" },
];
const VALUE: Record<string, string> = { "/qwen-serving/prod/alerting/pager": "pd-key-0f1e", "/qwen-serving/prod/alerting/chat": "https://hooks.slack.com/services/T0/B0/x'y" };

/** The deployed script with its one host path moved into the sandbox; nothing else differs. */
function sandbox(opts: { failing?: string } = {}) {
  const dir = tempDir("qs-am-secrets-");
  const deployed = renderAlertmanagerSecretsScript("us-east-1", PARAMETERS);
  const from = `DIR='${NODE_PATHS.secrets}/alertmanager'`;
  expect(deployed.split("\n").filter((l) => l === from)).toHaveLength(1);
  fs.writeFileSync(path.join(dir, "secrets.sh"), deployed.replace(from, `DIR='${dir}/secrets'`), { mode: 0o755 });
  fs.mkdirSync(path.join(dir, "bin"));
  const cases = Object.entries(VALUE)
    .map(([name, value]) => `  *"--name ${name} "*) ${opts.failing === name ? "exit 255" : `printf '%s\\n' ${JSON.stringify(value)}`} ;;`)
    .join("\n");
  fs.writeFileSync(path.join(dir, "bin", "docker"), `#!/bin/bash\nprintf '%s\\n' "$*" >> "${dir}/argv"\ncase "$* " in\n${cases}\nesac\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "bin", "sleep"), "#!/bin/bash\n", { mode: 0o755 });
  return dir;
}
const runIn = (dir: string) => run("bash", [path.join(dir, "secrets.sh")], { env: { PATH: `${path.join(dir, "bin")}:/usr/bin:/bin` } });

describe("alertmanager-secrets.sh", () => {
  it("writes one file per receiver, 0400 and owned by 65534, in a 0700 folder; the values never reach an argv", async () => {
    const dir = sandbox();
    const r = await runIn(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.statSync(path.join(dir, "secrets")).mode & 0o777).toBe(0o700);
    for (const p of PARAMETERS) {
      const file = path.join(dir, "secrets", p.receiver);
      // The AWS CLI's text output ends with a newline; Alertmanager trims the *_file values.
      expect(fs.readFileSync(file, "utf8").trimEnd()).toBe(VALUE[p.parameter]);
      const st = fs.statSync(file);
      expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o400, 65534, 65534]);
    }
    const argv = fs.readFileSync(path.join(dir, "argv"), "utf8");
    expect(argv).toContain("run --rm --network host --log-driver none public.ecr.aws/aws-cli/aws-cli");
    expect(argv).toContain("ssm get-parameter --region us-east-1 --name /qwen-serving/prod/alerting/pager --with-decryption --query Parameter.Value --output text");
    for (const v of Object.values(VALUE)) expect(argv + r.stdout + r.stderr).not.toContain(v);
  });

  it("an unreadable parameter fails the start after five tries, naming the permission, and leaves no partial file", async () => {
    const dir = sandbox({ failing: "/qwen-serving/prod/alerting/chat" });
    const r = await runIn(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot read SSM parameter /qwen-serving/prod/alerting/chat: the instance role needs ssm:GetParameter on it");
    expect(fs.readdirSync(path.join(dir, "secrets")).sort()).toEqual(["pager"]);
  });
});
