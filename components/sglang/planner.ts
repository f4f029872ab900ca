import { Accelerator, findAccelerator } from "../catalog/accelerators";
import { findInstanceType } from "../catalog/instances";
import { ModelArch } from "../catalog/models";
import { resolveModel } from "../catalog";
import { ServiceConfig, StackConfig } from "../config/schema";
import { parseServerArgs } from "./argparse";
import { launchArgs } from "./launch-args";
import { MemoryPlan, planMemory } from "./memory";

/** A GPU machine the planner can place replicas on (an EC2 instance, a Docker host, a k8s node slot). */
export interface NodePlan {
  readonly name: string;
  /** Node pool (aws/kubernetes) or host name (docker). */
  readonly pool: string;
  readonly gpu: Accelerator;
  readonly gpuCount: number;
  readonly instanceType?: string;
  readonly nvswitch: boolean;
  readonly hourlyUsd?: number;
}

export interface ReplicaPlan {
  readonly replica: number;
  readonly node: string;
  readonly gpus: readonly number[];
  /** Port the SGLang server binds: the service port, or a worker port when a router fronts the replicas. */
  readonly port: number;
  readonly launchArgs: readonly string[];
}

/** SGLang's cache-aware router, planned when a service has more than one replica. */
export interface RouterPlan {
  readonly node: string;
  /** The service port: the load balancer targets the router. */
  readonly port: number;
  /** The router's own Prometheus endpoint. */
  readonly metricsPort: number;
  readonly policy: "cache_aware";
  readonly workers: readonly { readonly node: string; readonly port: number }[];
}

export interface ColdStart {
  readonly imagePullSeconds: number;
  readonly weightsReadSeconds: number;
  readonly initSeconds: number;
  readonly totalSeconds: number;
}

export interface ServicePlan {
  readonly name: string;
  readonly spec: ServiceConfig;
  readonly model: ModelArch;
  readonly tp: number;
  readonly replicas: number;
  readonly port: number;
  readonly capacity: MemoryPlan & { readonly gpu: string };
  readonly placement: readonly ReplicaPlan[];
  readonly router?: RouterPlan;
  /** Replica 0's argv; every replica's own is in `placement`. */
  readonly launchArgs: readonly string[];
  /** Share of node cost, USD/hour; undefined when a node's price is unknown. */
  readonly costPerHourUsd?: number;
  readonly coldStart: ColdStart;
  /** Size of a cache holding this service's weights (kubernetes: each replica's volume): `cache.sizeGiB`, else weightCacheGiB(checkpoint). */
  readonly weightCacheGiB: number;
}

/** The weight cache of one node: the distinct models placed on it, and the volume size they need. */
export interface CachePlan {
  readonly node: string;
  /** Repository folders the node's replicas load, in service order. */
  readonly repos: readonly string[];
  readonly weightBytes: number;
  /** Volume size: `cache.sizeGiB`, or the weight bytes x CACHE_HEADROOM rounded up to CACHE_STEP_GIB. */
  readonly sizeGiB: number;
}

/** Room for a second revision during a switch, tokenizer and config files, and filesystem overhead. */
export const CACHE_HEADROOM = 1.3;
export const CACHE_STEP_GIB = 50;

export function cacheSizeGiB(weightBytes: number, override?: number): number {
  return override ?? Math.max(CACHE_STEP_GIB, Math.ceil((weightBytes * CACHE_HEADROOM) / 2 ** 30 / CACHE_STEP_GIB) * CACHE_STEP_GIB);
}

export interface DeploymentPlan {
  readonly stack: string;
  readonly environment: string;
  readonly platform: StackConfig["platform"];
  readonly nodes: readonly NodePlan[];
  readonly services: readonly ServicePlan[];
  /** Weight bytes of every distinct model, for sizing caches. */
  readonly weightBytes: number;
  /** One weight cache per node (aws: a gp3 volume), sized for the models placed on it. */
  readonly caches: readonly CachePlan[];
}

/** One reason a config cannot be deployed, with the key it concerns and what to do instead. */
export interface PlanProblem {
  readonly path: string;
  readonly message: string;
  readonly advice?: string;
}

