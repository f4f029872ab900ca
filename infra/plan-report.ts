import { DOCKER_LABELS } from "../components/contract";
import type { ContainerRole } from "../components/docker/containers/spec";
import { Artifact } from "../components/render/artifact";
import { Platform } from "../components/platforms/traits";
import { legacyColdStartSeconds } from "../components/sglang/plan/cold-start";
import { ColdStart, Concurrency, concurrency, DeploymentPlan, ServicePlan, TYPICAL_REQUEST_TOKENS } from "../components/sglang/planner";
import { Budget } from "./budget";
import { RecordedResource, redactSecrets } from "./mocks";
import { awsInstancesReport } from "./aws-report";
import { table } from "./plan-table";
import { kubernetesPrerequisitesReport } from "./k8s-report";

/**
 * The `npm run plan -- --json` document. Version 1 of the contract (README "Plan JSON"):
 * fields are only ever added, never renamed or removed, without bumping `schemaVersion`.
 */
export interface PlanDocument {
  readonly schemaVersion: 1;
  readonly stack: string;
  readonly platform: string;
  readonly services: readonly {
    readonly name: string;
    readonly model: string;
    readonly tp: number;
    readonly replicas: number;
    readonly port: number;
    readonly launchArgs: readonly string[];
    readonly placement: readonly { readonly node: string; readonly gpus: readonly number[]; readonly port: number; readonly launchArgs: readonly string[] }[];
    readonly router: { readonly node: string; readonly port: number; readonly metricsPort: number; readonly policy: string } | null;
    readonly capacity: {
      readonly gpu: string;
      readonly gpuMemoryMiB: number;
      readonly weightsGiBPerGpu: number;
      readonly memFractionStatic: number;
      readonly kvTokens: number;
      readonly kvGiBPerGpu: number;
      readonly contextLength: number;
      readonly fitsContext: boolean;
      readonly chunkedPrefillSize: number;
      readonly maxRunningRequests: number;
      /** One replica's KV pool as concurrent requests (at most maxRunningRequests). */
      readonly concurrency: Concurrency;
    };
    readonly costPerHourUsd: number | null;
    /** Kept from the first version: image pull + load from cache + warm-up (no instance boot, no first download). */
    readonly coldStartSeconds: number;
    /** The cold start in phases, first boot, warm boot and reboot, and every input with its source (README "Cold start"). */
    readonly coldStart: ColdStart;
  }[];
  readonly resources: readonly { readonly type: string; readonly name: string; readonly parent: string | null; readonly inputs: unknown }[];
  readonly artifacts: readonly string[];
  /** What the stack costs per node and item, per hour and month, with price sources (infra/budget.ts). */
  readonly budget: Budget;
  /** Base URL per service; `mocked` lists those whose host the offline plan made up (a load balancer's DNS name), `mock` whether there are any. */
  readonly endpoints: { readonly mock: boolean; readonly urls: Readonly<Record<string, string>>; readonly mocked: readonly string[] };
  /** Config keys nothing reads (a misspelled namespace, an unknown provider setting). */
  readonly warnings: readonly string[];
}

/** What the document holds beyond the plan and the recorded resources. */
export interface PlanExtras {
  readonly budget: Budget;
  readonly endpoints: PlanDocument["endpoints"];
  readonly warnings: readonly string[];
}

const r4 = (n: number) => Math.round(n * 10000) / 10000;

export function planDocument(plan: DeploymentPlan, resources: readonly RecordedResource[], artifacts: readonly Artifact[], extras: PlanExtras): PlanDocument {
  return {
    schemaVersion: 1,
    stack: plan.stack,
    platform: plan.platform,
    services: plan.services.map((s) => ({
      name: s.name,
      model: s.model.id,
      tp: s.tp,
      replicas: s.replicas,
      port: s.port,
      launchArgs: s.launchArgs,
      placement: s.placement.map((p) => ({ node: p.node, gpus: p.gpus, port: p.port, launchArgs: p.launchArgs })),
      router: s.router ? { node: s.router.node, port: s.router.port, metricsPort: s.router.metricsPort, policy: s.router.policy } : null,
      capacity: {
        gpu: s.capacity.gpu,
        gpuMemoryMiB: s.capacity.gpuMemoryMiB,
        weightsGiBPerGpu: r4(s.capacity.weightsGiBPerGpu),
        memFractionStatic: r4(s.capacity.memFractionStatic),
        kvTokens: s.capacity.kvTokens,
        kvGiBPerGpu: r4(s.capacity.kvGiBPerGpu),
        contextLength: s.capacity.contextLength,
        fitsContext: s.capacity.fitsContext,
        chunkedPrefillSize: s.capacity.chunkedPrefillSize,
        maxRunningRequests: s.capacity.maxRunningRequests,
        concurrency: concurrency(s.capacity),
      },
      costPerHourUsd: s.costPerHourUsd ?? null,
      coldStartSeconds: legacyColdStartSeconds(s.coldStart),
      coldStart: s.coldStart,
    })),
    resources: resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: redactSecrets(r.inputs) })),
    artifacts: artifacts.map((a) => a.path),
    budget: extras.budget,
    endpoints: extras.endpoints,
    warnings: extras.warnings,
  };
}

