import { GPU_PRICE_REGION } from "./prices";
import { findInstanceType } from "./instances";

/**
 * On-Demand prices (USD per hour, Linux, shared tenancy) of the catalog's GPU instance types by
 * region. us-east-1's are instances.ts's; the rows below are the other regions this project has a
 * source for. A type or region missing here has no known price: the plan says so (price `null`,
 * "unknown"), it never falls back to another region's.
 *
 * Source: the `Price` column of skypilot-org/skypilot-catalog catalogs/v7/aws/vms.csv at commit
 * 27f67dd (built by SkyPilot from the AWS Price List API), read 2026-12-01. Its us-east-1 figures
 * equal instances.ts's for every type below. Only the G family is taken from it: its P-family rows
 * predate AWS's June-2025 P4/P5 price cut (shared/reference/aws-and-pulumi-notes.md §2), so they
 * are no longer list prices, and no regional source of the current P prices is at hand; P types
 * are priced in us-east-1 only.
 */
export const REGIONAL_GPU_PRICE_SOURCE = "SkyPilot catalog v7 aws/vms.csv @27f67dd (AWS Price List, On-Demand Linux), read 2026-12-01";

export const REGIONAL_GPU_PRICES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  "g5.12xlarge": {
    "us-east-2": 5.672,
    "us-west-2": 5.672,
    "ca-central-1": 6.29784,
    "eu-west-1": 6.33167,
    "eu-west-2": 7.19994,
    "eu-central-1": 7.09282,
    "eu-north-1": 6.01593,
    "ap-northeast-1": 8.22609,
    "ap-northeast-2": 6.97442,
    "ap-south-1": 6.81091,
    "ap-southeast-2": 7.37473,
    "ap-southeast-3": 7.93854,
    "me-central-1": 6.9575,
  },
  "g5.48xlarge": {
    "us-east-2": 16.288,
    "us-west-2": 16.288,
    "ca-central-1": 18.08518,
    "eu-west-1": 18.18233,
    "eu-west-2": 20.67572,
    "eu-central-1": 20.3681,
    "eu-north-1": 17.27564,
    "ap-northeast-1": 23.62246,
    "ap-northeast-2": 20.02809,
    "ap-south-1": 19.55855,
    "ap-southeast-2": 21.17764,
    "ap-southeast-3": 22.79672,
    "me-central-1": 19.97951,
  },
  "g6.12xlarge": {
    "us-east-2": 4.6016,
    "us-west-2": 4.6016,
    "ca-central-1": 5.10933,
    "eu-west-2": 5.8412,
    "eu-west-3": 5.8412,
    "eu-central-1": 5.75429,
    "eu-north-1": 4.88062,
    "ap-northeast-1": 6.67369,
    "ap-northeast-2": 5.65823,
    "ap-south-1": 5.52558,
    "ap-southeast-2": 5.98299,
  },
  "g6e.xlarge": { "us-east-2": 1.861, "us-west-2": 1.861, "eu-central-1": 2.327, "eu-north-1": 1.974, "ap-northeast-1": 2.699, "ap-northeast-2": 2.288 },
  "g6e.12xlarge": { "us-east-2": 10.49264, "us-west-2": 10.49264, "eu-central-1": 13.12002, "eu-north-1": 11.12975, "ap-northeast-1": 15.21742, "ap-northeast-2": 12.90014 },
  "g6e.24xlarge": { "us-east-2": 15.06559, "us-west-2": 15.06559, "eu-central-1": 18.83806, "eu-north-1": 15.98037, "ap-northeast-1": 21.84956, "ap-northeast-2": 18.52234 },
  "g6e.48xlarge": { "us-east-2": 30.13118, "us-west-2": 30.13118, "eu-central-1": 37.67612, "eu-north-1": 31.96075, "ap-northeast-1": 43.69912, "ap-northeast-2": 37.04468 },
};

/** What the catalog knows of one instance type's price in one region. */
export interface GpuPrice {
  /** USD per hour, or null: no known price for this type in this region. */
  readonly hourlyUsd: number | null;
  /** Where the figure comes from, or why there is none. */
  readonly priceSource: string;
}

/** The On-Demand price of a catalog GPU instance type in `region`; unknown (null) rather than another region's. */
export function gpuOnDemandPrice(instanceType: string, region: string | undefined): GpuPrice {
  const it = findInstanceType(instanceType);
  if (!it) return { hourlyUsd: null, priceSource: `${instanceType} is not in the catalog` };
  if (region === undefined) return { hourlyUsd: null, priceSource: "the stack's AWS region is not known (aws:region): no catalog price" };
  if (region === GPU_PRICE_REGION) return { hourlyUsd: it.onDemandUsdPerHour, priceSource: `${it.name} on-demand, ${region} (${it.priceSource})` };
  const usd = REGIONAL_GPU_PRICES[it.name]?.[region];
  if (usd !== undefined) return { hourlyUsd: usd, priceSource: `${it.name} on-demand, ${region} (${REGIONAL_GPU_PRICE_SOURCE})` };
  const known = [GPU_PRICE_REGION, ...Object.keys(REGIONAL_GPU_PRICES[it.name] ?? {})].join(", ");
  return { hourlyUsd: null, priceSource: `no ${region} price for ${it.name} in the catalog (known: ${known}); set nodePools[].gpuHourlyUsd` };
}
