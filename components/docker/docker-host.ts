import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerTlsMaterial, ServingSecrets } from "../platform";
import { ContainerSpec, SecretName } from "./containers";
import { HostLayout } from "./layout";

export interface DockerHostArgs {
  /** The host and the containers it runs, as `dockerLayout` laid them out from the plan. */
  readonly layout: HostLayout;
  /** Values of the secret files the containers receive (`ContainerSpec.secretFiles`). */
  readonly secrets: ServingSecrets;
  /** TLS client material, required for `tcp://` hosts. @default - none (ssh:// and unix:// need none) */
  readonly tls?: pulumi.Input<DockerTlsMaterial>;
}

/** Label that resolves only once the run-once container a container waits for exited 0. */
export const AFTER_LABEL = "qwen-serving.after";

// BatchMode: nobody can answer a password prompt during `pulumi up`. Keep-alives: the weights
// download holds one idle API call open for as long as it takes (tens of minutes).
const SSH_OPTS = ["-o", "BatchMode=yes", "-o", "ServerAliveInterval=30"];

/**
 * One existing GPU host: its own Docker provider, the pinned images it pulls, and its containers
 * exactly as laid out. A container that waits for a run-once one (SGLang for the weights
 * download, a router for its install) is created only after that one exited 0.
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

    const runOnce = new Map<string, { spec: ContainerSpec; container: docker.Container }>();
    const containers: Record<string, docker.Container> = {};
    this.containers = containers;
    for (const spec of host.containers) {
      const first = spec.after === undefined ? undefined : runOnce.get(spec.after);
      if (spec.after !== undefined && !first) throw new Error(`host '${host.name}': ${spec.name} waits for '${spec.after}', which the layout did not place before it`);
      const gate = first ? exitedZero(first.container, first.spec.name) : undefined;
      const container = new docker.Container(`${name}-${spec.key}`, containerArgs(spec, images.get(spec.image)!.imageId, args.secrets, gate), {
        ...child,
        // Names, published ports and GPUs are the host's: the old container must go first.
        deleteBeforeReplace: true,
        customTimeouts: spec.createTimeoutMin === undefined ? undefined : { create: `${spec.createTimeoutMin}m` },
        dependsOn: [...(first ? [first.container] : []), ...spec.volumes.map((v) => created.get(v.volume)!)],
      });
      containers[spec.key] = container;
      if (spec.runOnce) runOnce.set(spec.key, { spec, container });
    }
    this.registerOutputs({});
  }
}

/** `nvcr.io/nvidia/k8s/dcgm-exporter:4.4.1-...` -> `dcgm-exporter`: stable logical names across tag bumps. */
const imageName = (ref: string) => ref.split("@")[0].split("/").pop()!.split(":")[0];

function providerArgs(host: HostLayout, tls: pulumi.Input<DockerTlsMaterial> | undefined): docker.ProviderArgs {
  if (host.connection === "ssh") return { host: host.dockerHost, sshOpts: SSH_OPTS };
  if (host.connection === "unix") return { host: host.dockerHost };
  if (tls === undefined) throw new Error(`host '${host.name}': ${host.dockerHost} needs TLS material`);
  const material = pulumi.output(tls);
  return { host: host.dockerHost, caMaterial: pulumi.secret(material.ca), certMaterial: pulumi.secret(material.cert), keyMaterial: pulumi.secret(material.key) };
}

/** A label value that exists only after a run-once container exited 0, failing `pulumi up` otherwise. */
function exitedZero(container: docker.Container, containerName: string): pulumi.Output<string> {
  return container.exitCode.apply((code) => {
    if (code !== 0) throw new Error(`${containerName} exited with code ${code}; see 'docker logs ${containerName}' on the host`);
    return `${containerName} exited 0`;
  });
}

/** The docker.Container inputs of a spec: nothing decided here, only translated. */
function containerArgs(spec: ContainerSpec, image: pulumi.Input<string>, secrets: ServingSecrets, gate?: pulumi.Output<string>): docker.ContainerArgs {
  const gpus = spec.gpus;
  return {
    name: spec.name,
    image,
    command: spec.command.length > 0 ? [...spec.command] : undefined,
    envs: spec.env.length > 0 ? [...spec.env] : undefined,
    ports: spec.ports.map((p) => ({ internal: p.internal, external: p.external, ...(p.ip ? { ip: p.ip } : {}) })),
    deviceRequests: gpus === undefined ? undefined : [{ driver: "nvidia", capabilities: ["gpu"], ...(gpus === "all" ? { count: -1 } : { deviceIds: gpus.map(String) }) }],
    ipcMode: spec.hostIpc ? "host" : undefined,
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
    // A run-once container: `pulumi up` attaches and waits for its exit; a stopped one is expected.
    attach: spec.runOnce ? true : undefined,
    mustRun: spec.runOnce ? false : undefined,
    labels: [
      ...Object.entries(spec.labels).map(([label, value]) => ({ label, value })),
      ...(gate ? [{ label: AFTER_LABEL, value: gate }] : []),
    ],
    uploads: [
      ...spec.files.map((f) => ({ file: f.containerPath, content: f.content, permissions: f.mode })),
      ...spec.secretFiles.map((f) => {
        const [group, key] = f.secret.split(".", 2);
        const value =
          group === "apiKeys" ? secrets.apiKeys?.[key] : group === "alertingSecrets" ? secrets.alertingSecrets?.[key] : secrets[f.secret as Exclude<SecretName, `${"apiKeys" | "alertingSecrets"}.${string}`>];
        if (value === undefined) throw new Error(`container ${spec.name}: secret ${f.secret} is not set`);
        return { file: f.containerPath, content: pulumi.secret(value), permissions: f.mode };
      }),
    ],
  };
}
