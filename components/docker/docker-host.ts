import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerTlsMaterial, ServingSecrets } from "../platform";
import { ContainerSpec, LABELS, SecretName } from "./containers";
import { HostLayout } from "./layout";
import { revisionDirPrefix } from "../render/scripts/weights-revision";
import { renderRunOnce } from "./run-once";

export interface DockerHostArgs {
  /** The host and the containers it runs, as `dockerLayout` laid them out from the plan. */
  readonly layout: HostLayout;
  /** Values of the secret files the containers receive (`ContainerSpec.secretFiles`). */
  readonly secrets: ServingSecrets;
  /** TLS client material, required for `tcp://` hosts. @default - none (ssh:// and unix:// need none) */
  readonly tls?: pulumi.Input<DockerTlsMaterial>;
}

/**
 * One existing GPU host: its own Docker provider, the pinned images it pulls, and its containers
 * exactly as laid out. A run-once container (a weights download, the router install) is created
 * stopped and run to completion by a command resource (`docker start --attach`, run-once.ts); what
 * waits for it (a revision's SGLang servers, the routers) depends on that command only, never on the
 * container's outputs, so replacing a download (new token, script or image) never replaces a server,
 * and a failed run leaves the servers as they are and is run again by the next `pulumi up`.
 */
export class DockerHost extends pulumi.ComponentResource {
  /** The Docker provider that reaches this host, for resources a program adds next to ours. */
  readonly provider: docker.Provider;
  /** Every container of this host by its layout key (`sglang-<service>-<replica>`, `prometheus`, ...). */
  readonly containers: Readonly<Record<string, docker.Container>>;

  constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:docker:DockerHost", name, {}, opts);
    const host = args.layout;
    this.provider = new docker.Provider(`${name}-provider`, providerArgs(host, args.tls), { parent: this });
    const child = { parent: this, provider: this.provider };

    const images = new Map<string, docker.RemoteImage>();
    for (const c of host.containers) {
      if (images.has(c.image)) continue;
      // Kept on destroy: the SGLang image is ~11 GiB and other stacks on the host may use it.
      images.set(c.image, new docker.RemoteImage(`${name}-image-${imageName(c.image)}`, { name: c.image, keepLocally: true }, child));
    }
    const volumes = [...new Set(host.containers.flatMap((c) => c.volumes.map((v) => v.volume)))];
    const created = new Map(volumes.map((v) => [v, new docker.Volume(`${name}-volume-${v}`, { name: v }, child)]));

    const runs = new Map<string, command.local.Command>();
    const containers: Record<string, docker.Container> = {};
    this.containers = containers;
    for (const spec of host.containers) {
      const run = spec.after === undefined ? undefined : runs.get(spec.after);
      if (spec.after !== undefined && !run) throw new Error(`host '${host.name}': ${spec.name} waits for '${spec.after}', which the layout did not place before it`);
      const grace = spec.stopGraceSec;
      const container = new docker.Container(`${name}-${spec.key}`, containerArgs(spec, images.get(spec.image)!.imageId, args.secrets, host.logs), {
        ...child,
        // Names, published ports and GPUs are the host's: the old container must go first. A run-once
        // container is only created here (stopped), so removing the old one first costs nothing.
        deleteBeforeReplace: true,
        // The provider's own delete timeout (20 min) must not cut a graceful stop short.
        customTimeouts: grace === undefined ? undefined : { delete: `${Math.ceil(grace / 60) + 5}m` },
        dependsOn: [...(run ? [run] : []), ...spec.volumes.map((v) => created.get(v.volume)!)],
      });
      containers[spec.key] = container;
      if (spec.runOnce) runs.set(spec.key, runOnceCommand(`${name}-${spec.key}-run`, spec, container, host, args.tls, this));
    }
    this.registerOutputs({});
  }
}

/**
 * The command that runs a created run-once container to completion. Its create fails with the
 * container's exit code and a message saying how to retry; a failed create is not recorded, so the
 * next `pulumi up` runs it again by itself. A replaced container (new token, script, image) runs again.
 */
function runOnceCommand(
  name: string,
  spec: ContainerSpec,
  container: docker.Container,
  host: HostLayout,
  tls: pulumi.Input<DockerTlsMaterial> | undefined,
  parent: pulumi.Resource,
): command.local.Command {
  // After a download: the other revision folders of its model under the host's modelsPath.
  const dir = spec.labels[LABELS.weightsDir];
  const prune = spec.role === "weights" && dir ? { root: spec.binds[0].hostPath.slice(0, -dir.length - 1), prefix: revisionDirPrefix(dir), keep: dir, image: spec.image } : undefined;
  const script = renderRunOnce({
    endpoint: host.dockerHost,
    host: host.name,
    container: spec.name,
    what: spec.role === "weights" ? `the weights download of ${spec.labels[LABELS.weights]}` : `the ${spec.role} container`,
    sshOptions: host.sshOptions,
    prune,
  });
  const material = tls === undefined ? undefined : pulumi.output(tls);
  return new command.local.Command(
    name,
    {
      create: script,
      interpreter: ["/bin/bash", "-c"],
      // tcp:// hosts: the TLS material reaches the script in its environment, as secrets.
      environment: material && pulumi.secret(material.apply((t) => ({ QWEN_DOCKER_TLS_CA: t.ca, QWEN_DOCKER_TLS_CERT: t.cert, QWEN_DOCKER_TLS_KEY: t.key }))),
      triggers: [container.id],
    },
    { parent, dependsOn: [container], customTimeouts: spec.createTimeoutMin === undefined ? undefined : { create: `${spec.createTimeoutMin}m`, update: `${spec.createTimeoutMin}m` } },
  );
}

