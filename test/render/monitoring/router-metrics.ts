/**
 * The router's real exposition: test/fixtures/smg-1.13.0-metrics.txt, scraped from smg 1.13.0 (the
 * chosen router, components/sglang/router-release.json) in front of two echo workers. The names and
 * labels the alerts and dashboards use must appear there.
 */
import { readFileSync } from "fs";
import { join } from "path";

export const ROUTER_EXPOSITION = readFileSync(join(__dirname, "..", "..", "fixtures", "smg-1.13.0-metrics.txt"), "utf8");

/** Sample name -> label names seen on it. */
export const ROUTER_SAMPLES: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const samples = new Map<string, Set<string>>();
  for (const line of ROUTER_EXPOSITION.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!m) continue;
    const labels = samples.get(m[1]) ?? new Set<string>();
    for (const kv of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(kv[1]);
    samples.set(m[1], labels);
  }
  return samples;
})();

/** What the router serves on its metrics port (comment lines are ignored by Prometheus' parser). */
export const routerExposition = (): string => ROUTER_EXPOSITION;
