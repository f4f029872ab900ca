// The docker hosts' scripts run by real programs: the run-once command (bash, with a fake `ssh` that
// runs the remote line through a real remote shell, and a fake `docker`), the SGLang health check
// (bash and a real process it restarts), and the ssh options as ssh itself reads them (`ssh -G`).
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, test } from "vitest";
import { DOCKER_LABELS, IMAGES } from "../../components/contract";
import { WEIGHTS_MARKER } from "../../components/render/scripts/weights";
import { renderHealthScript } from "../../components/docker/containers";
import { renderRunOnce, sshOptions } from "../../components/docker/run-once";
import { requireTool, run, tempDir } from "../support/tools";

/** A sandbox whose PATH has a fake docker (exit codes and outputs from files) and, for ssh://, a fake ssh running the remote line with bash. */
function sandbox() {
  const dir = tempDir("qs-run-once-");
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  const log = path.join(dir, "log");
  fs.writeFileSync(
    path.join(bin, "docker"),
    `#!/bin/bash
printf 'docker %s\\n' "$*" >> '${log}'
for a in "$@"; do
  case "$a" in
    start) exit "$(cat '${dir}/start-code' 2>/dev/null || echo 0)" ;;
    ps) cat '${dir}/used' 2>/dev/null; exit 0 ;;
    ls) ;;
  esac
done
[[ "$*" == *"bash -c ls -1 bash" ]] && cat '${dir}/present'
exit 0
`,
    { mode: 0o755 },
  );
  // ssh: options up to the destination, then "--", then one remote command line for a shell.
  fs.writeFileSync(path.join(bin, "ssh"), `#!/bin/bash\nprintf 'ssh %s\\n' "$*" >> '${log}'\nwhile [[ "$1" != "--" ]]; do shift; done\nshift\nexec bash -c "$1"\n`, { mode: 0o755 });
  const write = (name: string, content: string) => fs.writeFileSync(path.join(dir, name), content);
  const lines = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);
  const exec = (script: string, env: Record<string, string> = {}) => run("bash", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env } });
  return { dir, write, lines, exec };
}

const SSH = sshOptions(600);
const download = (endpoint: string) =>
  renderRunOnce({
    endpoint,
    host: "gpu-a",
    container: "t-weights-rev-qwen3-8b-111111111111",
    what: "the weights download of huggingface:Qwen/Qwen3-8B@b968",
    sshOptions: SSH,
    prune: { root: "/data/models", prefix: "rev-qwen3-8b-", keep: "rev-qwen3-8b-111111111111", image: IMAGES.sglang },
  });

