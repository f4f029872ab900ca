/**
 * The docker platform's layout: which containers run on which host, with which ports and files,
 * derived from the plan and the stack config. Pure (no Pulumi imports); DockerPlatform creates
 * exactly these containers, and the tests check them without mocks.
 */
import { DEFAULT_DOCKER_SETTINGS } from "../config/docker";
import { ProblemInput, Problems } from "../problems";
import type { SecretsPresent } from "../platform";
import { DockerHostConfig, StackConfig } from "../config/schema";
import { Artifact } from "../render/artifact";
import { renderMonitoring } from "../render/monitoring";
import { DeploymentPlan } from "../sglang/planner";
import { routerArgsFor } from "../sglang/router-args";
import { routerRequirements } from "../sglang/router-requirements";
import { maxGenerationSeconds } from "../config/proxy";
import { renderNginxConf, proxyAuthJs } from "../render/proxy/nginx";
import { loopbackPort, loopbackPortProblems, nodeProxySites, sitePorts } from "../render/proxy/sites";
import { PROXY_CONF_DIR, PROXY_RUN_DIR, frontProxy, proxyKeyFile } from "./containers/proxy";
import { sshOptions } from "./run-once";
import { gpuUuidProblems, hostServing } from "./serving-layout";
import { IPV4, isPrivateIPv4 } from "./addresses";
import { ContainerSpec, dcgmExporter, nodeExporter, renderRouterInstallScript, router, routerInstall } from "./containers";
import { monitoringBindProblems, monitoringContainers, monitoringInput } from "./monitoring-layout";

/** How the Docker provider reaches a host. */
export type Connection = "ssh" | "tcp" | "unix";

export interface HostLayout {
  readonly name: string;
  /** The Docker endpoint (`ssh://user@host`, `tcp://host:2376`, `unix:///...`). */
  readonly dockerHost: string;
  readonly connection: Connection;
  /** Address other hosts and Prometheus use to reach this host's published ports. */
  readonly address: string;
  readonly gpu: string;
  readonly gpuCount: number;
  /** GPU indices the plan gives to SGLang replicas on this host, ascending. */
  readonly gpusUsed: readonly number[];
  /** In creation order: the weights downloads first. */
  readonly containers: readonly ContainerSpec[];
  /** Docker's json-file rotation of every container's log (docker.logs). */
  readonly logs: { readonly maxSizeMiB: number; readonly maxFiles: number };
  /** ssh options of the provider and the run-once commands (one shared connection per host). */
  readonly sshOptions: readonly string[];
}

export interface DockerLayout {
  readonly hosts: readonly HostLayout[];
  /** Base URL per service: its router's, or its single replica's. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** Where Prometheus and Grafana run, when monitoring is enabled: their URLs on that host (`docker.monitoringBindAddress`). */
  readonly monitoring?: { readonly host: string; readonly prometheusUrl: string; readonly grafanaUrl: string };
  /** Every rendered file the containers carry (download scripts, monitoring configs, rule tests). */
  readonly artifacts: readonly Artifact[];
}

export type { SecretsPresent } from "../platform";

export { weightsScriptPath } from "./serving-layout";
export { isPrivateIPv4 } from "./addresses";

export function connectionOf(dockerHost: string): Connection {
  return dockerHost.slice(0, dockerHost.indexOf(":")) as Connection;
}

/** The host's `address`, else the host part of an ssh:// or tcp:// endpoint; unix:// has none. */
export function hostAddress(h: DockerHostConfig): string | undefined {
  if (h.address) return h.address;
  if (connectionOf(h.dockerHost) === "unix") return undefined;
  return new URL(h.dockerHost).hostname || undefined;
}

/**
 * The docker problems that need no plan (host addresses, TLS, the monitoring host, secrets, weight
 * sources): `DockerPlatform.validate` reports them even when the planner refused the config.
 */
export function dockerConfigProblems(config: StackConfig, secrets: SecretsPresent): ProblemInput[] {
  const settings = config.docker ?? DEFAULT_DOCKER_SETTINGS;
  const problems: ProblemInput[] = [];
  config.hosts.forEach((h, i) => {
    if (hostAddress(h) === undefined)
      problems.push({
        path: ["hosts", i, "address"],
        rule: `host '${h.name}' is reached through ${h.dockerHost}, which has no network address`,
        advice: "set address so Prometheus and routers can reach its ports",
      });
    if (connectionOf(h.dockerHost) === "tcp" && !secrets.dockerTls)
      problems.push({
        path: ["hosts", i, "dockerHost"],
        value: h.dockerHost,
        rule: `without TLS gives root on '${h.name}' to anyone who can reach the port`,
        advice: `set the secret dockerTls.${h.name} {ca, cert, key}, or use ssh://`,
      });
  });
  const monitoringHost = config.monitoring.enabled ? (settings.monitoringHost ?? config.hosts[0]?.name) : undefined;
  if (settings.monitoringHost !== undefined && !config.hosts.some((h) => h.name === settings.monitoringHost))
    problems.push({ path: ["docker", "monitoringHost"], value: settings.monitoringHost, rule: "no host has this name", advice: `valid: ${config.hosts.map((h) => h.name).join(", ")}` });
  if (monitoringHost) problems.push(...monitoringBindProblems(settings));
  if (monitoringHost && !secrets.grafanaAdminPassword)
    problems.push({
      path: "grafanaAdminPassword",
      rule: "monitoring is enabled and Grafana must not keep its default admin password",
      advice: "set it with 'pulumi config set --secret grafanaAdminPassword ...', or set monitoring.enabled false",
    });
  config.services.forEach((s, i) => {
    if (s.weights.source === "s3")
      problems.push({ path: ["services", i, "weights", "source"], value: "s3", rule: `docker hosts have no AWS credentials to read ${s.weights.s3Uri}`, advice: "use huggingface or modelscope" });
  });
  return problems;
}

