import { findAccelerator } from "../../catalog/accelerators";
import { findInstanceType } from "../../catalog/instances";
import { StackConfig } from "../../config/schema";
import { traitsOf } from "../../platforms/traits";
import { NodePlan } from "./types";

/** A machine's price from config: `hourlyUsd` for the whole machine, else `gpuHourlyUsd` x its GPUs. */
function hostPrice(m: { readonly hourlyUsd?: number; readonly gpuHourlyUsd?: number }, gpuCount: number): Pick<NodePlan, "hourlyUsd" | "priceSource"> {
  if (m.hourlyUsd !== undefined) return { hourlyUsd: m.hourlyUsd, priceSource: "config hourlyUsd" };
  if (m.gpuHourlyUsd !== undefined) return { hourlyUsd: m.gpuHourlyUsd * gpuCount, priceSource: `config gpuHourlyUsd x ${gpuCount} GPUs` };
  return {};
}

/**
 * Phase 0, the machines: one NodePlan per host, or per node of each pool (`<pool>-<i>`). The config
 * schema has already checked every GPU and instance type against the catalog, so this finds no problems.
 */
export function expandNodes(config: StackConfig): NodePlan[] {
  if (traitsOf(config.platform).machines === "hosts")
    return config.hosts.map((h) => ({ name: h.name, pool: h.name, gpu: findAccelerator(h.gpu)!, gpuCount: h.gpuCount, nvswitch: false, ...hostPrice(h, h.gpuCount) }));
  return config.nodePools.flatMap((p) => {
    const it = p.instanceType ? findInstanceType(p.instanceType) : undefined;
    const gpu = findAccelerator(it?.gpu ?? p.gpu ?? "")!;
    const gpuCount = it?.gpuCount ?? p.gpusPerNode ?? 0;
    return Array.from({ length: p.count }, (_, i) => ({
      name: `${p.name}-${i}`,
      pool: p.name,
      gpu,
      gpuCount,
      instanceType: it?.name,
      nvswitch: it?.nvswitch ?? false,
      ...(p.gpuHourlyUsd !== undefined
        ? hostPrice(p, gpuCount)
        : it && { hourlyUsd: it.onDemandUsdPerHour, priceSource: `${it.name} on-demand, us-east-1 (${it.priceSource})` }),
    }));
  });
}