describe("docker-run-once.sh", () => {
  test("ssh://user@host:port: one ssh call per docker command, with the shared-connection options and the port; the remote line survives quoting", async () => {
    requireTool("bash");
    const s = sandbox();
    const r = await s.exec(download("ssh://ops@10.1.0.5:2222"));
    expect(r.code, r.stderr).toBe(0);
    const lines = s.lines();
    const at = lines.indexOf(`ssh ${SSH.join(" ")} -p 2222 ops@10.1.0.5 -- docker start --attach t-weights-rev-qwen3-8b-111111111111 `);
    expect(at, lines.join("\n")).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe("docker start --attach t-weights-rev-qwen3-8b-111111111111");
    // The Go template of the prune's `docker ps` reaches the remote docker intact through ssh's one line.
    expect(lines).toContain(`docker ps --all --filter label=${DOCKER_LABELS.weightsDir} --format {{.Label "${DOCKER_LABELS.weightsDir}"}}`);
    expect(lines.filter((l) => l.startsWith("ssh ")).every((l) => l.startsWith(`ssh ${SSH.join(" ")} -p 2222 ops@10.1.0.5 -- `))).toBe(true);
  });

  test("a failed download fails with the container's code, says why, where the logs are and that the next up retries by itself", async () => {
    const s = sandbox();
    s.write("start-code", "3");
    const r = await s.exec(download("ssh://ops@10.1.0.5"));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "the weights download of huggingface:Qwen/Qwen3-8B@b968 on host gpu-a exited 3: the hub kept failing after every retry (network, token, rate limit). Nothing that serves was changed.",
    );
    expect(r.stderr).toContain("docker logs t-weights-rev-qwen3-8b-111111111111");
    expect(r.stderr).toContain("retry: run 'pulumi up' again once the cause is fixed; it runs t-weights-rev-qwen3-8b-111111111111 again by itself");
    // The prune (nothing to remove here) comes before the start; nothing after the failure.
    expect(
      s
        .lines()
        .filter((l) => l.startsWith("docker "))
        .map((l) => l.split(" ")[1]),
    ).toEqual(["inspect", "ps", "run", "start"]);
  });

  test("before a download, removes the model's other revision folders that no container mounts, and only those: a host keeps at most two", async () => {
    const s = sandbox();
    s.write("present", ["rev-qwen3-8b-111111111111", "rev-qwen3-8b-222222222222", "rev-qwen3-8b-333333333333", "rev-other-444444444444", "Qwen"].join("\n"));
    // 222... is what the running server still reads (its label); the other model's folder is not ours to judge.
    s.write("used", "rev-qwen3-8b-222222222222\nrev-qwen3-8b-111111111111\n");
    const r = await s.exec(download("unix:///var/run/docker.sock"));
    expect(r.code, r.stderr).toBe(0);
    const rm = s.lines().find((l) => l.includes(" rm -rf "))!;
    expect(rm).toBe(
      `docker -H unix:///var/run/docker.sock run --rm --network none -e NVIDIA_VISIBLE_DEVICES=void -v /data/models:/cache -w /cache ${IMAGES.sglang} bash -c rm -rf -- "$@" bash rev-qwen3-8b-333333333333`,
    );
    expect(s.lines().indexOf(rm)).toBeLessThan(s.lines().findIndex((l) => l.includes(" start --attach ")));
  });

  test("tcp://: TLS material from the environment goes to files only for the run, never to argv", async () => {
    const s = sandbox();
    const r = await s.exec(renderRunOnce({ endpoint: "tcp://10.1.0.6:2376", host: "gpu-b", container: "t-router-install", what: "the router-install container", sshOptions: SSH }), {
      QWEN_DOCKER_TLS_CA: "CA-PEM",
      QWEN_DOCKER_TLS_CERT: "CERT-PEM",
      QWEN_DOCKER_TLS_KEY: "KEY-PEM",
    });
    expect(r.code, r.stderr).toBe(0);
    const [line] = s.lines();
    expect(line).toMatch(/^docker -H tcp:\/\/10\.1\.0\.6:2376 --tlsverify --tlscacert (\S+)\/ca\.pem --tlscert \1\/cert\.pem --tlskey \1\/key\.pem start --attach t-router-install$/);
    expect(line).not.toMatch(/PEM/);
    expect(fs.existsSync(/--tlscacert (\S+)\/ca\.pem/.exec(line)![1])).toBe(false);
  });
});

/**
 * A docker host in a folder: the fake docker runs `docker run -v <models>:/cache` commands for real
 * with <models> as their working directory, lists the containers in `ids` and their mount sources in
 * `mounts`, and its `start` runs `download.sh` (the download container) against the revision folder;
 * for ssh:// a fake ssh runs the remote line with bash.
 */
