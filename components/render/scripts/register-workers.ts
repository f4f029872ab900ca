import { ServicePlan } from "../../sglang/planner";
import { routerWorkerUrls } from "../../sglang/router-args";
import { renderShellScript } from "./sources";

/** How often the registration runs (a timer on aws, a loop on docker) to re-add workers the router dropped. */
export const REGISTER_INTERVAL_SECONDS = 30;

/**
 * The script that re-adds every planned worker of a routed service whose /health answers;
 * sglang-router 0.1.5 refuses duplicates, so re-adding a registered worker is harmless. The
 * router is on the same host as the script (127.0.0.1).
 */
export function registerWorkersScript(svc: ServicePlan, addressOf: (node: string) => string): string {
  if (!svc.router) throw new Error(`registerWorkersScript: service ${svc.name} has no router`);
  return renderShellScript<{ ROUTER: string; WORKERS: string[] }>("register-workers.sh", {
    ROUTER: `http://127.0.0.1:${svc.router.port}`,
    WORKERS: routerWorkerUrls(svc.router, addressOf),
  });
}
