import { Accelerator } from "../../catalog/accelerators";
import { ModelArch } from "../../catalog/models";
import { ServiceConfig, StackConfig } from "../../config/schema";
import { Problem } from "../../problems";
import { MemoryPlan } from "../memory";
import type { ColdStart, NodeBoot } from "./cold-start";

/** What every planning phase returns besides its result: the problems it found, in config order. */
export interface PhaseResult {
  /** Paths in `qwen-serving:services[0].tp` style. */
  readonly problems: readonly Problem[];
}

/** A GPU machine the planner can place replicas on (an EC2 instance, a Docker host, a k8s node slot). */
export interface NodePlan {
  readonly name: string;
  /** Node pool (aws/kubernetes) or host name (docker). */
  readonly pool: string;
  readonly gpu: Accelerator;
  readonly gpuCount: number;
  readonly instanceType?: string;
  readonly nvswitch: boolean;
  /** What the whole machine costs per hour, USD. @default - unknown */
  readonly hourlyUsd?: number;
  /** Where `hourlyUsd` comes from (the catalog or a config key), or why there is none. @default - unknown */
  readonly priceSource?: string;
  /** The AWS region `hourlyUsd` is the list price of (catalog prices); unset for a price from config, valid anywhere. @default - none */
  readonly priceRegion?: string;
  /** What starting the machine takes and what its cache's read rate is, for the cold-start estimate (plan/cold-start.ts NODE_BOOT). */
  readonly boot: NodeBoot;
}

/** The GPUs one replica runs on. */
export interface Slot {
  readonly node: string;
  readonly gpus: readonly number[];
}

export interface ReplicaPlan extends Slot {
  readonly replica: number;
  /** Port the SGLang server binds: the service port, or a worker port when a router fronts the replicas. */
  readonly port: number;
  readonly launchArgs: readonly string[];
}

/** The router (smg, sglang/router-args.ts), planned when a service has more than one replica. */
export interface RouterPlan {
  readonly node: string;
  /** The service port: the load balancer targets the router. */
  readonly port: number;
  /** The router's own Prometheus endpoint. */
  readonly metricsPort: number;
  readonly policy: "power_of_two";
  readonly workers: readonly { readonly node: string; readonly port: number }[];
}

export type { ColdStart, ColdStartInput, ColdStartInputs, NodeBoot } from "./cold-start";

export interface ServicePlan {
  readonly name: string;
  readonly spec: ServiceConfig;
  readonly model: ModelArch;
  /**
   * Repository folder the weights live in under the cache (`<cache>/<weightsRepo>/`) and are
   * fetched as: `weights.repo`, else the model's id. Adapters read this, never re-derive it.
   */
  readonly weightsRepo: string;
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
  /** Phases, first/warm boot and reboot totals, and every input they assumed (README "Cold start"). */
  readonly coldStart: ColdStart;
  /** Size of a cache holding only this service's weights (kubernetes: each replica's volume): `cacheSizeGiB(checkpoint)`. */
  readonly weightCacheGiB: number;
}

/** The weight cache of one node: the distinct models placed on it, and the volume size they need. */
export interface CachePlan {
  readonly node: string;
  /** Repository folders (`weightsRepo`) the node's replicas load, in service order. */
  readonly repos: readonly string[];
  readonly weightBytes: number;
  /** What the cache must hold, GiB: the models, a revision switch of the largest, filesystem overhead (`cacheNeedGiB`). */
  readonly needGiB: number;
  /** Volume size: `cacheSizeGiB`, the one formula (or `cache.sizeGiB`, refused when below `needGiB`). */
  readonly sizeGiB: number;
}

export interface DeploymentPlan {
  /** Pulumi project: with the stack, what names the stack's account-wide resources (SSM parameters, IAM, load balancer). */
  readonly project: string;
  readonly stack: string;
  readonly environment: string;
  readonly platform: StackConfig["platform"];
  readonly nodes: readonly NodePlan[];
  readonly services: readonly ServicePlan[];
  /** One weight cache per node (aws: a gp3 volume; docker: the host folder), sized for the models placed on it. */
  readonly caches: readonly CachePlan[];
  /**
   * Weight caches outlive a removed node or service and the stack itself (aws: `protect` and
   * `retainOnDelete`; kubernetes: `Retain` claim and reclaim policies): `cache.retain`, else true
   * in the `prod` environment. Adapters read this, never re-decide it.
   */
  readonly retainCaches: boolean;
}