/**
 * Lays the plan out on the hosts. Collects every problem (an unknown monitoring host, a port used
 * twice on one host, a missing secret, weights the platform cannot fetch) and throws one
 * QwenServingError listing them all, before any resource exists.
 */
export function dockerLayout(plan: DeploymentPlan, config: StackConfig, secrets: SecretsPresent): DockerLayout {
  const settings = config.docker ?? DEFAULT_DOCKER_SETTINGS;
  const problems = new Problems();
  const stack = plan.stack;

  problems.addAll(dockerConfigProblems(config, secrets));
  problems.addAll(gpuUuidProblems(config));
  problems.addAll(loopbackPortProblems(plan));
  const addresses = new Map<string, string>();
  for (const h of config.hosts) {
    const address = hostAddress(h);
    if (address !== undefined) addresses.set(h.name, address);
  }
  const addr = (host: string) => addresses.get(host) ?? host;
  const monitoringHost = config.monitoring.enabled ? (settings.monitoringHost ?? config.hosts[0]?.name) : undefined;

  const alertingSecrets = secrets.alertingSecrets ?? [];
  const monitoring = monitoringHost ? monitoringInput(plan, config, addr, alertingSecrets) : undefined;
  const monitoringArtifacts = monitoring ? renderMonitoring(monitoring) : [];
  const artifacts: Artifact[] = [];

  const hosts = config.hosts.map((h): HostLayout => {
    const replicas = plan.services.flatMap((s) => s.placement.filter((p) => p.node === h.name).map((p) => ({ service: s, replica: p })));
    const serving = hostServing(plan, config, secrets, h);
    problems.addAll(serving.problems);
    artifacts.push(...serving.artifacts);
    const containers: ContainerSpec[] = [...serving.containers];
    const proxy = hostProxy(plan, config, secrets, h, addr, monitoringHost);
    problems.addAll(proxy.problems);
    if (proxy.sites.length > 0) {
      artifacts.push(proxy.conf, proxy.authJs);
      // nginx's image stops with SIGQUIT (graceful): running streams get the longest generation to finish.
      containers.push({
        ...frontProxy({ stack, host: h.name, image: config.proxy.image, conf: proxy.conf, authJs: proxy.authJs, ports: sitePorts(proxy.sites), keyed: proxy.keyed }),
        stopGraceSec: maxGenerationSeconds(config),
      });
    }
    const routed = plan.services.filter((s) => s.router?.node === h.name);
    if (routed.length > 0) {
      const install: Artifact = { path: `hosts/${h.name}/install-router.sh`, content: renderRouterInstallScript(), mode: 0o755 };
      const requirements: Artifact = { path: `hosts/${h.name}/router-requirements.txt`, content: routerRequirements() };
      artifacts.push(install, requirements);
      containers.push(routerInstall({ stack, host: h.name, image: config.image, script: install, requirements }));
      for (const s of routed) {
        // On loopback behind the proxy; it reaches same-host replicas through the proxy's 127.0.0.1 listener.
        const listen = { host: "127.0.0.1", port: loopbackPort(s.router!.port), metricsPort: loopbackPort(s.router!.metricsPort), requestTimeoutSecs: maxGenerationSeconds(config) };
        containers.push(
          router({
            stack,
            host: h.name,
            service: s.name,
            image: config.image,
            argv: routerArgsFor(s, addr, listen),
            ports: [listen.port, listen.metricsPort],
            stopGraceSec: maxGenerationSeconds(config),
          }),
        );
      }
    }
    if (config.monitoring.enabled) {
      // Only on the address Prometheus scrapes them at; a host known by name only (Docker publishes on an IP) keeps every address.
      const address = IPV4.test(addr(h.name)) ? addr(h.name) : undefined;
      containers.push(nodeExporter({ stack, host: h.name, image: settings.images.nodeExporter, port: settings.nodeExporterPort, address }));
      containers.push(dcgmExporter({ stack, host: h.name, image: settings.images.dcgmExporter, port: settings.dcgmExporterPort, address }));
    }
    if (monitoring && h.name === monitoringHost) containers.push(...monitoringContainers({ stack, host: h.name, settings, monitoring, artifacts: monitoringArtifacts, alertingSecrets }));
    problems.addAll(portClashes(h.name, containers));
    return {
      name: h.name,
      dockerHost: h.dockerHost,
      connection: connectionOf(h.dockerHost),
      address: addr(h.name),
      gpu: h.gpu,
      gpuCount: h.gpuCount,
      gpusUsed: replicas.flatMap((r) => r.replica.gpus).sort((a, b) => a - b),
      containers,
      logs: settings.logs,
      sshOptions: sshOptions(settings.sshControlPersistSeconds),
    };
  });

  problems.throwIfAny("platform");
  return {
    hosts,
    endpoints: Object.fromEntries(plan.services.map((s) => [s.name, `http://${addr(s.router?.node ?? s.placement[0].node)}:${s.port}`])),
    monitoring: monitoringHost
      ? { host: monitoringHost, prometheusUrl: `http://${settings.monitoringBindAddress}:${settings.prometheusPort}`, grafanaUrl: `http://${settings.monitoringBindAddress}:${settings.grafanaPort}` }
      : undefined,
    artifacts: [...artifacts, ...monitoringArtifacts],
  };
}

