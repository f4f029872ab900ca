import type { ColdStart, ColdStartInput, ColdStartInputs, ServicePlan } from "../components/sglang/planner";
import { table } from "./plan-table";

/** The title of the plan's cold-start section: what the totals mean (README "Cold start"). */
export const COLD_START_TITLE =
  'cold start, in phases (seconds, estimates; README "Cold start"): first boot = every phase; warm boot = a replacement re-attaching the weight cache (no first download, the image pulled again); reboot = a warm boot that keeps the image:';

/** One row per service: the phases, then the totals. */
export function coldStartTable(services: readonly ServicePlan[]): string {
  return table(
    ["service", "instance boot", "image pull", "first download", "load from cache", "warm-up", "first boot", "warm boot", "reboot"],
    services.map((s) => {
      const c = s.coldStart;
      return [
        s.name,
        ...[c.instanceBootSeconds, c.imagePullSeconds, c.firstDownloadSeconds, c.loadFromCacheSeconds, c.warmupSeconds, c.firstBootSeconds, c.warmBootSeconds, c.rebootSeconds].map(String),
      ];
    }),
  );
}

const LABELS: Record<keyof ColdStartInputs, string> = {
  instanceBootSeconds: "instance boot",
  imageGiB: "image size",
  imagePullMiBps: "image pull rate",
  checkpointBytes: "weights",
  hubRateMBps: "hub rate (first download)",
  cacheThroughputMiBps: "cache read rate (load from cache)",
  warmupSeconds: "warm-up",
};

const GB = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;
const show = (i: ColdStartInput) => (i.unit === "bytes" ? GB(i.value) : `${i.value} ${i.unit}`);

/**
 * What the figures rest on, one line per input, each marked assumption or config/catalog value;
 * weights per service, the rest once (every service of a stack shares them).
 */
export function coldStartInputLines(coldStarts: readonly (readonly [string, ColdStart])[]): string[] {
  if (coldStarts.length === 0) return [];
  const inputs = coldStarts[0][1].inputs;
  const mark = (i: ColdStartInput) => (i.assumption ? "[assumption]" : "[set]");
  return (Object.keys(LABELS) as (keyof ColdStartInputs)[]).flatMap((k) =>
    k === "checkpointBytes"
      ? [`  ${mark(inputs[k])} ${LABELS[k]}: ${coldStarts.map(([name, c]) => `${name} ${show(c.inputs[k])}`).join(", ")} (${inputs[k].source})`]
      : [`  ${mark(inputs[k])} ${LABELS[k]} ${show(inputs[k])}: ${inputs[k].source}`],
  );
}
