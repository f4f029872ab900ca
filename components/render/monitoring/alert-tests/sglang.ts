/** promtool scenarios of the SGLang service alerts. */
import { SGLANG, SGLANG_HISTOGRAMS, TTFT_BUCKETS } from "../metrics";
import { durationSeconds } from "../resolve";
import { InputSeries, Labels, ScenarioBuilder, flat, ramp, sglangReplica, tokenizerReplica } from "./fixtures";

const minutes = (d: string): number => Math.ceil(durationSeconds(d) / 60);

/** TTFT histogram series of a replica: `perMinute` observations each minute, all in the bucket whose upper bound is `observedAt`. */
function ttftBuckets(labels: Labels, observedAt: number, perMinute: number, n: number): InputSeries[] {
  const h = SGLANG_HISTOGRAMS.timeToFirstToken;
  const bounds = [...TTFT_BUCKETS, Number.POSITIVE_INFINITY];
  return [
    ...bounds.map((le) => ({ name: `${h}_bucket`, labels: { ...labels, le: Number.isFinite(le) ? String(le) : "+Inf" }, values: le >= observedAt ? ramp(0, perMinute, n) : flat(0, n) })),
    { name: `${h}_count`, labels, values: ramp(0, perMinute, n) },
  ];
}

/** The bucket at or above `threshold` (lo), the next one (hi), and the p95 histogram_quantile interpolates inside (lo, hi]. */
function slowBucket(threshold: number): { hi: number; p95: number } {
  const bounds = [...TTFT_BUCKETS, Number.POSITIVE_INFINITY];
  const lo = bounds.find((b) => b >= threshold) ?? TTFT_BUCKETS[TTFT_BUCKETS.length - 1];
  const hi = bounds[bounds.indexOf(lo) + 1];
  return { hi, p95: Number.isFinite(hi) ? lo + (hi - lo) * 0.95 : lo };
}

