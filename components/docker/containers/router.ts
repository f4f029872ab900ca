/**
 * SGLang's router on a Docker host: a run-once install of the router package into a volume, and
 * the router of each routed service.
 */
import { Artifact } from "../../render/artifact";
import { renderShellScript } from "../../render/scripts/sources";
import { ROUTER_MODULE } from "../../sglang/router-args";
import { ContainerInput, ContainerSpec, LABELS, NO_GPUS, baseSpec, upload } from "./spec";

/** Where the sglang-router package is installed (a volume), and PYTHONPATH in router containers. */
export const ROUTER_SITE = "/opt/sglang-router";
/** Key of a host's router install container; its routers start only after it succeeded. */
export const ROUTER_INSTALL_KEY = "router-install";
const ROUTER_INSTALL_SCRIPT_PATH = "/opt/qwen-serving/install-router.sh";
/** Where the install container finds router-requirements.txt (`routerRequirements()`, the aws node's file too). */
const ROUTER_REQUIREMENTS_PATH = "/opt/qwen-serving/router-requirements.txt";
const routerVolume = (stack: string) => `${stack}-sglang-router`;

/** The script that installs the router into ROUTER_SITE (`install-router.sh` among the script sources). */
export function renderRouterInstallScript(): string {
  return renderShellScript("install-router.sh", { REQUIREMENTS: ROUTER_REQUIREMENTS_PATH, SITE: ROUTER_SITE, MODULE: ROUTER_MODULE });
}

export interface RouterInstallInput extends ContainerInput {
  /** The rendered install script (an artifact of the plan). */
  readonly script: Artifact;
  /** router-requirements.txt with every wheel's sha256 (an artifact of the plan). */
  readonly requirements: Artifact;
}

/** Runs the install script once per host that runs routers, with the hash-pinned requirements beside it. */
export function routerInstall(i: RouterInstallInput): ContainerSpec {
  return {
    ...baseSpec("router-install", i),
    key: ROUTER_INSTALL_KEY,
    name: `${i.stack}-router-install`,
    command: ["bash", ROUTER_INSTALL_SCRIPT_PATH],
    env: [NO_GPUS],
    volumes: [{ volume: routerVolume(i.stack), containerPath: ROUTER_SITE, readOnly: false }],
    restart: "no",
    runOnce: true,
    files: [upload(i.script, ROUTER_INSTALL_SCRIPT_PATH, "0755"), upload(i.requirements, ROUTER_REQUIREMENTS_PATH)],
  };
}

export interface RouterInput extends ContainerInput {
  readonly service: string;
  /** The planned argv after `python3 -m sglang_router.launch_router`. */
  readonly argv: readonly string[];
  /** The service port and the router's metrics port, bound on the host. */
  readonly ports: readonly number[];
  /** How long a stop waits before SIGKILL: the longest generation. */
  readonly stopGraceSec: number;
}

/**
 * SGLang's cache-aware router of a service. On the host network, as on AWS: it binds the service
 * port on the host and reaches same-host replicas on 127.0.0.1 at their published ports.
 * Docker restarts it when it gives up waiting for replicas that are still loading.
 */
export function router(i: RouterInput): ContainerSpec {
  return {
    ...baseSpec("router", i, { [LABELS.service]: i.service, [LABELS.hostPorts]: i.ports.join(",") }),
    key: `router-${i.service}`,
    name: `${i.stack}-${i.service}-router`,
    command: ["python3", "-m", ROUTER_MODULE, ...i.argv],
    env: [`PYTHONPATH=${ROUTER_SITE}`, NO_GPUS],
    stopGraceSec: i.stopGraceSec,
    hostNetwork: true,
    hostPorts: [...i.ports],
    volumes: [{ volume: routerVolume(i.stack), containerPath: ROUTER_SITE, readOnly: true }],
    after: ROUTER_INSTALL_KEY,
  };
}
