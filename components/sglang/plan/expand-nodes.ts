import { findAccelerator } from "../../catalog/accelerators";
import { gpuOnDemandPrice } from "../../catalog/gpu-prices";
import { findInstanceType } from "../../catalog/instances";
import { StackConfig } from "../../config/schema";
import { traitsOf } from "../../platforms/traits";
import { NODE_BOOT } from "./cold-start";
import { NodePlan } from "./types";

/** A machine's price from config: `hourlyUsd` for the whole machine, else `gpuHourlyUsd` x its GPUs. */
function hostPrice(m: { readonly hourlyUsd?: number; readonly gpuHourlyUsd?: number }, gpuCount: number): Pick<NodePlan, "hourlyUsd" | "priceSource"> {
  if (m.hourlyUsd !== undefined) return { hourlyUsd: m.hourlyUsd, priceSource: "config hourlyUsd" };
  if (m.gpuHourlyUsd !== undefined) return { hourlyUsd: m.gpuHourlyUsd * gpuCount, priceSource: `config gpuHourlyUsd x ${gpuCount} GPUs` };
  return {};
}

/** A catalog price is one region's; an unknown one is no price (with the reason), never another region's. */
function catalogPrice(instanceType: string, region: string | undefined): Pick<NodePlan, "hourlyUsd" | "priceSource" | "priceRegion"> {
  const p = gpuOnDemandPrice(instanceType, region);
  return p.hourlyUsd === null ? { priceSource: p.priceSource } : { hourlyUsd: p.hourlyUsd, priceSource: p.priceSource, priceRegion: region };
}

/**
 * Phase 0, the machines: one NodePlan per host, or per node of each pool (`<pool>-<i>`). The config
 * schema has already checked every GPU and instance type against the catalog, so this finds no problems.
 * An instance type's price is `region`'s On-Demand price, or none when the catalog has no such price.
 * Each node carries its platform's boot assumptions for the cold-start estimate.
 */
export function expandNodes(config: StackConfig, region?: string): NodePlan[] {
  const boot = NODE_BOOT[config.platform];
  if (traitsOf(config.platform).machines === "hosts")
    return config.hosts.map((h) => ({ name: h.name, pool: h.name, gpu: findAccelerator(h.gpu)!, gpuCount: h.gpuCount, nvswitch: false, ...hostPrice(h, h.gpuCount), boot }));
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
      ...(p.gpuHourlyUsd !== undefined ? hostPrice(p, gpuCount) : it && catalogPrice(it.name, region)),
      boot,
    }));
  });
}
