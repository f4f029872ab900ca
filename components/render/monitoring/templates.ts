/**
 * Alert annotation templates kept as data, so the same definition renders the Go template that
 * Prometheus expands and the expanded text promtool expects in the rendered rule tests.
 */

/** How `$value` is printed. */
export type ValueFormat = "percent" | "fixed2" | "integer";

/** A piece of an annotation: literal text, a label of the alert, or the alert's value. */
export type TemplatePart = string | { readonly label: string } | { readonly value: ValueFormat };

export const label = (name: string): TemplatePart => ({ label: name });
export const value = (format: ValueFormat): TemplatePart => ({ value: format });

const GO_VALUE: Record<ValueFormat, string> = {
  percent: "{{ $value | humanizePercentage }}",
  fixed2: '{{ printf "%.2f" $value }}',
  integer: '{{ printf "%.0f" $value }}',
};

/** The Go text/template Prometheus expands. */
export function goTemplate(parts: readonly TemplatePart[]): string {
  return parts.map((p) => (typeof p === "string" ? p : "label" in p ? `{{ $labels.${p.label} }}` : GO_VALUE[p.value])).join("");
}

/** Go's `%.4g` (shortest form, trailing zeros dropped, two-digit exponent). */
export function goFormatG4(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  if (x === 0) return "0";
  const s = x.toPrecision(4);
  const [mantissa, exponent] = s.split("e");
  const trimmed = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
  if (exponent === undefined) return trimmed;
  const sign = exponent.startsWith("-") ? "-" : "+";
  return `${trimmed}e${sign}${exponent.replace(/^[+-]/, "").padStart(2, "0")}`;
}

/** What Prometheus produces from `goTemplate(parts)` for an alert with these labels and value. */
export function expandTemplate(parts: readonly TemplatePart[], labels: Readonly<Record<string, string>>, alertValue: number): string {
  return parts
    .map((p) => {
      if (typeof p === "string") return p;
      if ("label" in p) return labels[p.label] ?? "";
      switch (p.value) {
        case "percent":
          // Prometheus: fmt.Sprintf("%.4g%%", v*100)
          return `${goFormatG4(alertValue * 100)}%`;
        case "fixed2":
          return alertValue.toFixed(2);
        case "integer":
          return alertValue.toFixed(0);
      }
    })
    .join("");
}
