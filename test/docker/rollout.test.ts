// Issue 16, items 6-7 on docker: a download per model revision in its own folder, servers that wait
// for their revision's download through its run command only (never through its outputs), and stops
// that wait for the longest generation. Layout (pure) and the registered resources (mocks).
import { beforeAll, describe, expect, test } from "vitest";
import { DOCKER_LABELS } from "../../components/contract";
import { ContainerSpec } from "../../components/docker/containers";
import { SecretsPresent, dockerLayout } from "../../components/docker/layout";
import { planDeployment } from "../../components/sglang/planner";
import { RecordedResource, installMocks, settle, valueOf } from "../../infra/mocks";
import { runProgram } from "../../infra/program";
import { dockerConfig, engineConfig } from "./helpers";

const SECRETS: SecretsPresent = { hfToken: false, modelscopeToken: false, grafanaAdminPassword: true, dockerTls: false, apiKeys: [] };
const OLD = "b968826d9c46dd6066d109eabc6255188de91218";
const NEW = "0123456789abcdef0123456789abcdef01234567";
const service = (revision: string) => ({ name: "qwen3-8b", model: "Qwen/Qwen3-8B", weights: { source: "huggingface" as const, revision }, port: 9001 });
const layoutAt = (revision: string, proxy: Record<string, unknown> = {}) => {
  const c = dockerConfig({ services: [service(revision)], proxy });
  return dockerLayout(planDeployment("t", c), c, SECRETS).hosts[0].containers;
};
const role = (cs: readonly ContainerSpec[], r: ContainerSpec["role"]) => cs.filter((c) => c.role === r);

describe("a new weights revision on a docker host (layout)", () => {
  const [before, after] = [layoutAt(OLD), layoutAt(NEW)];
  const [w0, w1] = [role(before, "weights")[0], role(after, "weights")[0]];
  const [s0, s1] = [role(before, "sglang")[0], role(after, "sglang")[0]];

  test("is a new download container (another key and name), not a replacement of the old one", () => {
    expect(w1.key).not.toBe(w0.key);
    expect(w1.name).not.toBe(w0.name);
    expect(w1.binds[0].hostPath).not.toBe(w0.binds[0].hostPath);
    expect(w1.binds[0].hostPath).toMatch(/^\/models\/rev-qwen3-8b-[0-9a-f]{12}$/);
  });

  test("the server moves to the new folder and waits for the new download; its argv is unchanged", () => {
    expect(s1.after).toBe(w1.key);
    expect(s1.binds[0].hostPath).toBe(w1.binds[0].hostPath);
    expect(s1.labels[DOCKER_LABELS.weightsDir]).toBe(w1.labels[DOCKER_LABELS.weightsDir]);
    expect(s1.command).toEqual(s0.command);
  });

  test("servers, routers and the front proxy stop with the longest generation as grace (proxy.maxGenerationSeconds)", () => {
    expect(s0.stopGraceSec).toBe(900);
    expect(role(layoutAt(OLD, { maxGenerationSeconds: 2400 }), "sglang")[0].stopGraceSec).toBe(2400);
    // The front proxy too: its streams are the same requests.
    expect(role(layoutAt(OLD, { maxGenerationSeconds: 2400 }), "proxy")[0].stopGraceSec).toBe(2400);
  });
});

