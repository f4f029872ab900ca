import { ROUTER_MODULE, ROUTER_PACKAGE, ROUTER_REQUIREMENTS_FILE, ROUTER_VERSION, routerArgsFor } from "../../sglang/router-args";
import { routerRequirements } from "../../sglang/router-requirements";
import { ServicePlan } from "../../sglang/planner";
import { NodeFile } from "../cloud-config";
import { loopbackPort } from "../proxy/sites";
import { command, containerUnit, dependencyLines, DOCKER, oneshotUnit, SystemdUnit } from "../systemd";

/**
 * systemd units that run a routed service's router (smg 1.13.0, sglang/router-args.ts) on its GPU
 * node, next to the SGLang units and the front proxy of the same node. Pure: the AWS adapter puts
 * the files on the router's node.
 *
 * How the router is installed, pinned and reproducibly: it is not in the SGLang image, so a
 * oneshot unit builds a small local image FROM the pinned SGLang image with
 * `pip install --require-hashes --no-deps --only-binary=:all: -r router-requirements.txt`: the
 * sha256 of every wheel is checked (smg's abi3 wheel and setproctitle's cp310 wheel, for the
 * image's Python 3.10 on Ubuntu 22.04), `--no-deps` leaves SGLang's own pinned packages untouched
 * and the import check fails the build when the router cannot load. The base is the image the
 * node already pulls (no second base image to trust or download). Docker's layer cache makes
 * re-running the build a no-op.
 *
 * The router runs with `--network host` on loopback (the planned ports + PORTS.loopbackOffset):
 * the node's front proxy holds the planned ports, checks the key and forwards only the public API,
 * so the router's unauthenticated control plane is unreachable. It reaches same-node replicas
 * through that proxy's 127.0.0.1 listener and replicas on other nodes through theirs, with the
 * client's own Authorization header. Workers are static `--worker-urls`: smg probes one that is
 * down at start until it answers and takes it in, and skips a registered one while its
 * `/health_generate` fails, so no registration loop is needed.
 */

export interface RouterNodeFiles {
  readonly units: readonly SystemdUnit[];
  readonly files: readonly NodeFile[];
}

/** Where the router image's build context lives on the node. */
export const ROUTER_IMAGE_DIR = "/etc/qwen-serving/sglang-router";
/** Oneshot unit that builds the router image. */
export const ROUTER_IMAGE_UNIT = "sglang-router-image.service";

export const routerUnitName = (service: string): string => `sglang-router-${service}.service`;
export const routerContainerName = (service: string): string => `sglang-router-${service}`;
/** The requirements file in the build context. */
const REQUIREMENTS = "router-requirements.txt";
/** Its content (shared with the docker router install). */
export { routerRequirements };

/** Local tag of the router image: the router release plus the SGLang image tag (or digest) it was built on. */
export function routerImageTag(sglangImage: string): string {
  const last = sglangImage.split("/").pop() ?? sglangImage;
  const base = last.includes("@") ? last.split("@")[1] : (last.split(":")[1] ?? "untagged");
  return `qwen-serving/sglang-router:${`${ROUTER_VERSION}-${base}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 128)}`;
}

/** The Dockerfile of the router image. */
export function routerDockerfile(sglangImage: string): string {
  return [
    `# The pinned router, every wheel hash-checked, on the pinned SGLang image (see components/render/aws/router-units.ts).`,
    `FROM ${sglangImage}`,
    `COPY ${REQUIREMENTS} /tmp/${REQUIREMENTS}`,
    `RUN python3 -m pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: -r /tmp/${REQUIREMENTS} \\`,
    ` && python3 -c "import ${ROUTER_MODULE}"`,
    "",
  ].join("\n");
}

/** The oneshot unit that builds the router image once per node (a no-op when cached). */
export function routerImageUnit(sglangImage: string): SystemdUnit {
  return oneshotUnit({
    name: ROUTER_IMAGE_UNIT,
    description: `Build the router image (${ROUTER_REQUIREMENTS_FILE}) FROM ${sglangImage}`,
    deps: { after: ["docker.service", "network-online.target"], requires: ["docker.service"], wants: ["network-online.target"] },
    service: [
      // The first build may pull the ~11 GiB SGLang image.
      "TimeoutStartSec=3600",
      `ExecStart=${command([DOCKER, "build", "--tag", routerImageTag(sglangImage), ROUTER_IMAGE_DIR])}`,
      "Restart=on-failure",
      "RestartSec=30",
    ],
  });
}

/** What a node hosting routers needs: the addresses of other nodes resolve worker URLs. */
export interface RouterUnitInput {
  /** Services whose router runs on this node (each has `router`). */
  readonly services: readonly ServicePlan[];
  /** The pinned SGLang image the router image is built on. */
  readonly sglangImage: string;
  /** Private address of a planned node, for workers on other nodes than their router. */
  readonly addressOf: (node: string) => string;
  /** The longest allowed generation (the router's request timeout). */
  readonly requestTimeoutSecs: number;
}

/** The router's argv: on loopback, at the twins of its planned ports, behind the node's proxy. */
export function nodeRouterArgs(svc: ServicePlan, addressOf: (node: string) => string, requestTimeoutSecs: number): string[] {
  const r = svc.router!;
  return routerArgsFor(svc, addressOf, { host: "127.0.0.1", port: loopbackPort(r.port), metricsPort: loopbackPort(r.metricsPort), requestTimeoutSecs });
}

/** The router's service unit: runs `python3 -m smg.launch_router <argv>` in the router image. */
export function routerServiceUnit(svc: ServicePlan, input: RouterUnitInput): SystemdUnit {
  const r = svc.router!;
  return containerUnit({
    name: routerUnitName(svc.name),
    container: routerContainerName(svc.name),
    description: `smg ${ROUTER_VERSION} router (${r.policy}) for ${svc.name}: 127.0.0.1:${loopbackPort(r.port)} behind the proxy's port ${r.port}, ${svc.replicas} replicas`,
    unit: [
      `Documentation=https://pypi.org/project/${ROUTER_PACKAGE}/${ROUTER_VERSION}/`,
      // Wants, not Requires, the image build: it restarts on failure, and a start job failed on a dependency is never retried.
      ...dependencyLines({ after: ["docker.service", "network-online.target", ROUTER_IMAGE_UNIT], requires: ["docker.service"], wants: [ROUTER_IMAGE_UNIT, "network-online.target"] }),
      // Never give up restarting it (a crash loop while the image build is retried, say).
      "StartLimitIntervalSec=0",
    ],
    run: ["--network", "host", "--log-driver", "journald", routerImageTag(input.sglangImage), "python3", "-m", ROUTER_MODULE, ...nodeRouterArgs(svc, input.addressOf, input.requestTimeoutSecs)],
    stopGraceSec: 30,
    install: ["WantedBy=multi-user.target"],
  });
}

/** Everything a node that hosts routers needs; empty when it hosts none. */
export function routerNodeFiles(input: RouterUnitInput): RouterNodeFiles {
  const routed = input.services.filter((s) => s.router);
  if (routed.length === 0) return { units: [], files: [] };
  return {
    units: [routerImageUnit(input.sglangImage), ...routed.map((s) => routerServiceUnit(s, input))],
    files: [
      { path: `${ROUTER_IMAGE_DIR}/Dockerfile`, content: routerDockerfile(input.sglangImage) },
      { path: `${ROUTER_IMAGE_DIR}/${REQUIREMENTS}`, content: routerRequirements() },
    ],
  };
}
