import { REGIONAL_GPU_PRICE_SOURCE } from "../components/catalog/gpu-prices";
import { AWS_PRICE_SOURCES, AWS_PRICES, AWS_PRICES_RECORDED, AwsRegionPrices, HOURS_PER_MONTH } from "../components/catalog/prices";
import { PRICES_CHECKED } from "../components/catalog/instances";
import { TAGS } from "../components/contract";
import { DeploymentPlan } from "../components/sglang/planner";
import { traitsOf } from "../components/platforms/traits";

/**
 * What a stack costs to run, from what `pulumi up` would create: every GPU node at its whole
 * price (idle GPUs cost the same), and on aws every other priced resource the offline plan
 * recorded (load balancer, NAT gateway, public IPv4 addresses, gp3 volumes, the monitoring
 * instance), per hour and per month, with where each price comes from. A price this project does
 * not know is `null` and named in `unknown`, and then the total is `null` too (never a guess).
 */
export interface BudgetLine {
  /** What is paid for, in words. */
  readonly item: string;
  readonly usdPerHour: number | null;
  readonly usdPerMonth: number | null;
  /** Where the price comes from. */
  readonly source: string;
}

export interface NodeBudget {
  readonly node: string;
  readonly instanceType: string | null;
  readonly gpu: string;
  readonly gpus: number;
  readonly gpusUsed: number;
  /** GPUs no replica uses: paid for all the same. */
  readonly gpusIdle: number;
  /** The whole node's price; null when this project knows none for it (another region's is never used). */
  readonly usdPerHour: number | null;
  /** Where usdPerHour comes from (catalog row, config key), or why it is unknown. */
  readonly priceSource: string;
  /** The AWS region whose list price usdPerHour is; null for a price from config (valid anywhere) or none. */
  readonly priceRegion: string | null;
}

export interface Budget {
  /** The stack's region (`aws:region`), or null off aws. */
  readonly region: string | null;
  readonly currency: "USD";
  readonly hoursPerMonth: number;
  readonly nodes: readonly NodeBudget[];
  /** Every priced item, the nodes first. */
  readonly lines: readonly BudgetLine[];
  /** Sum of every line; null when one is unknown. */
  readonly totalUsdPerHour: number | null;
  readonly totalUsdPerMonth: number | null;
  /** Sum of the lines whose price is known. */
  readonly knownUsdPerHour: number;
  /** Items without a known price. */
  readonly unknown: readonly string[];
  /** When the prices were read: GPU instances and the other AWS items. */
  readonly pricesChecked: { readonly gpuInstances: string; readonly aws: string | null };
  readonly sources: readonly string[];
  /** What the figures leave out. */
  readonly notIncluded: string;
}

/** The part of a recorded resource the budget reads. */
export interface PricedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

const r4 = (n: number) => Math.round(n * 10000) / 10000;
const num = (v: unknown, dflt: number) => (typeof v === "number" ? v : dflt);

function gp3Hour(p: AwsRegionPrices, size: number, iops: number, mibps: number): number {
  const g = p.gp3;
  return (size * g.gibMonth + Math.max(0, iops - g.freeIops) * g.iopsMonth + Math.max(0, mibps - g.freeMibps) * g.mibpsMonth) / HOURS_PER_MONTH;
}