describe("shared memory and GPUs", () => {
  test("no container asks for host IPC and a /dev/shm size at once (host IPC would ignore the size); SGLang gets private IPC and the size", () => {
    const c = dockerConfig({
      hosts: [
        { name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2 },
        { name: "gpu-b", dockerHost: "ssh://ops@10.1.0.6", gpu: "h20", gpuCount: 2 },
      ],
      services: [{ ...service(OLD), tp: 1, replicas: 2 }],
    });
    const all = dockerLayout(planDeployment("t", c), c, SECRETS).hosts.flatMap((h) => h.containers);
    for (const x of all) expect(x.hostIpc && x.shmSizeMiB !== undefined, x.name).toBe(false);
    expect(role(all, "sglang").map((x) => [x.hostIpc, x.shmSizeMiB])).toEqual([
      [false, 32768],
      [false, 32768],
    ]);
  });

  test("GPUs by index by default, by UUID when the host lists one per GPU; a wrong list is refused", () => {
    const uuids = ["GPU-3a23c669-1f69-c64e-cf85-44e9b07e7a2a", "GPU-4b34d77a-2a7a-d75f-d096-55fa08f8f8fb"];
    expect(role(layoutAt(OLD), "sglang")[0].gpus).toEqual(["0"]);
    const byUuid = dockerConfig({ hosts: [{ name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2, gpuUuids: uuids }], services: [service(OLD)] });
    expect(role(dockerLayout(planDeployment("t", byUuid), byUuid, SECRETS).hosts[0].containers, "sglang")[0].gpus).toEqual([uuids[0]]);
    const short = dockerConfig({ hosts: [{ name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5", gpu: "h20", gpuCount: 2, gpuUuids: [uuids[0]] }], services: [service(OLD)] });
    expect(() => dockerLayout(planDeployment("t", short), short, SECRETS)).toThrow(/hosts\[0\]\.gpuUuids: got 1; must list one UUID per GPU, 2 on 'gpu-a'/);
  });
});

describe("the registered resources (mocks)", () => {
  let recorded: RecordedResource[];
  beforeAll(async () => {
    recorded = installMocks({
      project: "qwen-serving",
      stack: "roll",
      config: engineConfig({
        platform: "docker",
        hosts: [{ name: "gpu-a", dockerHost: "ssh://ops@10.1.0.5:2222", gpu: "h20", gpuCount: 2, gpuUuids: ["GPU-3a23c669-1f69-c64e-cf85-44e9b07e7a2a", "GPU-4b34d77a-2a7a-d75f-d096-55fa08f8f8fb"] }],
        services: [service(OLD)],
        proxy: { maxGenerationSeconds: 1800 },
        docker: { logs: { maxSizeMiB: 50, maxFiles: 3 } },
        monitoring: { enabled: false },
      }),
      secretKeys: [],
    });
    const { serving } = runProgram();
    await valueOf(serving.endpoints);
    await settle();
  });
  const containers = () => recorded.filter((r) => r.type === "docker:index/container:Container");
  const byRole = (r: string) => containers().find((c) => (c.inputs.labels as { label: string; value: string }[]).some((l) => l.label === DOCKER_LABELS.role && l.value === r))!;

  test("the download container is created stopped; a command starts it attached and is what the server depends on", () => {
    const download = byRole("weights");
    expect(download.inputs).toMatchObject({ start: false, mustRun: false });
    const run = recorded.find((r) => r.type === "command:local:Command")!;
    expect(run.name).toBe(`${download.name}-run`);
    expect(run.inputs.interpreter).toEqual(["/bin/bash", "-c"]);
    expect(String(run.inputs.create)).toContain(`CONTAINER='${download.inputs.name}'`);
    // A replaced download container (new token, script or image) runs again.
    expect(run.propertyDependencies.triggers).toEqual([download.urn]);
    const server = byRole("sglang");
    expect(server.dependencies).toContain(run.urn);
    // ...but no input of the server comes from the download or its run: replacing them never replaces the server.
    for (const [prop, urns] of Object.entries(server.propertyDependencies)) expect(urns, prop).not.toEqual(expect.arrayContaining([download.urn]));
    for (const urns of Object.values(server.propertyDependencies)) expect(urns).not.toContain(run.urn);
    expect(server.deleteBeforeReplace).toBe(true);
  });

  test("a stop waits for the longest generation: stopTimeout and destroyGraceSeconds", () => {
    expect(byRole("sglang").inputs).toMatchObject({ stopTimeout: 1800, destroyGraceSeconds: 1800, init: true });
  });

  test("every container rotates its log", () => {
    expect(containers().length).toBeGreaterThanOrEqual(3);
    for (const c of containers()) expect([c.inputs.logDriver, c.inputs.logOpts], c.name).toEqual(["json-file", { "max-size": "50m", "max-file": "3" }]);
  });

  test("GPUs by UUID when the host lists them; private IPC with an explicit /dev/shm", () => {
    expect(byRole("sglang").inputs).toMatchObject({
      deviceRequests: [{ driver: "nvidia", capabilities: ["gpu"], deviceIds: ["GPU-3a23c669-1f69-c64e-cf85-44e9b07e7a2a"] }],
      ipcMode: "private",
      shmSize: 32768,
    });
  });
});