/** `nvcr.io/nvidia/k8s/dcgm-exporter:4.4.1-...` -> `dcgm-exporter`: stable logical names across tag bumps. */
const imageName = (ref: string) => ref.split("@")[0].split("/").pop()!.split(":")[0];

function providerArgs(host: HostLayout, tls: pulumi.Input<DockerTlsMaterial> | undefined): docker.ProviderArgs {
  if (host.connection === "ssh") return { host: host.dockerHost, sshOpts: [...host.sshOptions] };
  if (host.connection === "unix") return { host: host.dockerHost };
  if (tls === undefined) throw new Error(`host '${host.name}': ${host.dockerHost} needs TLS material`);
  const material = pulumi.output(tls);
  return { host: host.dockerHost, caMaterial: pulumi.secret(material.ca), certMaterial: pulumi.secret(material.cert), keyMaterial: pulumi.secret(material.key) };
}

/** The docker.Container inputs of a spec: nothing decided here, only translated. */
function containerArgs(spec: ContainerSpec, image: pulumi.Input<string>, secrets: ServingSecrets, logs: HostLayout["logs"]): docker.ContainerArgs {
  const gpus = spec.gpus;
  // Host IPC ignores shmSize (the host's /dev/shm is shared): a spec asks for one or the other.
  if (spec.hostIpc && spec.shmSizeMiB !== undefined) throw new Error(`container ${spec.name}: host IPC and a /dev/shm size exclude each other`);
  return {
    name: spec.name,
    image,
    command: spec.command.length > 0 ? [...spec.command] : undefined,
    envs: spec.env.length > 0 ? [...spec.env] : undefined,
    ports: spec.ports.map((p) => ({ internal: p.internal, external: p.external, ...(p.ip ? { ip: p.ip } : {}) })),
    deviceRequests: gpus === undefined ? undefined : [{ driver: "nvidia", capabilities: ["gpu"], ...(gpus === "all" ? { count: -1 } : { deviceIds: [...gpus] }) }],
    ipcMode: spec.hostIpc ? "host" : "private",
    networkMode: spec.hostNetwork ? "host" : undefined,
    pidMode: spec.hostPid ? "host" : undefined,
    shmSize: spec.shmSizeMiB,
    capabilities: spec.capAdd.length > 0 ? { adds: [...spec.capAdd] } : undefined,
    // `volumes` (docker -v) creates a missing host folder; `mounts` is needed for propagation.
    volumes: [
      ...spec.binds.filter((b) => !b.propagation).map((b) => ({ hostPath: b.hostPath, containerPath: b.containerPath, readOnly: b.readOnly })),
      ...spec.volumes.map((v) => ({ volumeName: v.volume, containerPath: v.containerPath, readOnly: v.readOnly })),
    ],
    mounts: spec.binds.filter((b) => b.propagation).map((b) => ({ type: "bind", source: b.hostPath, target: b.containerPath, readOnly: b.readOnly, bindOptions: { propagation: b.propagation } })),
    healthcheck: spec.healthcheck && {
      tests: [...spec.healthcheck.test],
      interval: `${spec.healthcheck.intervalSec}s`,
      timeout: `${spec.healthcheck.timeoutSec}s`,
      startPeriod: `${spec.healthcheck.startPeriodSec}s`,
      retries: spec.healthcheck.retries,
    },
    // `pulumi up` waits until the server answers /health (or fails after the start period).
    wait: spec.healthcheck ? true : undefined,
    waitTimeout: spec.healthcheck ? spec.healthcheck.startPeriodSec + spec.healthcheck.intervalSec : undefined,
    restart: spec.restart,
    // A run-once container is only created (stopped); its command resource starts it. A stopped one is expected.
    start: spec.runOnce ? false : undefined,
    mustRun: spec.runOnce ? false : undefined,
    init: spec.init,
    // A replace or destroy stops the container with this grace (docker stop -t), then removes it.
    stopTimeout: spec.stopGraceSec,
    destroyGraceSeconds: spec.stopGraceSec,
    logDriver: "json-file",
    logOpts: { "max-size": `${logs.maxSizeMiB}m`, "max-file": String(logs.maxFiles) },
    labels: Object.entries(spec.labels).map(([label, value]) => ({ label, value })),
    uploads: [
      ...spec.files.map((f) => ({ file: f.containerPath, content: f.content, permissions: f.mode })),
      ...spec.secretFiles.map((f) => {
        const [group, key] = f.secret.split(".", 2);
        const value =
          group === "apiKeys"
            ? secrets.apiKeys?.[key]
            : group === "alertingSecrets"
              ? secrets.alertingSecrets?.[key]
              : secrets[f.secret as Exclude<SecretName, `${"apiKeys" | "alertingSecrets"}.${string}`>];
        if (value === undefined) throw new Error(`container ${spec.name}: secret ${f.secret} is not set`);
        return { file: f.containerPath, content: pulumi.secret(value), permissions: f.mode };
      }),
    ],
  };
}
