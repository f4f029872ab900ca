import * as pulumi from "@pulumi/pulumi";
import { DockerTlsMaterial, PlatformArgs, PlatformCheckInput, PlatformOutputs, secretsPresent } from "../platform";
import { Problem, QwenServingError, keyPath } from "../problems";
import { Artifact } from "../render/artifact";
import { DockerHost } from "./docker-host";
import { DockerLayout, dockerConfigProblems, dockerLayout } from "./layout";

/** What DockerPlatform needs: the final plan, the stack config (hosts, docker settings) and the secrets. */
export type DockerPlatformArgs = PlatformArgs;

/**
 * Platform adapter for `platform: docker`: existing GPU hosts, each managed through its own Docker
 * provider. Lays the plan out first (throwing a QwenServingError that lists every problem before
 * any resource exists), then creates one DockerHost per host.
 */
export class DockerPlatform extends pulumi.ComponentResource implements PlatformOutputs {
  /** The containers per host this platform was built from. */
  readonly layout: DockerLayout;
  /** One per configured host, in config order (`hosts[i].provider` reaches that host's daemon). */
  readonly hosts: readonly DockerHost[];
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly artifacts: pulumi.Output<Artifact[]>;

  /** Every problem this adapter would meet, before any resource exists (pure): the layout's, or without a plan the config's. */
  static validate({ plan, config, secrets }: PlatformCheckInput): Problem[] {
    if (!plan) return dockerConfigProblems(config, secrets).map((p) => ({ ...p, path: keyPath(p.path) }));
    try {
      dockerLayout(plan, config, secrets);
      return [];
    } catch (e) {
      if (e instanceof QwenServingError) return [...e.problems];
      throw e;
    }
  }

  constructor(name: string, args: DockerPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = args.secrets;
    // Before super(): the layout throws every problem at once, and a refused config registers nothing.
    const layout = dockerLayout(args.plan, args.config, secretsPresent(s));
    super("qwen-serving:docker:DockerPlatform", name, {}, opts);
    this.layout = layout;
    this.hosts = layout.hosts.map(
      (host) => new DockerHost(`${name}-${host.name}`, { layout: host, secrets: s, tls: host.connection === "tcp" ? tlsOf(s.dockerTls!, host.name) : undefined }, { parent: this }),
    );
    this.endpoints = pulumi.output(layout.endpoints);
    this.artifacts = pulumi.output([...layout.artifacts]);
    this.registerOutputs({ endpoints: this.endpoints, artifacts: this.artifacts });
  }
}

/** One host's TLS material out of the `dockerTls` secret; a missing part fails with its key. */
function tlsOf(all: pulumi.Input<Readonly<Record<string, DockerTlsMaterial>>>, host: string): pulumi.Output<DockerTlsMaterial> {
  return pulumi.secret(
    pulumi.output(all).apply((byHost) => {
      const t = byHost[host];
      const missing = (["ca", "cert", "key"] as const).filter((k) => !t?.[k]);
      if (missing.length)
        throw new Error(`qwen-serving:dockerTls.${host}: ${missing.join(", ")} missing; set each with 'pulumi config set --secret --path dockerTls.${host}.<ca|cert|key> "$(cat file.pem)"'`);
      return t;
    }),
  );
}