/** The resource tree, children indented under their parents, in registration order. */
export function resourceTree(resources: readonly RecordedResource[]): string {
  const children = new Map<string | null, RecordedResource[]>();
  for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const lines: string[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth)}${r.custom ? "+" : "*"} ${r.type}  ${r.name}`);
      walk(r.name, depth + 1);
    }
  };
  walk(null, 0);
  return lines.join("\n");
}

/** A service's concurrency: per replica, times its replicas. */
const perService = (s: ServicePlan, k: "atContextLength" | "atTypicalRequest") => {
  const one = concurrency(s.capacity)[k];
  return s.replicas > 1 ? `${one} x ${s.replicas}` : String(one);
};

export function capacityTable(services: readonly ServicePlan[]): string {
  return table(
    [
      "service",
      "model",
      "gpu",
      "tp x rep",
      "weights GiB/GPU",
      "mem frac",
      "KV tokens",
      "context",
      "fits",
      "reqs at context",
      `reqs at ${TYPICAL_REQUEST_TOKENS / 1024}K`,
      "first boot s",
      "warm boot s",
      "$/h",
    ],
    services.map((s) => [
      s.name,
      s.model.id,
      s.capacity.gpu,
      `${s.tp} x ${s.replicas}`,
      s.capacity.weightsGiBPerGpu.toFixed(2),
      s.capacity.memFractionStatic.toFixed(4),
      s.capacity.kvTokens.toLocaleString("en-US"),
      s.capacity.contextLength.toLocaleString("en-US"),
      s.capacity.fitsContext ? "yes" : "NO",
      perService(s, "atContextLength"),
      perService(s, "atTypicalRequest"),
      String(s.coldStart.firstBootSeconds),
      String(s.coldStart.warmBootSeconds),
      s.costPerHourUsd === undefined ? "unknown" : s.costPerHourUsd.toFixed(2),
    ]),
    4,
  );
}

export function placementTable(services: readonly ServicePlan[]): string {
  const rows = services.flatMap((s) => [
    ...s.placement.map((p) => [s.name, `replica ${p.replica}`, p.node, `[${p.gpus.join(",")}]`, String(p.port)]),
    ...(s.router ? [[s.name, `router (${s.router.policy})`, s.router.node, "-", `${s.router.port} (metrics ${s.router.metricsPort})`]] : []),
  ]);
  return table(["service", "process", "node", "gpus", "port"], rows, 5);
}

const CONTAINER_TYPE = "docker:index/container:Container";
/** Containers listed in the order they matter to a reader: the serving path first. */
/** Where each container role comes in a host's table (the satisfies fails when a role is added or removed). */
const ROLE_RANK = { weights: 0, "router-install": 1, sglang: 2, proxy: 3, router: 4, prometheus: 5, grafana: 6, alertmanager: 7, "node-exporter": 8, "dcgm-exporter": 9 } satisfies Record<
  ContainerRole,
  number
>;
const roleRank = (role: unknown): number => ROLE_RANK[role as ContainerRole] ?? -1;

/**
 * docker stacks: per host, the GPUs the plan uses and every container registered on it with its
 * GPUs and published ports, read from the recorded resources (what `pulumi up` would create).
 */
export function dockerHostsTable(plan: DeploymentPlan, resources: readonly RecordedResource[]): string {
  const label = (r: RecordedResource, key: string) => ((r.inputs.labels as { label: string; value: unknown }[] | undefined) ?? []).find((l) => l.label === key)?.value;
  const rows = plan.nodes.flatMap((node) => {
    const used = plan.services.flatMap((s) => s.placement.filter((p) => p.node === node.name).flatMap((p) => p.gpus)).sort((a, b) => a - b);
    const containers = resources
      .filter((r) => r.type === CONTAINER_TYPE && label(r, DOCKER_LABELS.host) === node.name)
      .sort((a, b) => roleRank(label(a, DOCKER_LABELS.role)) - roleRank(label(b, DOCKER_LABELS.role)) || String(a.inputs.name).localeCompare(String(b.inputs.name)));
    const hostCells = [node.name, `${used.length} of ${node.gpuCount} ${node.gpu.id}${used.length ? ` [${used.join(",")}]` : ""}`];
    if (containers.length === 0) return [[...hostCells, "(none)", "-", "-", "-"]];
    return containers.map((r, i) => {
      const device = (r.inputs.deviceRequests as { deviceIds?: string[]; count?: number }[] | undefined)?.[0];
      const ports = (r.inputs.ports as { internal: number; external: number }[] | undefined) ?? [];
      return [
        ...(i === 0 ? hostCells : ["", ""]),
        String(r.inputs.name),
        String(label(r, DOCKER_LABELS.role) ?? "-"),
        device ? (device.deviceIds ? `[${device.deviceIds.join(",")}]` : "all") : "-",
        r.inputs.networkMode === "host"
          ? `${label(r, DOCKER_LABELS.hostPorts) ?? "-"} (host network)`
          : ports.map((p) => (p.internal === p.external ? String(p.external) : `${p.external}->${p.internal}`)).join(", ") || "-",
      ];
    });
  });
  return table(["host", "gpus used", "container", "role", "gpus", "ports"], rows, 6);
}

/** A section of the plan's text report that only some platforms have. */
export interface PlatformSection {
  readonly title: string;
  readonly render: (plan: DeploymentPlan, resources: readonly RecordedResource[]) => string;
}

/** Extra report sections by platform (a platform without one needs no entry). */
export const PLATFORM_SECTIONS: Partial<Record<Platform, PlatformSection>> = {
  docker: { title: "docker hosts (containers as registered):", render: dockerHostsTable },
  kubernetes: { title: 'kubernetes cluster prerequisites (what the objects rely on; run each check before `pulumi up`, README "Kubernetes preflight"):', render: kubernetesPrerequisitesReport },
  aws: { title: "aws instances (zone; AMI, mocked offline: `pulumi preview` shows the real id to pin; what a newer image and a replacement do):", render: awsInstancesReport },
};
