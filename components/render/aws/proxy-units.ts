import { PROJECT } from "../../contract";
import { ServicePlan } from "../../sglang/planner";
import { NodeFile } from "../cloud-config";
import { NGINX_UID, renderNginxConf, proxyAuthJs } from "../proxy/nginx";
import { nodeProxySites, sitePorts } from "../proxy/sites";
import { command, containerUnit, dependencyLines, SystemdUnit } from "../systemd";
import { API_KEYS_DIR, FETCH_API_KEY_SCRIPT_PATH, fetchApiKeyCommand, renderFetchApiKeyScript } from "./api-key";

/**
 * The front proxy of an AWS GPU node (components/render/proxy/): one nginx container on the host
 * network holding every planned port of the node (the ALB's targets, worker ports, router metrics
 * ports), so the target groups and security groups keep pointing where the plan says while SGLang
 * (published on 127.0.0.1 only) and the router (bound to 127.0.0.1) sit behind it at the planned
 * port + PORTS.loopbackOffset. Pure; what the proxy does per site is render/proxy/nginx.ts's.
 *
 * The container runs as nginx's own uid (NGINX_UID) with a read-only root, no capabilities and a
 * tmpfs for its pid file and temp folders; the API keys are raw files on the node's tmpfs, 0400
 * and owned by that uid (render/aws/api-key.ts), fetched from SSM before each start and mounted
 * read-only. Idle client connections are kept `clientIdleSeconds` + 60 s: the ALB's idle timeout
 * is clientIdleSeconds, and AWS wants a target's keep-alive longer than it (or 502s).
 */

/** Unit and container of the node's proxy. */
export const PROXY_UNIT = "qwen-proxy.service";
export const PROXY_CONTAINER = "qwen-proxy";
/** Rendered nginx.conf and auth.js, on the node and (read-only) in the container. */
export const PROXY_DIR = "/etc/qwen-serving/proxy";
/** nginx's pid file and temp folders: a tmpfs in the read-only container. */
const PROXY_RUN_DIR = "/tmp";
/** Where the node's key folder appears in the container. */
const KEYS_IN_CONTAINER = "/run/secrets/api-keys";

/** What the AWS adapter decides for every node's proxy. */
export interface AwsProxySettings {
  /** nginx image with the njs module (proxy.image). */
  readonly image: string;
  /** The ALB's idle timeout (proxy.clientIdleSeconds, else aws.frontDoor.idleTimeoutSeconds). */
  readonly clientIdleSeconds: number;
  readonly maxBodyBytes: number;
  /** The longest allowed generation: the proxy's read and send timeouts. */
  readonly maxGenerationSeconds: number;
  /**
   * Sources of /metrics: the private subnet (Prometheus lives there; its address is not known
   * before the GPU nodes exist) and proxy.metricsCidrs. The ALB sits in the public subnets.
   */
  readonly metricsSources: readonly string[];
  /** The source a router on another node connects from: the private subnet, for the same reason. */
  readonly routerSource: string;
  /** Services whose requests need `Authorization: Bearer <key>`. */
  readonly apiKeyServices: readonly string[];
}

export interface ProxyUnitInput {
  readonly node: string;
  readonly services: readonly ServicePlan[];
  readonly settings: AwsProxySettings;
  /** Region, project and stack locate the keys' SSM parameters. */
  readonly region: string;
  /** Pulumi project (components/aws/naming.ts stackParameterName). @default "qwen-serving" */
  readonly project?: string;
  readonly stack: string;
}

export interface ProxyNodeFiles {
  readonly units: readonly SystemdUnit[];
  readonly files: readonly NodeFile[];
  /** The planned ports the proxy holds on this node. */
  readonly ports: readonly number[];
}

/** A service's key file inside the proxy container. */
const keyInContainer = (service: string) => `${KEYS_IN_CONTAINER}/${service}`;

/** The node's proxy: unit, nginx.conf, auth.js and (with keys) the fetch script; nothing when nothing is planned here. */
export function proxyNodeFiles(input: ProxyUnitInput): ProxyNodeFiles {
  const s = input.settings;
  const keyed = new Set(s.apiKeyServices);
  const sites = nodeProxySites({
    plan: { services: input.services },
    node: input.node,
    addressOf: (n) => {
      throw new Error(`node ${input.node}: the proxy needs no address of ${n}`);
    },
    routerSource: () => s.routerSource,
    apiKeyFile: (svc) => (keyed.has(svc) ? keyInContainer(svc) : undefined),
  });
  if (sites.length === 0) return { units: [], files: [], ports: [] };
  const here = input.services.filter((svc) => svc.placement.some((r) => r.node === input.node) || svc.router?.node === input.node).map((svc) => svc.name);
  const keys = here.filter((svc) => keyed.has(svc));
  const nginxConf = renderNginxConf({
    sites,
    metricsSources: s.metricsSources,
    clientIdleSeconds: s.clientIdleSeconds,
    maxBodyBytes: s.maxBodyBytes,
    maxGenerationSeconds: s.maxGenerationSeconds,
    jsDir: PROXY_DIR,
    runDir: PROXY_RUN_DIR,
  });
  const ports = sitePorts(sites);
  const run = [
    "--network",
    "host",
    "--user",
    `${NGINX_UID}:${NGINX_UID}`,
    "--read-only",
    "--tmpfs",
    PROXY_RUN_DIR,
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--volume",
    `${PROXY_DIR}:${PROXY_DIR}:ro`,
    ...(keys.length ? ["--volume", `${API_KEYS_DIR}:${KEYS_IN_CONTAINER}:ro`] : []),
    "--log-driver",
    "journald",
    s.image,
    "nginx",
    "-e",
    "stderr",
    "-c",
    `${PROXY_DIR}/nginx.conf`,
  ];
  const unit = containerUnit({
    name: PROXY_UNIT,
    container: PROXY_CONTAINER,
    description: `qwen-serving front proxy (${s.image}) on ports ${ports.join(" ")}: ${keys.length ? `API keys of ${keys.join(", ")} checked, ` : ""}public API only`,
    unit: dependencyLines({ after: ["docker.service", "network-online.target"], requires: ["docker.service"], wants: ["network-online.target"] }),
    // Each start reads the keys anew: a key rotated in SSM takes effect with a restart of this unit.
    preStart: keys.map((svc) => command(fetchApiKeyCommand(input.region, { project: input.project ?? PROJECT, stack: input.stack }, svc, NGINX_UID))),
    // The first start may pull the image (and the AWS CLI image, on plain Ubuntu).
    startTimeoutSec: 600,
    run,
    // nginx's image stops with SIGQUIT (graceful): streams in flight may run to the longest generation.
    stopGraceSec: s.maxGenerationSeconds,
  });
  return {
    units: [unit],
    files: [
      { path: `${PROXY_DIR}/nginx.conf`, content: nginxConf },
      { path: `${PROXY_DIR}/auth.js`, content: proxyAuthJs() },
      ...(keys.length ? [{ path: FETCH_API_KEY_SCRIPT_PATH, content: renderFetchApiKeyScript(), mode: 0o755 }] : []),
    ],
    ports,
  };
}