/** The budget of a plan; `resources` and `region` price the aws items beside the GPU nodes. */
export function planBudget(plan: DeploymentPlan, resources: readonly PricedResource[], region: string | undefined): Budget {
  // Nodes named by EC2 instance type run in AWS: the resources beside them have AWS list prices.
  const aws = traitsOf(plan.platform).instanceTypes;
  const prices = aws && region ? AWS_PRICES[region] : undefined;
  const lines: BudgetLine[] = [];
  const add = (item: string, usdPerHour: number | null, source: string) =>
    lines.push({ item, usdPerHour: usdPerHour === null ? null : r4(usdPerHour), usdPerMonth: usdPerHour === null ? null : Math.round(usdPerHour * HOURS_PER_MONTH * 100) / 100, source });

  const nodes = plan.nodes.map((n): NodeBudget => {
    const used = plan.services.flatMap((s) => s.placement.filter((p) => p.node === n.name).flatMap((p) => p.gpus)).length;
    // A catalog price is its region's (the planner asked for the stack's); a price from config holds wherever the node is.
    const elsewhere = aws && n.priceRegion !== undefined && n.priceRegion !== region;
    const price = n.hourlyUsd === undefined || elsewhere ? null : n.hourlyUsd;
    const what = `${n.instanceType ?? (aws ? "instance" : "machine")}, ${n.gpuCount} x ${n.gpu.id}: ${used} used, ${n.gpuCount - used} idle`;
    const source = elsewhere
      ? `the plan's price is ${n.priceRegion}'s, the stack is in ${region ?? "(no aws:region)"}`
      : (n.priceSource ?? "no price known: set gpuHourlyUsd (or hourlyUsd on a docker host)");
    add(`node ${n.name} (${what})`, price, source);
    return {
      node: n.name,
      instanceType: n.instanceType ?? null,
      gpu: n.gpu.id,
      gpus: n.gpuCount,
      gpusUsed: used,
      gpusIdle: n.gpuCount - used,
      usdPerHour: price,
      priceSource: source,
      priceRegion: price === null ? null : (n.priceRegion ?? null),
    };
  });

  if (aws) {
    const src = prices ? `${region} list price (${AWS_PRICES_RECORDED})` : `no ${region ?? "(unset)"} prices here (only ${Object.keys(AWS_PRICES).join(", ")})`;
    const or = <T>(f: (p: AwsRegionPrices) => T): T | null => (prices ? f(prices) : null);
    for (const r of resources) {
      const i = r.inputs;
      if (r.type === "aws:ec2/instance:Instance") {
        const tags = (i.tags ?? {}) as Record<string, unknown>;
        const type = String(i.instanceType);
        if (tags[TAGS.node] === undefined)
          add(
            `instance ${r.name} (${type})`,
            or((p) => p.instances[type] ?? null),
            prices && prices.instances[type] === undefined ? `${type} is not in this project's price list` : src,
          );
        const root = (i.rootBlockDevice ?? {}) as Record<string, unknown>;
        if (root.volumeType === "gp3")
          add(
            `gp3 root of ${r.name} (${num(root.volumeSize, 8)} GiB)`,
            or((p) => gp3Hour(p, num(root.volumeSize, 8), num(root.iops, p.gp3.freeIops), num(root.throughput, p.gp3.freeMibps))),
            src,
          );
      } else if (r.type === "aws:ebs/volume:Volume" && (i.type ?? "gp3") === "gp3") {
        const size = num(i.size, 0);
        add(
          `gp3 ${r.name} (${size} GiB${typeof i.iops === "number" ? `, ${i.iops} IOPS` : ""}${typeof i.throughput === "number" ? `, ${i.throughput} MiB/s` : ""})`,
          or((p) => gp3Hour(p, size, num(i.iops, p.gp3.freeIops), num(i.throughput, p.gp3.freeMibps))),
          src,
        );
      } else if (r.type === "aws:lb/loadBalancer:LoadBalancer") {
        const ips = i.internal === true ? 0 : Array.isArray(i.subnets) ? i.subnets.length : 1;
        add(
          `load balancer ${r.name}${ips ? ` (+ ${ips} public IPv4, one per AZ at least)` : ""}`,
          or((p) => p.albHour + ips * p.publicIpv4Hour),
          src,
        );
      } else if (r.type === "aws:ec2/natGateway:NatGateway")
        add(
          `NAT gateway ${r.name}`,
          or((p) => p.natGatewayHour),
          src,
        );
      else if (r.type === "aws:ec2/eip:Eip")
        add(
          `public IPv4 ${r.name}`,
          or((p) => p.publicIpv4Hour),
          src,
        );
    }
  }

  const unknown = lines.filter((l) => l.usdPerHour === null).map((l) => l.item);
  const known = lines.reduce((a, l) => a + (l.usdPerHour ?? 0), 0);
  const total = unknown.length ? null : known;
  return {
    region: aws ? (region ?? null) : null,
    currency: "USD",
    hoursPerMonth: HOURS_PER_MONTH,
    nodes,
    lines,
    totalUsdPerHour: total === null ? null : r4(total),
    totalUsdPerMonth: total === null ? null : Math.round(total * HOURS_PER_MONTH * 100) / 100,
    knownUsdPerHour: r4(known),
    unknown,
    pricesChecked: { gpuInstances: PRICES_CHECKED, aws: aws ? AWS_PRICES_RECORDED : null },
    sources: aws
      ? [`GPU instances: components/catalog/instances.ts (us-east-1 on-demand) and components/catalog/gpu-prices.ts (other regions: ${REGIONAL_GPU_PRICE_SOURCE})`, ...AWS_PRICE_SOURCES]
      : ["hosts[].hourlyUsd / gpuHourlyUsd, nodePools[].gpuHourlyUsd (config)"],
    notIncluded: aws
      ? "usage-based charges: ALB LCUs, NAT gateway data processed, data transfer out, EBS snapshots, SSM and CloudWatch; taxes; Savings Plans or reserved discounts (set gpuHourlyUsd to use your rate)"
      : "anything outside the GPU machines (the cluster or hosts' storage, network and load balancers)",
  };
}
