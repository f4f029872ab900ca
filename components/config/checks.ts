import { PLATFORM_NAMES, PLATFORM_TRAITS, traitsOf } from "../platforms/traits";
import { Problem, Problems } from "../problems";
import { alertingConfigProblems } from "./alerting";
import { StackConfig } from "./schema";

/**
 * The rules that tie keys of a parsed stack config together (unique names and ports, the machines a
 * platform needs, placement against replicas and tp, iops against throughput). Pure, and separate
 * from the zod schema so that `QwenServing` reports these, the planner's and the platform's problems
 * in one error instead of one stage at a time.
 */
export function stackConfigProblems(c: StackConfig): Problem[] {
  const problems = new Problems();
  const traits = traitsOf(c.platform);

  const dup = <T, K extends keyof T & string>(items: readonly T[], path: string, field: K, what: string) => {
    const seen = new Map<unknown, number>();
    items.forEach((it, i) => {
      const k = it[field];
      if (seen.has(k)) problems.add({ path: [path, i, field], value: k, rule: `${what} ${JSON.stringify(k)} is already used by ${path}[${seen.get(k)}]` });
      else seen.set(k, i);
    });
  };
  dup(c.services, "services", "name", "service name");
  dup(c.services, "services", "port", "port");
  dup(c.nodePools, "nodePools", "name", "node pool name");
  dup(c.hosts, "hosts", "name", "host name");

  // The longest generation is one value; the platforms' older spellings may only repeat it.
  const longest = c.proxy.maxGenerationSeconds;
  const spellings: [string[], number | undefined][] = [
    [["aws", "frontDoor", "maxGenerationSeconds"], c.aws?.frontDoor.maxGenerationSeconds],
    [["kubernetes", "maxGenerationSeconds"], c.kubernetes?.maxGenerationSeconds],
  ];
  for (const [path, value] of spellings)
    if (longest !== undefined && value !== undefined && value !== longest)
      problems.add({
        path,
        value,
        rule: `differs from proxy.maxGenerationSeconds (${longest}), the longest generation every timeout follows`,
        advice: `remove it, or set it to ${longest}`,
      });

  // Machines: the key the platform's traits name, and not the other one.
  const machineKey = traits.machines;
  const machines = machineKey === "hosts" ? c.hosts.map((h) => h.name) : c.nodePools.map((p) => p.name);
  if (machines.length === 0) problems.add({ path: [machineKey], value: [], rule: `platform '${c.platform}' needs at least one entry in ${machineKey}` });
  const otherKey = machineKey === "hosts" ? "nodePools" : "hosts";
  if (c[otherKey].length > 0) {
    const users = PLATFORM_NAMES.filter((p) => PLATFORM_TRAITS[p].machines === otherKey);
    problems.add({ path: [otherKey], rule: `${otherKey} is for platform ${users.map((p) => `'${p}'`).join(" and ")}; platform '${c.platform}' uses ${machineKey}` });
  }
  c.nodePools.forEach((p, i) => {
    if (traits.instanceTypes && !p.instanceType) problems.add({ path: ["nodePools", i, "instanceType"], value: undefined, rule: `platform '${c.platform}' needs an instanceType from the catalog` });
    if (traits.instanceTypes && (p.gpu || p.gpusPerNode)) problems.add({ path: ["nodePools", i], rule: `on ${c.platform} the GPU comes from instanceType`, advice: "remove gpu/gpusPerNode" });
    if (traits.gpuShape && (!p.gpu || !p.gpusPerNode)) problems.add({ path: ["nodePools", i], rule: `platform '${c.platform}' needs gpu and gpusPerNode for each node pool` });
  });

  c.services.forEach((s, i) => {
    if (s.nodePool && !machines.includes(s.nodePool))
      problems.add({ path: ["services", i, "nodePool"], value: s.nodePool, rule: `unknown ${machineKey} entry '${s.nodePool}'`, advice: `valid: ${machines.join(", ") || "(none)"}` });
    if (s.placement && s.placement.length !== s.replicas)
      problems.add({ path: ["services", i, "placement"], value: s.placement, rule: `placement lists ${s.placement.length} entries but replicas is ${s.replicas}`, advice: "give one per replica" });
    s.placement?.forEach((p, r) => {
      if (p.gpus.length !== s.tp) problems.add({ path: ["services", i, "placement", r, "gpus"], value: p.gpus, rule: `replica ${r} lists ${p.gpus.length} GPUs but tp is ${s.tp}` });
      if (new Set(p.gpus).size !== p.gpus.length) problems.add({ path: ["services", i, "placement", r, "gpus"], value: p.gpus, rule: `replica ${r} lists a GPU twice: [${p.gpus.join(", ")}]` });
    });
    // contextLength against the model's window (and YaRN's) is the planner's: it knows the model (plan/check-context.ts).
  });

  // AWS gp3: at most 0.25 MiB/s of throughput per provisioned IOPS.
  if (c.cache.iops * 0.25 < c.cache.throughputMiBps)
    problems.add({ path: ["cache", "iops"], value: c.cache.iops, rule: `gp3 allows 0.25 MiB/s per IOPS: ${c.cache.throughputMiBps} MiB/s needs iops >= ${Math.ceil(c.cache.throughputMiBps / 0.25)}` });

  if (c.monitoring.enabled) problems.addAll(alertingConfigProblems(c.monitoring.alerting, c.platform, traits.alertReceivers));

  // Each platform's settings block is named after it; a block for another platform is a mistake.
  for (const p of PLATFORM_NAMES) if (p !== c.platform && c[p] !== undefined) problems.add({ path: [p], rule: `${p} settings given but platform is '${c.platform}'` });
  return [...problems.all];
}