export class PlanError extends Error {
  constructor(readonly problems: readonly PlanProblem[]) {
    const lines = problems.map((p) => `${p.path}: ${p.message}${p.advice ? ` (${p.advice})` : ""}`);
    super(lines.length === 1 ? `the plan cannot be deployed: ${lines[0]}` : `the plan cannot be deployed (${lines.length} problems):\n${lines.map((l) => `  - ${l}`).join("\n")}`);
    this.name = "PlanError";
  }
}

/** First port handed to SGLang replicas that sit behind a router (SGLang's own default port). */
export const WORKER_PORT_BASE = 30000;
/** First port for routers' Prometheus endpoints (sglang-router's default). */
export const ROUTER_METRICS_PORT_BASE = 29000;

/**
 * Cold-start assumptions, seconds and sizes; estimates, stated so users can re-weigh them.
 * The SGLang cu126 image is about 11 GiB compressed; pulls from Docker Hub run near 150 MiB/s
 * on GPU instances; weight deserialisation, NCCL set-up and CUDA-graph capture take about 90 s
 * for a 32B model at tp 2 on Hopper.
 */
export const COLD_START = { imageGiB: 11, pullMiBps: 150, initSeconds: 90 } as const;

export function expandNodes(config: StackConfig): NodePlan[] {
  if (config.platform === "docker") {
    return config.hosts.map((h) => ({ name: h.name, pool: h.name, gpu: findAccelerator(h.gpu)!, gpuCount: h.gpuCount, nvswitch: false, hourlyUsd: h.hourlyUsd }));
  }
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
      hourlyUsd: it?.onDemandUsdPerHour,
    }));
  });
}

const divisors = (n: number, max: number) => Array.from({ length: max }, (_, i) => i + 1).filter((d) => n % d === 0);

/** SGLang's TP constraints: attention heads divide evenly; KV heads divide or are replicated evenly. */
export function tpProblems(model: ModelArch, tp: number): string[] {
  const out: string[] = [];
  if (model.numAttentionHeads % tp !== 0) out.push(`tp ${tp} does not divide ${model.id}'s ${model.numAttentionHeads} attention heads`);
  const kv = model.numKeyValueHeads;
  if (kv % tp !== 0 && tp % kv !== 0) out.push(`tp ${tp} neither divides nor is a multiple of ${model.id}'s ${kv} KV heads`);
  if (model.visionHeads && model.visionHeads % tp !== 0) out.push(`tp ${tp} does not divide ${model.id}'s ${model.visionHeads} vision-tower heads`);
  return out;
}

