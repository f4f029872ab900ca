import { Budget } from "./budget";

const usd = (n: number | null, digits = 2) => (n === null ? "unknown" : `$${n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`);

/** The budget as a person reads it: one line per item, per hour and per month, then the total and what it leaves out. */
export function budgetTable(b: Budget): string {
  const rows = b.lines.map((l) => [l.item, usd(l.usdPerHour, 4), usd(l.usdPerMonth), l.source]);
  const total =
    b.totalUsdPerHour === null
      ? [`total (${b.unknown.length} unknown; known part)`, usd(b.knownUsdPerHour, 4), usd(Math.round(b.knownUsdPerHour * b.hoursPerMonth * 100) / 100), ""]
      : ["total", usd(b.totalUsdPerHour, 4), usd(b.totalUsdPerMonth), ""];
  const header = ["item", "$/hour", `$/month (${b.hoursPerMonth} h)`, "price source"];
  const all = [header, ...rows, total];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const fmt = (r: string[]) => `  ${r.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]) : i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")}`.trimEnd();
  const rule = `  ${widths.map((w) => "-".repeat(w)).join("  ")}`;
  return [fmt(header), rule, ...rows.map(fmt), rule, fmt(total), `  not included: ${b.notIncluded}`].join("\n");
}

/** The heading of the budget section: region, currency and when the prices were read. */
export function budgetTitle(b: Budget): string {
  const when = b.pricesChecked.aws ? `GPU instances checked ${b.pricesChecked.gpuInstances}, other AWS prices recorded ${b.pricesChecked.aws}` : "prices from config";
  return `budget (${b.currency}, on-demand${b.region ? `, region ${b.region}` : ""}; ${when}; re-check with the AWS Price List API before committing money):`;
}
