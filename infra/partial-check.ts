import { z } from "zod";
import { withoutRefused } from "../components/config/coerce";
import { StackConfigSchema } from "../components/config/schema";
import { ServingSecrets } from "../components/platform";
import { keyPath, Problem } from "../components/problems";
import { preflight } from "../components/qwen-serving";

/**
 * The plan's and the platform's problems with the rest of a config whose shape the schema refused
 * in places: the refused values are removed (their defaults apply) and the pre-flight runs on what
 * is left. Problems that could come from a removed value (anything of a service with a refused key,
 * anything under a refused key) are dropped, so nothing is reported about a value the user did not
 * write. Empty when the rest cannot be checked: a required key or a list entry was refused, or a key
 * that decides the machines or the placement (platform, nodePools, hosts, a service's tp, replicas,
 * nodePool, placement).
 */
/** Keys that decide the machines or where replicas go: with one of them refused, nothing else can be planned honestly. */
const STRUCTURAL_SERVICE_KEYS = new Set(["tp", "replicas", "nodePool", "placement"]);
const structural = (key: readonly (string | number)[]) =>
  key[0] === "platform" || key[0] === "nodePools" || key[0] === "hosts" || (key[0] === "services" && (key.length < 3 || STRUCTURAL_SERVICE_KEYS.has(String(key[2]))));

export function problemsOfTheRest(raw: Record<string, unknown>, issues: readonly z.core.$ZodIssue[], opts: { stack: string; secrets: ServingSecrets }): Problem[] {
  const rest = withoutRefused(raw, issues);
  // Without a value that decides where anything runs, the rest's placement would be made up.
  if (!rest || rest.removed.some(structural)) return [];
  const parsed = StackConfigSchema.safeParse(rest.raw);
  if (!parsed.success) return [];
  const unsure = rest.removed.map((key) => (key[0] === "services" && typeof key[1] === "number" ? keyPath(key.slice(0, 2)) : keyPath(key)));
  const under = (path: string) => unsure.some((u) => path === u || path.startsWith(`${u}.`) || path.startsWith(`${u}[`));
  try {
    return preflight({ config: parsed.data, secrets: opts.secrets, stack: opts.stack }).problems.filter((p) => !under(p.path));
  } catch {
    return [];
  }
}