export function validTps(model: ModelArch, maxTp = 8): number[] {
  return divisors(model.numAttentionHeads, maxTp).filter((t) => tpProblems(model, t).length === 0);
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

interface NodeState {
  node: NodePlan;
  free: Set<number>;
  nextWorkerPort: number;
  nextMetricsPort: number;
}

/** Picks tp free GPUs, preferring an aligned block (0-1, 2-3, ...) so TP pairs share a switch. */
function pickGpus(free: Set<number>, count: number, tp: number): number[] | undefined {
  for (let start = 0; start + tp <= count; start += tp) {
    const block = Array.from({ length: tp }, (_, k) => start + k);
    if (block.every((g) => free.has(g))) return block;
  }
  const any = [...free].sort((a, b) => a - b).slice(0, tp);
  return any.length === tp ? any : undefined;
}

export interface PlanOptions {
  /** Resolves a service's `model` string. @default - catalog, then a config.json path */
  readonly resolveModel?: (ref: string) => ModelArch;
}

/**
 * Plans a stack: resolves models, checks TP and memory with SGLang's own math, places every replica
 * on GPUs, assigns ports and builds each replica's launch argv. Collects every problem and throws
 * one PlanError listing them all, so nothing is registered for a config that cannot work.
 */
export function planDeployment(stack: string, config: StackConfig, options: PlanOptions = {}): DeploymentPlan {
  const problems: PlanProblem[] = [];
  const nodes = expandNodes(config);
  const states = new Map<string, NodeState>(
    nodes.map((n) => [n.name, { node: n, free: new Set(Array.from({ length: n.gpuCount }, (_, i) => i)), nextWorkerPort: WORKER_PORT_BASE, nextMetricsPort: ROUTER_METRICS_PORT_BASE }]),
  );
  const servicePorts = new Set(config.services.map((s) => s.port));
  const resolve = options.resolveModel ?? ((ref: string) => resolveModel(ref));

  const models = config.services.map((svc, i) => {
    try {
      return resolve(svc.model);
    } catch (e) {
      problems.push({ path: `services[${i}].model`, message: (e as Error).message });
      return undefined;
    }
  });

  // Explicit placements first so first-fit never takes GPUs a user pinned.
  const placed: ({ node: string; gpus: number[] } | undefined)[][] = config.services.map((s) => Array(s.replicas).fill(undefined));
  config.services.forEach((svc, si) =>
    svc.placement?.forEach((p, r) => {
      const path = `services[${si}].placement[${r}]`;
      const st = states.get(p.node);
      if (!st) {
        problems.push({ path: `${path}.node`, message: `unknown node '${p.node}'`, advice: `valid: ${nodes.map((n) => n.name).join(", ")}` });
        return;
      }
      const outOfRange = p.gpus.filter((g) => g >= st.node.gpuCount);
      const taken = p.gpus.filter((g) => g < st.node.gpuCount && !st.free.has(g));
      if (outOfRange.length) problems.push({ path: `${path}.gpus`, message: `node '${p.node}' has ${st.node.gpuCount} GPUs (0-${st.node.gpuCount - 1}); [${outOfRange.join(", ")}] do not exist` });
      else if (taken.length) problems.push({ path: `${path}.gpus`, message: `GPUs [${taken.join(", ")}] of node '${p.node}' are already placed` });
      else {
        p.gpus.forEach((g) => st.free.delete(g));
        placed[si][r] = { node: p.node, gpus: [...p.gpus] };
      }
    }),
  );

  config.services.forEach((svc, si) => {
    const model = models[si];
    if (model) for (const msg of tpProblems(model, svc.tp)) problems.push({ path: `services[${si}].tp`, message: msg, advice: `valid tp for this model: ${validTps(model).join(", ")}` });
    if (svc.placement) return;
    const candidates = [...states.values()].filter((s) => !svc.nodePool || s.node.pool === svc.nodePool);
    for (let r = 0; r < svc.replicas; r++) {
      let got: { node: string; gpus: number[] } | undefined;
      for (const st of candidates) {
        const gpus = pickGpus(st.free, st.node.gpuCount, svc.tp);
        if (gpus) {
          gpus.forEach((g) => st.free.delete(g));
          got = { node: st.node.name, gpus };
          break;
        }
      }
      if (!got) {
        const freeList = candidates.map((s) => `${s.node.name}: ${s.free.size} free of ${s.node.gpuCount}`).join(", ") || "no nodes";
        problems.push({ path: `services[${si}].replicas`, message: `replica ${r} of '${svc.name}' needs ${svc.tp} GPUs but none are left (${freeList})`, advice: "add nodes, raise a pool's count, or lower replicas/tp" });
        break;
      }
      placed[si][r] = got;
    }
  });

  const services: ServicePlan[] = [];
  config.services.forEach((svc, si) => {
    const model = models[si];
    const slots = placed[si];
    if (!model || slots.some((s) => s === undefined)) return;
    const slotNodes = slots.map((s) => states.get(s!.node)!);
    // The smallest GPU among the replicas' nodes bounds the service, as SGLang takes the min over ranks.
    const gpu = slotNodes.map((s) => s.node.gpu).reduce((a, b) => (b.memoryMiB < a.memoryMiB ? b : a));
    const mem = memoryFor(svc, model, gpu);
    if (mem.kvTokens <= 0) {
      problems.push({ path: `services[${si}]`, message: `${model.id} does not fit on ${gpu.id} at tp ${svc.tp}: weights take ${mem.weightsGiBPerGpu.toFixed(2)} GiB per GPU and leave no KV cache within mem_fraction_static ${mem.memFractionStatic.toFixed(4)}`, advice: fitAdvice(svc, model, gpu, mem, Math.max(...nodes.map((n) => n.gpuCount))) });
      return;
    }
    if (!mem.fitsContext) {
      problems.push({ path: `services[${si}].contextLength`, message: `KV pool of ${mem.kvTokens} tokens on ${gpu.id} at tp ${svc.tp} is smaller than contextLength ${mem.contextLength}`, advice: fitAdvice(svc, model, gpu, mem, Math.max(...nodes.map((n) => n.gpuCount))) });
      return;
    }
    const routed = svc.replicas > 1;
    const base = {
      modelRepo: svc.weights.repo ?? model.id,
      servedModelName: model.id,
      tp: svc.tp,
      contextLength: svc.contextLength,
      ropeScaling: svc.ropeScaling,
      chatTemplate: svc.chatTemplate ?? model.chatTemplate,
      maxRunningRequests: svc.maxRunningRequests,
      chunkedPrefillSize: svc.chunkedPrefillSize,
      memFractionStatic: svc.memFractionStatic,
      kvCacheDtype: svc.kvCacheDtype,
      extraArgs: svc.extraArgs,
    };
    // Every Kubernetes pod has its own network namespace, so all replicas of a service bind one
    // worker port: one pod template and the router's --service-discovery-port cover them all.
    const podWorkerPort = config.platform === "kubernetes" ? firstFreePort(WORKER_PORT_BASE, servicePorts) : undefined;
    const placement: ReplicaPlan[] = slots.map((slot, r) => {
      const st = states.get(slot!.node)!;
      let port = svc.port;
      if (routed && podWorkerPort !== undefined) port = podWorkerPort;
      else if (routed) {
        while (servicePorts.has(st.nextWorkerPort)) st.nextWorkerPort++;
        port = st.nextWorkerPort++;
      }
      return { replica: r, node: slot!.node, gpus: slot!.gpus, port, launchArgs: launchArgs({ ...base, port }) };
    });
    placement.forEach((p, r) => {
      const parsed = parseServerArgs(p.launchArgs);
      for (const err of parsed.errors) problems.push({ path: `services[${si}].extraArgs`, message: `replica ${r}: SGLang 0.4.9.post2 would reject the command line: ${err}` });
    });
    let router: RouterPlan | undefined;
    if (routed) {
      const st = states.get(placement[0].node)!;
      router = { node: st.node.name, port: svc.port, metricsPort: st.nextMetricsPort++, policy: "cache_aware", workers: placement.map((p) => ({ node: p.node, port: p.port })) };
    }
    const prices = placement.map((p) => {
      const n = states.get(p.node)!.node;
      return n.hourlyUsd === undefined ? undefined : (n.hourlyUsd * p.gpus.length) / n.gpuCount;
    });
    const costPerHourUsd = prices.some((p) => p === undefined) ? undefined : round2(prices.reduce((a, b) => a! + b!, 0)!);
    const imagePullSeconds = Math.round((COLD_START.imageGiB * 1024) / COLD_START.pullMiBps);
    const weightsReadSeconds = Math.round(model.checkpointBytes / 2 ** 20 / config.cache.throughputMiBps);
    services.push({
      name: svc.name,
      spec: svc,
      model,
      tp: svc.tp,
      replicas: svc.replicas,
      port: svc.port,
      capacity: { ...mem, gpu: gpu.id },
      placement,
      router,
      launchArgs: placement[0].launchArgs,
      costPerHourUsd,
      coldStart: { imagePullSeconds, weightsReadSeconds, initSeconds: COLD_START.initSeconds, totalSeconds: imagePullSeconds + weightsReadSeconds + COLD_START.initSeconds },
      weightCacheGiB: config.cache.sizeGiB ?? weightCacheGiB(model.checkpointBytes),
    });
  });

  if (problems.length) throw new PlanError(problems);
  const distinct = new Map(services.map((s) => [s.spec.weights.repo ?? s.model.id, s.model.checkpointBytes]));
  return {
    stack,
    environment: config.environment ?? stack,
    platform: config.platform,
    nodes,
    services,
    weightBytes: [...distinct.values()].reduce((a, b) => a + b, 0),
    caches: nodes.map((n) => {
      const onNode = new Map(services.filter((s) => s.placement.some((p) => p.node === n.name)).map((s) => [s.spec.weights.repo ?? s.model.id, s.model.checkpointBytes]));
      const weightBytes = [...onNode.values()].reduce((a, b) => a + b, 0);
      return { node: n.name, repos: [...onNode.keys()], weightBytes, sizeGiB: cacheSizeGiB(weightBytes, config.cache.sizeGiB) };
    }),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** A weight cache for `bytes` of checkpoint: 30% headroom (tokenizer, configs, filesystem overhead), rounded up to 50 GiB. */
export function weightCacheGiB(bytes: number): number {
  return Math.ceil((bytes * 1.3) / 2 ** 30 / 50) * 50;
}

function firstFreePort(from: number, taken: ReadonlySet<number>): number {
  let port = from;
  while (taken.has(port)) port++;
  return port;
}