export const SGLANG_SCENARIOS: Record<string, ScenarioBuilder> = {
  SGLangKVCacheHigh: {
    activeFrom: () => 0,
    build: ({ r, a, rules, n }) => {
      const high = (a.kvUsageThreshold + 1) / 2;
      const [bad, fullNoQueue, queuedKvFree] = [sglangReplica(r, 0, 0), sglangReplica(r, 0, 1), sglangReplica(r, 1, 0)];
      const replica = (labels: Labels, usage: number, queue: number): InputSeries[] => [
        { name: SGLANG.tokenUsage, labels, values: flat(usage, n) },
        { name: SGLANG.numQueueReqs, labels, values: flat(queue, n) },
      ];
      return {
        // A full pool alone is the radix cache doing its job; it fires only with requests waiting.
        fires: { series: [...replica(bad, high, 3), ...replica(fullNoQueue, high, 0), ...replica(queuedKvFree, a.kvUsageThreshold / 2, 5)], expect: [{ rule: rules[0], labels: bad, value: high }] },
        healthy: { series: [...replica(bad, a.kvUsageThreshold / 2, 0), ...replica(queuedKvFree, a.kvUsageThreshold / 2, 1)] },
        idle: { series: [...replica(bad, 0, 0), ...replica(queuedKvFree, 0, 0)] },
      };
    },
  },
  SGLangQueueGrowing: {
    activeFrom: () => 1,
    build: ({ r, a, rules, n, fireAt }) => {
      const bad = sglangReplica(r, 0, 0);
      return {
        fires: {
          series: [
            // One more waiting request per minute, starting at the minimum depth.
            { name: SGLANG.numQueueReqs, labels: bad, values: ramp(a.queueMinDepth, 1, n) },
            // A deep but steady queue and a draining one must not fire.
            { name: SGLANG.numQueueReqs, labels: sglangReplica(r, 0, 1), values: flat(a.queueMinDepth + 5, n) },
            { name: SGLANG.numQueueReqs, labels: sglangReplica(r, 1, 0), values: ramp(a.queueMinDepth + n, -1, n) },
          ],
          expect: [{ rule: rules[0], labels: bad, value: a.queueMinDepth + fireAt }],
        },
        healthy: { series: [{ name: SGLANG.numQueueReqs, labels: bad, values: flat(0, n) }] },
        idle: { series: [{ name: SGLANG.numQueueReqs, labels: bad, values: flat(0, n) }] },
      };
    },
  },
  SGLangQueueDeep: {
    activeFrom: () => 0,
    build: ({ r, a, rules, n }) => {
      const bad = sglangReplica(r, 0, 0);
      return {
        fires: {
          series: [
            // Large and flat: the growth alert never sees it.
            { name: SGLANG.numQueueReqs, labels: bad, values: flat(a.queueDeepDepth, n) },
            { name: SGLANG.numQueueReqs, labels: sglangReplica(r, 0, 1), values: flat(a.queueDeepDepth - 1, n) },
          ],
          expect: [{ rule: rules[0], labels: bad, value: a.queueDeepDepth }],
        },
        healthy: { series: [{ name: SGLANG.numQueueReqs, labels: bad, values: flat(Math.floor(a.queueDeepDepth / 2), n) }] },
        idle: { series: [{ name: SGLANG.numQueueReqs, labels: bad, values: flat(0, n) }] },
      };
    },
  },
  SGLangTTFTP95High: {
    activeFrom: () => 1,
    build: ({ r, a, rules, n }) => {
      // Service 0 is slow against its own threshold; every other service answers within the first bucket.
      const slow = slowBucket(r.services[0].ttftP95Seconds);
      // Busy enough for the traffic guard from the second sample on, while the rate window still reaches before the data.
      const busy = Math.ceil(a.ttftMinRequestsPerSecond * durationSeconds(a.ttftWindow)) * 4;
      const sparse = (a.ttftMinRequestsPerSecond * 60) / 4;
      const fast = (perMinute: number) => r.services.slice(1).flatMap((_s, i) => ttftBuckets(tokenizerReplica(r, i + 1, 0), TTFT_BUCKETS[0], perMinute, n));
      const a0 = tokenizerReplica(r, 0, 0);
      return {
        fires: { series: [...ttftBuckets(a0, slow.hi, busy, n), ...fast(busy)], expect: [{ rule: rules[0], labels: a0, value: slow.p95 }] },
        healthy: { series: [...ttftBuckets(a0, TTFT_BUCKETS[0], busy, n), ...fast(busy)] },
        // Slow, but too few requests for a p95 to mean anything: the traffic guard keeps it quiet.
        idle: { series: [...ttftBuckets(a0, slow.hi, sparse, n), ...fast(0)] },
      };
    },
  },
  SGLangThroughputStall: {
    // Tokens stop at minute 2; the alert waits for a whole window without them. The window's edge is
    // inclusive in Prometheus 2 and exclusive in 3, so the quiet evaluation stays two minutes before.
    activeFrom: (a) => 2 + minutes(a.stallWindow),
    quietMargin: 2,
    build: ({ r, rules, n, fireAt }) => {
      const [bad, ok] = [sglangReplica(r, 0, 0), sglangReplica(r, 0, 1)];
      const tokens = (labels: Labels, values: string): InputSeries => ({ name: SGLANG.generationTokensTotal, labels: tokenizerReplica(r, 0, labels === bad ? 0 : 1), values });
      const stopsAt2 = `0 50 ${flat(100, n - 2)}`;
      return {
        fires: {
          series: [
            { name: SGLANG.numRunningReqs, labels: bad, values: flat(4, n) },
            tokens(bad, stopsAt2),
            { name: SGLANG.numRunningReqs, labels: ok, values: flat(4, n) },
            tokens(ok, ramp(0, 50, n)),
            // Started a minute before the evaluation (younger than any window), busy, nothing finished yet: too young to judge.
            { name: SGLANG.numRunningReqs, labels: sglangReplica(r, 0, 2), values: `_x${fireAt - 1} ${flat(4, n - fireAt + 1)}` },
          ],
          expect: [{ rule: rules[0], labels: bad, value: 4 }],
        },
        healthy: { series: [{ name: SGLANG.numRunningReqs, labels: bad, values: flat(4, n) }, tokens(bad, ramp(0, 50, n))] },
        // Idle: nothing runs, nothing is generated (the counter has not even appeared yet).
        idle: { series: [{ name: SGLANG.numRunningReqs, labels: bad, values: flat(0, n) }] },
      };
    },
  },
};
