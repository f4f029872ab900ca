/**
 * SGLang's router on a Docker host: a run-once install of the router package into a volume, the
 * router of each routed service, and the loop that re-registers its replicas.
 */
import { Artifact } from "../../render/artifact";
import { script, shq } from "../../render/scripts/shell";
import { ROUTER_MODULE, ROUTER_REQUIREMENT } from "../../sglang/router-args";
import { ContainerSpec, LABELS, baseSpec, upload } from "./spec";

/** Where the sglang-router package is installed (a volume), and PYTHONPATH in router containers. */
export const ROUTER_SITE = "/opt/sglang-router";
/** Key of a host's router install container; its routers start only after it succeeded. */
export const ROUTER_INSTALL_KEY = "router-install";
const ROUTER_INSTALL_SCRIPT_PATH = "/opt/qwen-serving/install-router.sh";
const routerVolume = (stack: string) => `${stack}-sglang-router`;

/**
 * Installs the router into ROUTER_SITE with the pinned SGLang image's own Python: `==` pins the
 * release, --no-deps leaves SGLang's pinned packages alone, and the import check fails the install
 * when the router cannot load (the same recipe as the AWS router image, without building one).
 */
export function renderRouterInstallScript(): string {
  return script([
    "#!/bin/bash",
    `# Installs ${ROUTER_REQUIREMENT} into ${ROUTER_SITE}, a volume the router containers mount read-only.`,
    "set -euo pipefail",
    `python3 -m pip install --no-cache-dir --no-deps --only-binary=:all: --upgrade --target ${shq(ROUTER_SITE)} ${shq(ROUTER_REQUIREMENT)}`,
    `PYTHONPATH=${shq(ROUTER_SITE)} python3 -c ${shq(`import sglang_router_rs, ${ROUTER_MODULE}`)}`,
  ]);
}

export interface RouterInstallInput {
  readonly stack: string;
  readonly host: string;
  readonly image: string;
  /** The rendered install script (an artifact of the plan). */
  readonly script: Artifact;
}

/** Runs the install script once per host that runs routers. */
export function routerInstall(i: RouterInstallInput): ContainerSpec {
  return {
    ...baseSpec("router-install", i.host, i.stack),
    key: ROUTER_INSTALL_KEY,
    name: `${i.stack}-router-install`,
    image: i.image,
    command: ["bash", ROUTER_INSTALL_SCRIPT_PATH],
    volumes: [{ volume: routerVolume(i.stack), containerPath: ROUTER_SITE, readOnly: false }],
    restart: "no",
    runOnce: true,
    files: [upload(i.script, ROUTER_INSTALL_SCRIPT_PATH, "0755")],
  };
}

export interface RouterInput {
  readonly stack: string;
  readonly host: string;
  readonly service: string;
  readonly image: string;
  /** The planned argv after `python3 -m sglang_router.launch_router`. */
  readonly argv: readonly string[];
  /** The service port and the router's metrics port, bound on the host. */
  readonly ports: readonly number[];
}

/**
 * SGLang's cache-aware router of a service. On the host network, as on AWS: it binds the service
 * port on the host and reaches same-host replicas on 127.0.0.1 at their published ports.
 * Docker restarts it when it gives up waiting for replicas that are still loading.
 */
export function router(i: RouterInput): ContainerSpec {
  return {
    ...baseSpec("router", i.host, i.stack, { [LABELS.service]: i.service, [LABELS.hostPorts]: i.ports.join(",") }),
    key: `router-${i.service}`,
    name: `${i.stack}-${i.service}-router`,
    image: i.image,
    command: ["python3", "-m", ROUTER_MODULE, ...i.argv],
    env: [`PYTHONPATH=${ROUTER_SITE}`],
    hostNetwork: true,
    hostPorts: [...i.ports],
    volumes: [{ volume: routerVolume(i.stack), containerPath: ROUTER_SITE, readOnly: true }],
    after: ROUTER_INSTALL_KEY,
  };
}

export interface RouterWorkersInput {
  readonly stack: string;
  readonly host: string;
  readonly service: string;
  readonly image: string;
  /** The rendered registration script (render/router-unit.ts), an artifact of the plan. */
  readonly script: Artifact;
  readonly intervalSec: number;
}

/** Re-adds replicas the router dropped, every `intervalSec`: router 0.1.5 never does it itself. */
export function routerWorkers(i: RouterWorkersInput): ContainerSpec {
  const path = `/opt/qwen-serving/register-${i.service}-workers.sh`;
  return {
    ...baseSpec("router-workers", i.host, i.stack, { [LABELS.service]: i.service }),
    key: `router-${i.service}-workers`,
    name: `${i.stack}-${i.service}-router-workers`,
    image: i.image,
    // bash is PID 1: without the trap it would ignore `docker stop`'s SIGTERM.
    command: ["bash", "-c", `trap 'exit 0' TERM; while :; do bash ${path}; sleep ${i.intervalSec} & wait $!; done`],
    hostNetwork: true,
    files: [upload(i.script, path, "0755")],
  };
}
