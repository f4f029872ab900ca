// What Prometheus' ec2_sd_configs would discover: EC2's DescribeInstances filter semantics (every
// filter must match; any value of a filter may match) applied to a set of instances.
import { parse } from "yaml";

export interface FakeInstance {
  /** Stands in for the private IP in the discovered `<ip>:<port>`. */
  readonly address: string;
  readonly state: "running" | "stopped";
  readonly tags: Readonly<Record<string, string>>;
}

interface Filter {
  name: string;
  values: string[];
}
interface Ec2Sd {
  region: string;
  port: number;
  filters: Filter[];
}

function matches(i: FakeInstance, f: Filter): boolean {
  if (f.name === "instance-state-name") return f.values.includes(i.state);
  if (f.name === "tag-key") return Object.keys(i.tags).some((k) => f.values.includes(k));
  if (f.name.startsWith("tag:")) {
    const v = i.tags[f.name.slice(4)];
    return v !== undefined && f.values.includes(v);
  }
  throw new Error(`filter ${f.name} is not modelled here`);
}

/** Discovered `<address>:<port>` per job of a rendered prometheus.yml, sorted. */
export function discoveredTargets(prometheusYml: string, instances: readonly FakeInstance[]): Record<string, string[]> {
  const doc = parse(prometheusYml) as { scrape_configs: { job_name: string; ec2_sd_configs: Ec2Sd[] }[] };
  return Object.fromEntries(
    doc.scrape_configs.map((job) => [job.job_name, job.ec2_sd_configs.flatMap((sd) => instances.filter((i) => sd.filters.every((f) => matches(i, f))).map((i) => `${i.address}:${sd.port}`)).sort()]),
  );
}
