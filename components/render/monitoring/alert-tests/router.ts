/** promtool scenarios of the router alerts (smg 1.13.0 metric names). */
import { ROUTER } from "../metrics";
import { durationSeconds } from "../resolve";
import { InputSeries, Labels, ScenarioBuilder, flat, ramp, routerTarget, routerWorker } from "./fixtures";

export const ROUTER_SCENARIOS: Record<string, ScenarioBuilder> = {
  RouterNoHealthyWorker: {
    activeFrom: () => 0,
    build: ({ r, rules, n }) => {
      const worker = (service: number, w: number, health: number, breaker: number): InputSeries[] => [
        { name: ROUTER.workerHealth, labels: routerWorker(r, service, w), values: flat(health, n) },
        { name: ROUTER.workerCbState, labels: routerWorker(r, service, w), values: flat(breaker, n) },
      ];
      const up = (service: number): InputSeries => ({ name: "up", labels: routerTarget(r, service), values: flat(1, n) });
      const healthy = [up(0), ...worker(0, 0, 1, 0), ...worker(0, 1, 1, 0), up(1), ...worker(1, 0, 1, 0)];
      return {
        fires: {
          series: [
            // Service 0: one worker fails its health checks, the other passes them but its breaker is open.
            up(0),
            ...worker(0, 0, 0, 0),
            ...worker(0, 1, 1, 1),
            // Service 1: one routable worker. Service 2: the router is scraped and reports no worker at all.
            up(1),
            ...worker(1, 0, 1, 0),
            up(2),
          ],
          expect: [0, 2].map((s) => ({ rule: rules[0], labels: routerTarget(r, s), value: 0 })),
        },
        healthy: { series: healthy },
        // No traffic changes nothing: health checks and breakers do not need requests.
        idle: { series: healthy },
      };
    },
  },
  RouterErrorRatioHigh: {
    activeFrom: () => 1,
    build: ({ r, a, rules, n }) => {
      const responses = (service: number, path: string, status: string, perMinute: number): InputSeries => ({
        name: ROUTER.httpResponsesTotal,
        labels: { ...routerTarget(r, service), path, status_code: status, error_code: status === "200" ? "" : "call_upstream_connection_failed" },
        values: ramp(0, perMinute, n),
      });
      // Busy enough for the traffic guard from the second sample on, while the rate window still reaches before the data.
      const perMinute = Math.ceil(a.routerMinRequestsPerSecond * durationSeconds(a.routerErrorWindow)) * 4;
      // A 5xx share halfway between the threshold and 1.
      const share = (1 + a.routerErrorRatio) / 2;
      const mixed = (service: number, total: number, errors: number): InputSeries[] => [
        responses(service, "/generate", "200", total * (1 - errors)),
        responses(service, "/generate", "500", total * errors),
      ];
      // Health probes answer 200 and would dilute the ratio below any threshold if they counted.
      const probes = responses(0, "/health", "200", perMinute * 100);
      const labels: Labels = routerTarget(r, 0);
      return {
        fires: { series: [...mixed(0, perMinute, share), probes, ...mixed(1, perMinute, 0)], expect: [{ rule: rules[0], labels, value: share }] },
        healthy: { series: [...mixed(0, perMinute, 0), probes] },
        // Every request fails, but there are too few to judge.
        idle: { series: [...mixed(0, (a.routerMinRequestsPerSecond * 60) / 4, 1), probes] },
      };
    },
  },
  RouterLoadSkew: {
    activeFrom: () => 0,
    build: ({ r, a, rules, n }) => {
      const active = (service: number, values: readonly number[]): InputSeries[] =>
        values.map((v, w) => ({ name: ROUTER.workerRequestsActive, labels: routerWorker(r, service, w), values: flat(v, n) }));
      // Two workers: busiest / mean = 2 hi / (hi + lo); aim halfway between the threshold and 2.
      const skew = (a.routerSkewRatio + 2) / 2;
      const lo = a.routerSkewMinInFlight;
      const hi = (skew * lo) / (2 - skew);
      const balanced = [a.routerSkewMinInFlight * 2, a.routerSkewMinInFlight * 2];
      return {
        fires: { series: [...active(0, [hi, lo]), ...active(1, balanced)], expect: [{ rule: rules[0], labels: routerTarget(r, 0), value: skew }] },
        healthy: { series: [...active(0, balanced), ...active(1, balanced)] },
        // Skewed but nearly idle: one request in flight at one worker is no skew worth a page.
        idle: { series: [...active(0, [1, 0]), ...active(1, [0, 0])] },
      };
    },
  },
};