function hostSandbox(endpoint = "unix:///var/run/docker.sock") {
  const dir = tempDir("qs-run-once-host-");
  const models = path.join(dir, "models");
  const bin = path.join(dir, "bin");
  fs.mkdirSync(models);
  fs.mkdirSync(bin);
  const log = path.join(dir, "log");
  fs.writeFileSync(
    path.join(bin, "docker"),
    `#!/bin/bash
printf 'docker %s\\n' "$*" >> '${log}'
[[ "$1" == -H ]] && shift 2
case "$1" in
  ps) [[ "$*" != *--quiet* ]] || [[ ! -e '${dir}/ps-fails' ]] || exit 1; [[ "$*" == *--quiet* ]] && cat '${dir}/ids' 2>/dev/null; exit 0 ;;
  inspect) if [[ "$3" == *Labels* ]]; then echo "huggingface:Qwen/Qwen3-8B@b968"; else cat '${dir}/mounts'; fi; exit 0 ;;
  start) exec bash '${dir}/download.sh' ;;
  run) shift
    while [[ "$1" == -* ]]; do case "$1" in --rm) shift ;; -v) vol=\${2%%:*}; shift 2 ;; *) shift 2 ;; esac; done
    shift
    cd "$vol" && exec "$@" ;;
esac
`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(bin, "ssh"), `#!/bin/bash\nwhile [[ "$1" != "--" ]]; do shift; done\nshift\nexec bash -c "$1"\n`, { mode: 0o755 });
  const keep = "rev-qwen3-8b-111111111111";
  const legacy = path.join(models, "Qwen", "Qwen3-8B");
  const kept = path.join(models, keep, "Qwen", "Qwen3-8B");
  const shard = "model-00001-of-00001.safetensors";
  /** The folder the project wrote before revision folders, with or without its marker. */
  const fillLegacy = (marker: boolean) => {
    fs.mkdirSync(path.join(legacy, ".partial"), { recursive: true });
    fs.writeFileSync(path.join(legacy, shard), "weights");
    fs.writeFileSync(path.join(legacy, ".partial", "stale"), "x");
    if (marker) fs.writeFileSync(path.join(legacy, WEIGHTS_MARKER), "source=huggingface\nrepo=Qwen/Qwen3-8B\nrevision=b968\n");
  };
  // The download: records what the revision folder held when it started, then completes it (or fails).
  const download = (code: number) => fs.writeFileSync(path.join(dir, "download.sh"), `mkdir -p '${kept}'; ls -A '${kept}' > '${dir}/found'; touch '${kept}/${WEIGHTS_MARKER}'; exit ${code}\n`);
  const script = renderRunOnce({
    endpoint,
    host: "gpu-a",
    container: `t-weights-${keep}`,
    what: "the weights download of huggingface:Qwen/Qwen3-8B@b968",
    sshOptions: SSH,
    prune: { root: models, prefix: "rev-qwen3-8b-", keep, image: IMAGES.sglang },
  });
  const exec = () => run("bash", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` } });
  const found = () => fs.readFileSync(path.join(dir, "found"), "utf8").trim().split("\n").filter(Boolean).sort();
  const write = (name: string, content: string) => fs.writeFileSync(path.join(dir, name), content);
  return { models, legacy, kept, shard, fillLegacy, download, exec, found, write };
}

type Sandbox = ReturnType<typeof hostSandbox>;

describe("docker-run-once.sh and the model's legacy folder (<models>/<org>/<name>/, from before revision folders)", () => {
  test("hard-linked into the new revision folder before the download (no copy, no .partial), removed after it when no container mounts it", async () => {
    const h = hostSandbox("ssh://ops@10.1.0.5");
    h.fillLegacy(true);
    h.download(0);
    h.write("ids", "aaa\nbbb\n");
    h.write("mounts", `${h.models}/rev-qwen3-8b-111111111111\n/etc/qwen-serving\n`);
    const inode = fs.statSync(path.join(h.legacy, h.shard)).ino;
    const r = await h.exec();
    expect(r.code, r.stderr).toBe(0);
    expect(h.found()).toEqual([WEIGHTS_MARKER, h.shard]);
    expect(fs.statSync(path.join(h.kept, h.shard)).ino).toBe(inode);
    expect(r.stderr).toContain("hard-linked the legacy folder Qwen/Qwen3-8B into rev-qwen3-8b-111111111111 on gpu-a");
    expect(r.stderr).toContain(`removing the legacy folder ${h.legacy} on gpu-a: no container mounts it`);
    expect(fs.readdirSync(h.models)).toEqual(["rev-qwen3-8b-111111111111"]);
    expect(fs.readFileSync(path.join(h.kept, h.shard), "utf8")).toBe("weights");
  });

  test("stays while a container mounts it or the models folder above it (a server of the previous project version)", async () => {
    for (const mount of [(h: Sandbox) => h.models, (h: Sandbox) => `${h.legacy}/`, (h: Sandbox) => path.join(h.legacy, "sub")]) {
      const h = hostSandbox();
      h.fillLegacy(true);
      h.download(0);
      h.write("ids", "aaa\n");
      h.write("mounts", `${mount(h)}\n`);
      const r = await h.exec();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`the legacy folder ${h.legacy} stays on gpu-a: a container mounts`);
      expect(fs.readFileSync(path.join(h.legacy, h.shard), "utf8")).toBe("weights");
      expect(fs.existsSync(path.join(h.legacy, WEIGHTS_MARKER))).toBe(true);
    }
  });

  test("stays after a failed download, and when the containers' mounts cannot be listed", async () => {
    const h = hostSandbox();
    h.fillLegacy(true);
    h.download(3);
    expect((await h.exec()).code).toBe(3);
    expect(fs.existsSync(path.join(h.legacy, WEIGHTS_MARKER))).toBe(true);
    h.download(0);
    h.write("ps-fails", "");
    const r = await h.exec();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`could not list the mounts of the containers on gpu-a; the legacy folder ${h.legacy} stays`);
    expect(fs.existsSync(path.join(h.legacy, WEIGHTS_MARKER))).toBe(true);
  });

  test("without the marker (an unfinished legacy download) it is neither linked nor removed", async () => {
    const h = hostSandbox();
    h.fillLegacy(false);
    h.download(0);
    const r = await h.exec();
    expect(r.code, r.stderr).toBe(0);
    expect(h.found()).toEqual([]);
    expect(fs.readdirSync(h.legacy).sort()).toEqual([".partial", h.shard]);
    expect(r.stderr).not.toContain("legacy");
  });
});

describe("the ssh options, as ssh reads them", () => {
  test("ssh -G: batch mode, keep-alives and one shared master connection per user, host and port, kept 10 minutes", async () => {
    const r = await run(requireTool("ssh"), ["-G", ...SSH, "-p", "2222", "ops@10.1.0.5"], { env: { HOME: tempDir("qs-ssh-home-"), PATH: process.env.PATH } });
    expect(r.code, r.stderr).toBe(0);
    const conf = Object.fromEntries(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]),
    );
    expect(conf).toMatchObject({ batchmode: "yes", serveraliveinterval: "30", controlmaster: "auto", controlpersist: "600", port: "2222" });
    expect(conf.controlpath).toMatch(/\/\.ssh\/qwen-serving-[0-9a-f]{40}$/);
    expect(sshOptions(0)).not.toContain("ControlMaster=auto");
  });
});

describe("sglang-health.sh", () => {
  function healthSandbox() {
    const dir = tempDir("qs-health-");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // curl: succeeds while the file 'up' exists.
    fs.writeFileSync(path.join(bin, "curl"), `#!/bin/bash\n[[ -e '${dir}/up' ]]\n`, { mode: 0o755 });
    const script = path.join(dir, "health.sh");
    fs.writeFileSync(script, renderHealthScript());
    // The "server": a process the check may restart (stands in for PID 1, docker-init).
    const server = spawn("sleep", ["60"], { stdio: "ignore" });
    const check = () => run("bash", [script, "9001"], { env: { PATH: `${bin}:/usr/bin:/bin`, QWEN_HEALTH_STATE: path.join(dir, "state"), QWEN_HEALTH_PID: String(server.pid) } });
    const up = (yes: boolean) => (yes ? fs.writeFileSync(path.join(dir, "up"), "") : fs.rmSync(path.join(dir, "up"), { force: true }));
    return { server, check, up };
  }

  test("a server that never answered is not restarted (still loading: Docker's start period covers it)", async () => {
    const h = healthSandbox();
    for (let i = 0; i < 12; i++) expect((await h.check()).code).toBe(1);
    expect(h.server.exitCode === null && h.server.signalCode === null).toBe(true);
    h.server.kill();
  });

  test("after answering once, 10 failures in a row restart it (SIGTERM); a success in between starts the count again", async () => {
    const h = healthSandbox();
    h.up(true);
    expect((await h.check()).code).toBe(0);
    h.up(false);
    for (let i = 0; i < 9; i++) expect((await h.check()).code).toBe(1);
    h.up(true);
    expect((await h.check()).code).toBe(0);
    h.up(false);
    for (let i = 0; i < 9; i++) await h.check();
    expect(h.server.signalCode).toBeNull();
    const last = await h.check();
    expect(last.stderr).toContain("/health_generate failed 10 times in a row; restarting the server");
    await new Promise((r) => setTimeout(r, 200));
    expect(h.server.signalCode).toBe("SIGTERM");
  });
});
