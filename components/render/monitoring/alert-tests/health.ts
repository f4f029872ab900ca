/** promtool scenarios of the health alerts: Watchdog, planned targets, absent jobs, targets down. */
import { COMPONENT } from "../metrics";
import { Expected, ScenarioBuilder, flat, only, plannedTargets, upSeries } from "./fixtures";

export const HEALTH_SCENARIOS: Record<string, ScenarioBuilder> = {
  Watchdog: {
    activeFrom: () => 0,
    build: ({ r, rules, n }) => {
      // Fires whatever the data: with a healthy stack and with no data at all.
      const always: Expected[] = [{ rule: rules[0], labels: {}, value: 1 }];
      return { fires: { series: upSeries(r, n), expect: always }, healthy: { series: upSeries(r, n), expect: always }, idle: { series: [], expect: always } };
    },
  },
  TargetsBelowPlan: {
    // At minute 1 one SGLang replica goes down, the first router vanishes from discovery (a stale marker,
    // as when its instance stops), and so does the first node_exporter.
    activeFrom: () => 1,
    build: ({ r, rules, n }) => {
      const firstSglang = plannedTargets(r).find((p) => p.job.component === COMPONENT.sglang)!;
      const firstRouter = plannedTargets(r).find((p) => p.job.component === COMPONENT.router);
      const firstNode = plannedTargets(r).find((p) => p.job.component === COMPONENT.nodeExporter && p.job.planned !== undefined);
      const expect: Expected[] = [];
      const at = (job: string, healthy: number) => expect.push({ rule: only(rules, (x) => x.labels?.job === job, job), labels: {}, value: healthy });
      at(firstSglang.job.job, firstSglang.targets.length - 1);
      if (firstRouter) at(firstRouter.job.job, 0);
      if (firstNode) at(firstNode.job.job, firstNode.targets.length - 1);
      const series = upSeries(r, n, (job, _t, k) => {
        if (job.job === firstSglang.job.job && k === 0) return `1 ${flat(0, n - 1)}`;
        if ((job.job === firstRouter?.job.job || job.job === firstNode?.job.job) && k === 0) return "1 stale";
        return undefined;
      });
      return { fires: { series, expect }, healthy: { series: upSeries(r, n) }, idle: { series: upSeries(r, n) } };
    },
  },
  ScrapeJobAbsent: {
    // At minute 1 every target of the first service's SGLang job and of its router vanishes.
    activeFrom: () => 1,
    build: ({ r, rules, n }) => {
      const jobs = plannedTargets(r).filter((p) => p.job.planned !== undefined);
      const sglang = jobs.find((p) => p.job.component === COMPONENT.sglang)!.job;
      const router = jobs.find((p) => p.job.component === COMPONENT.router && p.job.service === sglang.service)?.job;
      const series = upSeries(r, n, (job) => (job.job === sglang.job || job.job === router?.job ? "1 stale" : undefined));
      const expect = [sglang, ...(router ? [router] : [])].map((j): Expected => ({ rule: only(rules, (x) => x.expr.includes(`"${j.job}"`), j.job), labels: { job: j.job }, value: 1 }));
      return { fires: { series, expect }, healthy: { series: upSeries(r, n) }, idle: { series: upSeries(r, n) } };
    },
  },
  SGLangTargetDown: {
    activeFrom: () => 0,
    build: ({ r, rules, n }) => {
      const down = new Set<string>();
      const series = upSeries(r, n, (job, t, k) => {
        // The first replica of every SGLang job is down; a down router is ScrapeTargetDown's business.
        if ((job.component === COMPONENT.sglang && k === 0) || job.component === COMPONENT.router) {
          if (job.component === COMPONENT.sglang) down.add(JSON.stringify(t));
          return flat(0, n);
        }
        return undefined;
      });
      const expect = [...down].map((t): Expected => ({ rule: rules[0], labels: JSON.parse(t), value: 0 }));
      return { fires: { series, expect }, healthy: { series: upSeries(r, n) }, idle: { series: upSeries(r, n) } };
    },
  },
  ScrapeTargetDown: {
    activeFrom: () => 0,
    build: ({ r, rules, n }) => {
      const down: Expected[] = [];
      const series = upSeries(r, n, (job, t, k) => {
        if (job.component === COMPONENT.sglang) return flat(0, n); // SGLang replicas have their own, slower alert.
        if (k === 0) {
          down.push({ rule: rules[0], labels: t, value: 0 });
          return flat(0, n);
        }
        return undefined;
      });
      return { fires: { series, expect: down }, healthy: { series: upSeries(r, n) }, idle: { series: upSeries(r, n) } };
    },
  },
};
