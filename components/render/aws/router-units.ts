import { ROUTER_MODULE, ROUTER_REQUIREMENT, ROUTER_VERSION, routerArgsFor } from "../../sglang/router-args";
import { ServicePlan } from "../../sglang/planner";
import { NodeFile } from "../cloud-config";
import { REGISTER_INTERVAL_SECONDS, registerWorkersScript } from "../scripts/register-workers";
import { command, containerUnit, dependencyLines, DOCKER, oneshotUnit, SystemdUnit, unitFile } from "../systemd";

/**
 * systemd units that run SGLang's cache-aware router (sglang-router 0.1.5) on a GPU node, next to
 * the SGLang units of the same node. Pure: the AWS adapter puts the files on the router's node.
 *
 * How the router is installed, pinned and reproducibly: it is not in the SGLang image, so a
 * oneshot unit builds a small local image FROM the pinned SGLang image with
 * `pip install --no-deps --only-binary=:all: sglang-router==0.1.5`. The base is the image the node
 * already pulls (same Python 3.10, no second base image to trust or download); `==` pins the
 * release and PyPI never changes a published file; `--no-deps` leaves SGLang's own pinned packages
 * untouched (the router's imports are all in the SGLang image, which the build checks by importing
 * them). Docker's layer cache makes re-running the build a no-op. Not done: `--require-hashes`
 * with the wheel's sha256, which we could not look up offline; add it to harden further.
 *
 * Every container runs with `--network host`, so the router binds the service port on the node
 * and reaches same-node replicas on 127.0.0.1 (see sglang/router-args.ts for how workers are
 * registered and what happens when one dies).
 */

export interface RouterNodeFiles {
  readonly units: readonly SystemdUnit[];
  readonly files: readonly NodeFile[];
}

/** Where the router image's build context lives on the node. */
export const ROUTER_IMAGE_DIR = "/etc/qwen-serving/sglang-router";
/** Where per-service worker-registration scripts live. */
export const ROUTER_SCRIPT_DIR = "/usr/local/lib/qwen-serving";
/** Oneshot unit that builds the router image. */
export const ROUTER_IMAGE_UNIT = "sglang-router-image.service";

export const routerUnitName = (service: string): string => `sglang-router-${service}.service`;
export const routerContainerName = (service: string): string => `sglang-router-${service}`;
export const registerUnitName = (service: string): string => `sglang-router-${service}-workers.service`;
export const registerTimerName = (service: string): string => `sglang-router-${service}-workers.timer`;
export const registerScriptPath = (service: string): string => `${ROUTER_SCRIPT_DIR}/sglang-router-${service}-workers.sh`;

/** Local tag of the router image: the router release plus the SGLang image tag (or digest) it was built on. */
export function routerImageTag(sglangImage: string): string {
  const last = sglangImage.split("/").pop() ?? sglangImage;
  const base = last.includes("@") ? last.split("@")[1] : (last.split(":")[1] ?? "untagged");
  return `qwen-serving/sglang-router:${`${ROUTER_VERSION}-${base}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 128)}`;
}

/** The Dockerfile of the router image. */
export function routerDockerfile(sglangImage: string): string {
  return [
    `# ${ROUTER_REQUIREMENT} on the pinned SGLang image (see components/render/aws/router-units.ts).`,
    `FROM ${sglangImage}`,
    `RUN python3 -m pip install --no-cache-dir --no-deps --only-binary=:all: ${ROUTER_REQUIREMENT} \\`,
    ` && python3 -c "import ${ROUTER_MODULE}"`,
    "",
  ].join("\n");
}

/** The oneshot unit that builds the router image once per node (a no-op when cached). */
export function routerImageUnit(sglangImage: string): SystemdUnit {
  return oneshotUnit({
    name: ROUTER_IMAGE_UNIT,
    description: `Build the ${ROUTER_REQUIREMENT} image FROM ${sglangImage}`,
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
}

/** The router's service unit: runs `python3 -m sglang_router.launch_router <argv>` in the router image. */
export function routerServiceUnit(svc: ServicePlan, sglangImage: string, addressOf: (node: string) => string): SystemdUnit {
  return containerUnit({
    name: routerUnitName(svc.name),
    container: routerContainerName(svc.name),
    description: `sglang-router ${ROUTER_VERSION} (${svc.router!.policy}) for ${svc.name}: port ${svc.router!.port}, ${svc.replicas} replicas`,
    unit: [
      "Documentation=https://github.com/sgl-project/sglang/tree/v0.4.9.post2/sgl-router",
      // Wants, not Requires, the image build: it restarts on failure, and a start job failed on a dependency is never retried.
      ...dependencyLines({ after: ["docker.service", "network-online.target", ROUTER_IMAGE_UNIT], requires: ["docker.service"], wants: [ROUTER_IMAGE_UNIT, "network-online.target"] }),
      // The router exits when its workers are not ready in time; keep restarting it until they are.
      "StartLimitIntervalSec=0",
    ],
    run: ["--network", "host", "--log-driver", "journald", routerImageTag(sglangImage), "python3", "-m", ROUTER_MODULE, ...routerArgsFor(svc, addressOf)],
    stopGraceSec: 30,
    install: ["WantedBy=multi-user.target"],
  });
}

/** The oneshot unit and timer that run the registration script. */
export function registerWorkerUnits(svc: ServicePlan): SystemdUnit[] {
  return [
    oneshotUnit({
      name: registerUnitName(svc.name),
      description: `Re-register ${svc.name}'s workers with its router`,
      deps: { after: [routerUnitName(svc.name)] },
      service: [`ExecStart=${registerScriptPath(svc.name)}`],
      remainAfterExit: false,
    }),
    {
      name: registerTimerName(svc.name),
      enable: true,
      content: unitFile({
        Unit: [`Description=Re-register ${svc.name}'s workers with its router every ${REGISTER_INTERVAL_SECONDS} s`],
        Timer: ["OnActiveSec=60", `OnUnitActiveSec=${REGISTER_INTERVAL_SECONDS}`, "AccuracySec=5"],
        Install: ["WantedBy=timers.target"],
      }),
    },
  ];
}

/** Everything a node that hosts routers needs; empty when it hosts none. */
export function routerNodeFiles(input: RouterUnitInput): RouterNodeFiles {
  const routed = input.services.filter((s) => s.router);
  if (routed.length === 0) return { units: [], files: [] };
  return {
    units: [routerImageUnit(input.sglangImage), ...routed.flatMap((s) => [routerServiceUnit(s, input.sglangImage, input.addressOf), ...registerWorkerUnits(s)])],
    files: [
      { path: `${ROUTER_IMAGE_DIR}/Dockerfile`, content: routerDockerfile(input.sglangImage) },
      ...routed.map((s) => ({ path: registerScriptPath(s.name), content: registerWorkersScript(s, input.addressOf), mode: 0o755 })),
    ],
  };
}