/**
 * A host's front proxy: its sites bind the host's address (and 127.0.0.1 for a same-host router),
 * /metrics answers the monitoring host. A host reached at a public address must give every service
 * on it an API key, and the proxy binds and admits by IPv4 address only.
 */
function hostProxy(plan: DeploymentPlan, config: StackConfig, secrets: SecretsPresent, h: DockerHostConfig, addr: (host: string) => string, monitoringHost: string | undefined) {
  const problems: ProblemInput[] = [];
  const address = addr(h.name);
  const i = config.hosts.indexOf(h);
  const keyed = (s: string) => secrets.apiKeys.includes(s);
  const sites = nodeProxySites({ plan, node: h.name, addressOf: addr, apiKeyFile: (s) => (keyed(s) ? proxyKeyFile(s) : undefined), listenAddresses: [address, "127.0.0.1"] });
  const services = [...new Set(plan.services.filter((s) => s.placement.some((r) => r.node === h.name) || s.router?.node === h.name).map((s) => s.name))];
  // A host without any address is reported by dockerConfigProblems already.
  if (sites.length > 0 && hostAddress(h) !== undefined && !IPV4.test(address))
    problems.push({
      path: ["hosts", i, "address"],
      value: address,
      rule: "the front proxy binds the host's address and admits routers and Prometheus by address",
      advice: "give the host's private IPv4 address",
    });
  if (sites.length > 0 && IPV4.test(address) && !isPrivateIPv4(address))
    for (const s of services.filter((x) => !keyed(x)))
      problems.push({
        path: `apiKeys.${s}`,
        rule: `service '${s}' would listen on host '${h.name}' at the public address ${address} without an API key`,
        advice: `set one with 'pulumi config set --secret --path apiKeys.${s} ...', or give the host's private address`,
      });
  // Prometheus runs in the monitoring host's network namespace: its scrapes come from that host's address, to its own proxy too.
  const monitoringAddress = monitoringHost ? addr(monitoringHost) : undefined;
  const metricsSources = [...(monitoringAddress && IPV4.test(monitoringAddress) ? [`${monitoringAddress}/32`] : []), ...config.proxy.metricsCidrs];
  const ok = sites.length > 0 && problems.length === 0 && IPV4.test(address);
  const conf: Artifact = {
    path: `hosts/${h.name}/proxy/nginx.conf`,
    content: ok
      ? renderNginxConf({
          sites,
          metricsSources,
          clientIdleSeconds: config.proxy.clientIdleSeconds ?? 60,
          maxBodyBytes: config.proxy.maxBodyMiB * 1024 * 1024,
          maxGenerationSeconds: maxGenerationSeconds(config),
          jsDir: PROXY_CONF_DIR,
          runDir: PROXY_RUN_DIR,
        })
      : "",
  };
  const authJs: Artifact = { path: `hosts/${h.name}/proxy/auth.js`, content: ok ? proxyAuthJs() : "" };
  return { sites: ok ? sites : [], conf, authJs, keyed: services.filter(keyed), problems };
}

/** Host ports (published, or bound on the host network) claimed more than once on one host. */
function portClashes(host: string, containers: readonly ContainerSpec[]): ProblemInput[] {
  const owners = new Map<number, string[]>();
  for (const c of containers) for (const port of [...c.ports.map((p) => p.external), ...c.hostPorts]) owners.set(port, [...(owners.get(port) ?? []), c.name]);
  return [...owners]
    .filter(([, names]) => names.length > 1)
    .map(([port, names]) => ({ path: "docker", rule: `port ${port} on host '${host}' is used by ${names.join(" and ")}`, advice: "change a service port or the docker.*Port settings" }));
}
