import { PROJECT } from "../components/contract";

/**
 * Keys beside the `qwen-serving:` block that nothing reads: a misspelled namespace
 * (`qwen-servng:platform`) or a provider setting the provider does not have (`aws:regoin`). Pulumi
 * accepts both silently, so the program warns, naming the key.
 */

/** Namespaces the program or its providers read; any other is a warning. */
const NAMESPACES = [PROJECT, "aws", "docker", "kubernetes", "pulumi"] as const;

/** The settings each provider's config module declares (its generated config/vars), read from the installed package. */
function providerKeys(pkg: string): readonly string[] | undefined {
  try {
    // The module name is computed, so only require() can load it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return Object.keys(require(`${pkg}/config/vars`) as object).filter((k) => k !== "__esModule");
  } catch {
    return undefined;
  }
}
const PROVIDER_KEYS: Readonly<Record<string, readonly string[] | undefined>> = { aws: providerKeys("@pulumi/aws"), docker: providerKeys("@pulumi/docker") };

/** Levenshtein distance, for "did you mean" (names here are short). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length];
}

const closest = (name: string, known: readonly string[]): string | undefined => {
  const best = [...known].sort((x, y) => distance(name.toLowerCase(), x.toLowerCase()) - distance(name.toLowerCase(), y.toLowerCase()))[0];
  return best !== undefined && distance(name.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
};

/** One line per key nothing reads, naming it (`ns:key` as the engine hands them to the program). */
export function configWarnings(keys: readonly string[]): string[] {
  const out: string[] = [];
  const badNamespaces = new Map<string, string[]>();
  for (const full of keys) {
    const colon = full.indexOf(":");
    if (colon < 0) continue;
    const [ns, name] = [full.slice(0, colon), full.slice(colon + 1)];
    if (!(NAMESPACES as readonly string[]).includes(ns)) {
      badNamespaces.set(ns, [...(badNamespaces.get(ns) ?? []), full]);
      continue;
    }
    const known = PROVIDER_KEYS[ns];
    if (known && !known.includes(name)) {
      const hint = closest(name, known);
      out.push(`'${full}' is not a setting of the ${ns} provider, so nothing reads it${hint ? ` (did you mean '${ns}:${hint}'?)` : ""}`);
    }
  }
  for (const [ns, fulls] of badNamespaces) {
    const hint = closest(ns, NAMESPACES);
    out.push(
      `namespace '${ns}:' (${fulls.map((f) => `'${f}'`).join(", ")}) is read by nothing here${hint ? ` (did you mean '${hint}:'?)` : ""}; this program reads ${NAMESPACES.filter((n) => n !== "pulumi")
        .map((n) => `'${n}:'`)
        .join(", ")}`,
    );
  }
  return out;
}
