/**
 * AWS prices beside the GPU instances (instances.ts): the load balancer, the NAT gateway, public
 * IPv4 addresses, gp3 volumes and the instance types the monitoring node uses. On-demand list
 * prices in USD, by region; a region not listed here has unknown prices (the plan says so rather
 * than guess). Re-check with the AWS Price List API before budgeting.
 */
export interface AwsRegionPrices {
  /** Application Load Balancer, per hour it runs (LCUs are usage-based, not included). */
  readonly albHour: number;
  /** NAT gateway, per hour (data processed, per GB, is usage-based, not included). */
  readonly natGatewayHour: number;
  /** A public IPv4 address (an Elastic IP, each internet-facing ALB node), per hour. */
  readonly publicIpv4Hour: number;
  /** gp3: storage per GiB-month, IOPS above 3,000 per IOPS-month, throughput above 125 MiB/s per MiB/s-month. */
  readonly gp3: { readonly gibMonth: number; readonly iopsMonth: number; readonly mibpsMonth: number; readonly freeIops: number; readonly freeMibps: number };
  /** Non-GPU instance types, USD per hour. */
  readonly instances: Readonly<Record<string, number>>;
}

/** Where each figure is published. */
export const AWS_PRICE_SOURCES = [
  "aws.amazon.com/elasticloadbalancing/pricing/ (ALB hour)",
  "aws.amazon.com/vpc/pricing/ (NAT gateway hour; public IPv4 address hour, charged since 2024-02-01)",
  "aws.amazon.com/ebs/pricing/ (gp3 GiB-month, IOPS above 3,000, throughput above 125 MiB/s)",
  "aws.amazon.com/ec2/pricing/on-demand/ (general-purpose instances)",
] as const;

/**
 * When these list prices were written down here, as the pages above published them to this
 * project's knowledge; they were not fetched from this machine (it reaches no AWS endpoint).
 * GPU instances have their own date (instances.ts PRICES_CHECKED).
 */
export const AWS_PRICES_RECORDED = "2026-12-01";

export const AWS_PRICES: Readonly<Record<string, AwsRegionPrices>> = {
  "us-east-1": {
    albHour: 0.0225,
    natGatewayHour: 0.045,
    publicIpv4Hour: 0.005,
    gp3: { gibMonth: 0.08, iopsMonth: 0.005, mibpsMonth: 0.04, freeIops: 3000, freeMibps: 125 },
    instances: { "m7i.large": 0.1008, "m7i.xlarge": 0.2016, "m7i.2xlarge": 0.4032, "m6i.large": 0.096, "t3.large": 0.0832 },
  },
};

/** The region the GPU instance prices in instances.ts are for. */
export const GPU_PRICE_REGION = "us-east-1";

/** Hours in the month the plan's monthly figures use (AWS's own convention: 730). */
export const HOURS_PER_MONTH = 730;
