import { Accelerator } from "../../catalog/accelerators";
import { ModelArch } from "../../catalog/models";
import { ServiceConfig } from "../../config/schema";
import { keyPath, Problem } from "../../problems";
import { MemoryPlan, planMemory } from "../memory";
import { validTps } from "./resolve-models";
import { ColdStart, ColdStartInput, planColdStart } from "./cold-start";
import { NodePlan, PhaseResult, Slot } from "./types";

export { COLD_START } from "./cold-start";

/** What a placed service needs and costs. */
export interface ServiceSize {
  /** SGLang's memory math on the smallest GPU among the replicas' nodes. */
  readonly capacity: MemoryPlan & { readonly gpu: string };
  /** Share of node cost, USD/hour; undefined when a node's price is unknown. */
  readonly costPerHourUsd?: number;
  readonly coldStart: ColdStart;
}

export interface ServiceSizes extends PhaseResult {
  /** Per service; undefined where the model or a slot is missing, or the service does not fit. */
  readonly sizes: readonly (ServiceSize | undefined)[];
}

export interface SizeInput {
  readonly services: readonly ServiceConfig[];
  readonly models: readonly (ModelArch | undefined)[];
  readonly slots: readonly (readonly Slot[] | undefined)[];
  readonly nodes: readonly NodePlan[];
  /** Cache read rate, MiB/s (`cache.throughputMiBps`), for the cold-start estimate. */
  readonly cacheThroughputMiBps: number;
  /** Hub download rate for the first download. @default COLD_START.hubRate, an assumption */
  readonly hubRate?: ColdStartInput;
}

function memoryFor(svc: ServiceConfig, model: ModelArch, gpu: Accelerator, tp = svc.tp): MemoryPlan {
  return planMemory({
    model,
    gpuMemoryMiB: gpu.memoryMiB,
    tp,
    contextLength: svc.contextLength,
    memFractionStatic: svc.memFractionStatic,
    kvCacheDtype: svc.kvCacheDtype,
    maxRunningRequests: svc.maxRunningRequests,
    chunkedPrefillSize: svc.chunkedPrefillSize,
  });
}

/** Advice for a service that does not fit: the smallest tp that would, or a context that would. */
function fitAdvice(svc: ServiceConfig, model: ModelArch, gpu: Accelerator, mem: MemoryPlan, maxGpus: number): string {
  const tips: string[] = [];
  const better = validTps(model, Math.max(maxGpus, 1)).find((t) => t > svc.tp && memoryFor(svc, model, gpu, t).fitsContext);
  if (better) tips.push(`tp ${better} fits`);
  if (mem.kvTokens > 0) tips.push(`contextLength <= ${Math.floor(mem.kvTokens / 1024) * 1024} fits at tp ${svc.tp}`);
  if (svc.kvCacheDtype === "auto" && memoryFor({ ...svc, kvCacheDtype: "fp8_e4m3" }, model, gpu).fitsContext) tips.push(`kvCacheDtype fp8_e4m3 fits`);
  tips.push("or use a GPU with more memory");
  return tips.join("; ");
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Tokens (prompt + output) of the typical request the plan also counts concurrency for. */
export const TYPICAL_REQUEST_TOKENS = 4096;

/** How many requests one replica's KV pool holds at once. */
export interface Concurrency {
  /** Requests that each fill the whole context. */
  readonly atContextLength: number;
  /** Requests of TYPICAL_REQUEST_TOKENS tokens. */
  readonly atTypicalRequest: number;
  readonly typicalRequestTokens: number;
}

/** The KV pool as concurrent requests, at most `maxRunningRequests` (SGLang admits no more). */
export function concurrency(m: Pick<MemoryPlan, "kvTokens" | "contextLength" | "maxRunningRequests">): Concurrency {
  const cap = (n: number) => Math.max(0, Math.min(m.maxRunningRequests, Math.floor(n)));
  return { atContextLength: cap(m.kvTokens / m.contextLength), atTypicalRequest: cap(m.kvTokens / TYPICAL_REQUEST_TOKENS), typicalRequestTokens: TYPICAL_REQUEST_TOKENS };
}

/** The service's share of its nodes' prices: each replica pays for the GPUs it holds. */
export function costPerHourUsd(slots: readonly Slot[], nodes: ReadonlyMap<string, NodePlan>): number | undefined {
  const prices = slots.map((s) => {
    const n = nodes.get(s.node)!;
    return n.hourlyUsd === undefined ? undefined : (n.hourlyUsd * s.gpus.length) / n.gpuCount;
  });
  return prices.some((p) => p === undefined) ? undefined : round2(prices.reduce((a, b) => a! + b!, 0)!);
}

/** A service's cold start: its replicas' nodes start at once, so the slowest instance boot counts. */
function serviceColdStart(checkpointBytes: number, slots: readonly Slot[], nodes: ReadonlyMap<string, NodePlan>, input: SizeInput): ColdStart {
  const boot = slots.map((s) => nodes.get(s.node)!.boot).reduce((a, b) => (b.instanceBoot.value > a.instanceBoot.value ? b : a));
  return planColdStart({ checkpointBytes, cacheThroughputMiBps: input.cacheThroughputMiBps, boot, hubRate: input.hubRate });
}

/**
 * Phase 4: SGLang's own memory math for each placed service, on the smallest GPU among its
 * replicas' nodes (SGLang takes the minimum over ranks). Refuses a service whose weights leave no
 * KV cache or whose KV pool is shorter than its context, with advice that would fit.
 */
export function sizeServices(input: SizeInput): ServiceSizes {
  const problems: Problem[] = [];
  const byName = new Map(input.nodes.map((n) => [n.name, n]));
  const maxGpus = Math.max(...input.nodes.map((n) => n.gpuCount));
  const sizes = input.services.map((svc, si): ServiceSize | undefined => {
    const model = input.models[si];
    const slots = input.slots[si];
    if (!model || !slots) return undefined;
    const gpu = slots.map((s) => byName.get(s.node)!.gpu).reduce((a, b) => (b.memoryMiB < a.memoryMiB ? b : a));
    const mem = memoryFor(svc, model, gpu);
    if (mem.kvTokens <= 0) {
      problems.push({
        path: keyPath(["services", si]),
        rule: `${model.id} does not fit on ${gpu.id} at tp ${svc.tp}: weights take ${mem.weightsGiBPerGpu.toFixed(2)} GiB per GPU and leave no KV cache within mem_fraction_static ${mem.memFractionStatic.toFixed(4)}`,
        advice: fitAdvice(svc, model, gpu, mem, maxGpus),
      });
      return undefined;
    }
    if (!mem.fitsContext) {
      problems.push({
        path: keyPath(["services", si, "contextLength"]),
        rule: `KV pool of ${mem.kvTokens} tokens on ${gpu.id} at tp ${svc.tp} is smaller than contextLength ${mem.contextLength}`,
        advice: fitAdvice(svc, model, gpu, mem, maxGpus),
      });
      return undefined;
    }
    return { capacity: { ...mem, gpu: gpu.id }, costPerHourUsd: costPerHourUsd(slots, byName), coldStart: serviceColdStart(model.checkpointBytes, slots, byName, input) };
  });
  return { sizes, problems };
}
