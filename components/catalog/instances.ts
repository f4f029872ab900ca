/**
 * AWS GPU instance types (us-east-1). Prices are on-demand USD/hour; P-family figures are the
 * post-June-2025 list prices. Re-check with the AWS Price List API before budgeting.
 * Source: shared/reference/aws-and-pulumi-notes.md §2 (SkyPilot catalog + 2026 price quotes).
 */
export interface InstanceType {
  /** EC2 instance type name. */
  readonly name: string;
  /** Accelerator catalog id. */
  readonly gpu: string;
  /** GPUs per instance. */
  readonly gpuCount: number;
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** NVSwitch fabric (8-GPU P sizes): needs nvidia-fabricmanager at the driver's exact version. */
  readonly nvswitch: boolean;
  /** On-demand price, USD per hour, us-east-1. */
  readonly onDemandUsdPerHour: number;
  /** Where and when the price was read. */
  readonly priceSource: string;
}

const SKYPILOT = "SkyPilot catalog v7 aws/vms.csv; G family unchanged in 2026-09 AWS price list";
const P_CUT = "post-June-2025 list price, quoted in 2026 sources (retrieved 2026-11-09)";

export const INSTANCE_TYPES: readonly InstanceType[] = [
  { name: "g5.12xlarge", gpu: "a10g", gpuCount: 4, vcpu: 48, memoryGiB: 192, nvswitch: false, onDemandUsdPerHour: 5.672, priceSource: SKYPILOT },
  { name: "g5.48xlarge", gpu: "a10g", gpuCount: 8, vcpu: 192, memoryGiB: 768, nvswitch: false, onDemandUsdPerHour: 16.288, priceSource: SKYPILOT },
  { name: "g6.12xlarge", gpu: "l4", gpuCount: 4, vcpu: 48, memoryGiB: 192, nvswitch: false, onDemandUsdPerHour: 4.6016, priceSource: SKYPILOT },
  { name: "g6e.xlarge", gpu: "l40s", gpuCount: 1, vcpu: 4, memoryGiB: 32, nvswitch: false, onDemandUsdPerHour: 1.861, priceSource: SKYPILOT },
  { name: "g6e.12xlarge", gpu: "l40s", gpuCount: 4, vcpu: 48, memoryGiB: 384, nvswitch: false, onDemandUsdPerHour: 10.49264, priceSource: SKYPILOT },
  { name: "g6e.24xlarge", gpu: "l40s", gpuCount: 4, vcpu: 96, memoryGiB: 768, nvswitch: false, onDemandUsdPerHour: 15.06559, priceSource: SKYPILOT },
  { name: "g6e.48xlarge", gpu: "l40s", gpuCount: 8, vcpu: 192, memoryGiB: 1536, nvswitch: false, onDemandUsdPerHour: 30.13118, priceSource: SKYPILOT },
  { name: "p4d.24xlarge", gpu: "a100-40gb", gpuCount: 8, vcpu: 96, memoryGiB: 1152, nvswitch: true, onDemandUsdPerHour: 21.957642, priceSource: P_CUT },
  { name: "p4de.24xlarge", gpu: "a100-80gb", gpuCount: 8, vcpu: 96, memoryGiB: 1152, nvswitch: true, onDemandUsdPerHour: 27.44705, priceSource: P_CUT },
  { name: "p5.4xlarge", gpu: "h100-80gb", gpuCount: 1, vcpu: 16, memoryGiB: 256, nvswitch: false, onDemandUsdPerHour: 6.88, priceSource: P_CUT },
  { name: "p5.48xlarge", gpu: "h100-80gb", gpuCount: 8, vcpu: 192, memoryGiB: 2048, nvswitch: true, onDemandUsdPerHour: 55.04, priceSource: P_CUT },
  { name: "p5en.48xlarge", gpu: "h200", gpuCount: 8, vcpu: 192, memoryGiB: 2048, nvswitch: true, onDemandUsdPerHour: 63.296, priceSource: P_CUT },
  { name: "p6-b200.48xlarge", gpu: "b200", gpuCount: 8, vcpu: 192, memoryGiB: 2048, nvswitch: true, onDemandUsdPerHour: 113.9328, priceSource: P_CUT },
];

/** The date the prices above were last checked. */
export const PRICES_CHECKED = "2026-11-09";

export const INSTANCE_TYPE_NAMES = INSTANCE_TYPES.map((i) => i.name);

export function findInstanceType(name: string): InstanceType | undefined {
  return INSTANCE_TYPES.find((i) => i.name === name);
}
