import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { asArgs } from "./k8s-args";
import { SeedManifests, ServiceManifests } from "./manifests";

export interface ServingWorkloadArgs {
  /** The rendered objects of one service (renderServingManifests); the resources carry exactly these. */
  readonly manifests: ServiceManifests;
  /** How long `pulumi up` waits for the StatefulSet to become ready (first download plus startup). */
  readonly rolloutTimeoutMinutes: number;
  /** What the workload needs first: namespace, ServiceAccount, StorageClass, tokens Secret. @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/**
 * One SGLang service on Kubernetes: its StatefulSet (weight volume per replica, filled by an init
 * container, a front-proxy sidecar), headless and front Services, PodDisruptionBudget, its
 * NetworkPolicies and, with replicas > 1, the router Deployment (fixed worker URLs: the replicas'
 * DNS names under the headless Service); optionally an Ingress.
 */
export class ServingWorkload extends pulumi.ComponentResource {
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** The service's stable address (the router's Service when it has one). */
  readonly service: k8s.core.v1.Service;

  constructor(name: string, args: ServingWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qwen-serving:kubernetes:ServingWorkload", name, {}, opts);
    const m = args.manifests;
    const deps = [...(args.dependsOn ?? [])];
    const after = (...more: pulumi.Resource[]) => ({ parent: this, dependsOn: [...deps, ...more] });

    const script = new k8s.core.v1.ConfigMap(`${name}-weights-script`, asArgs(m.weightsScript), after());
    const proxy = new k8s.core.v1.ConfigMap(`${name}-proxy`, asArgs(m.proxyConfig), after());
    m.networkPolicies.forEach((p) => new k8s.networking.v1.NetworkPolicy(`${name}-${p.metadata!.name === m.service ? "server" : "router"}-policy`, asArgs(p), after()));
    const headless = new k8s.core.v1.Service(`${name}-headless`, asArgs(m.headless), after());
    this.service = new k8s.core.v1.Service(`${name}-service`, asArgs(m.front), after());
    const timeout = `${args.rolloutTimeoutMinutes}m`;
    const seeded = m.seed ? this.createSeed(name, m.seed, after(script), timeout) : [];
    // Waits for the seed's snapshot, so the first replicas' volumes start from it.
    this.statefulSet = new k8s.apps.v1.StatefulSet(`${name}-statefulset`, asArgs(m.statefulSet), {
      ...after(script, proxy, headless, ...seeded),
      customTimeouts: { create: timeout, update: timeout },
    });
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, asArgs(m.pdb), after());
    if (m.router) {
      const account = new k8s.core.v1.ServiceAccount(`${name}-router-sa`, asArgs(m.router.serviceAccount), after());
      const wheels = m.router.requirements ? [new k8s.core.v1.ConfigMap(`${name}-router-requirements`, asArgs(m.router.requirements), after())] : [];
      const routerProxy = new k8s.core.v1.ConfigMap(`${name}-router-proxy`, asArgs(m.router.proxyConfig), after());
      new k8s.apps.v1.Deployment(`${name}-router`, asArgs(m.router.deployment), after(account, headless, routerProxy, ...wheels));
      new k8s.policy.v1.PodDisruptionBudget(`${name}-router-pdb`, asArgs(m.router.pdb), after());
    }
    if (m.ingress) new k8s.networking.v1.Ingress(`${name}-ingress`, asArgs(m.ingress), after(this.service));
    this.registerOutputs({ statefulSet: this.statefulSet, service: this.service });
  }

  /**
   * The seed claim, the Job that fills it (a new Job per revision and downloader; `pulumi up` waits
   * for it to complete) and the snapshot, replaced when its revision annotations change.
   */
  private createSeed(name: string, seed: SeedManifests, opts: pulumi.CustomResourceOptions, timeout: string): pulumi.Resource[] {
    const deps = [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? [])];
    const claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-seed-claim`, asArgs(seed.claim), { ...opts, dependsOn: deps });
    const job = new k8s.batch.v1.Job(`${name}-seed-job`, asArgs(seed.job), { ...opts, dependsOn: [...deps, claim], customTimeouts: { create: timeout, update: timeout } });
    const snapshot = new k8s.apiextensions.CustomResource(`${name}-seed-snapshot`, asArgs(seed.snapshot), {
      ...opts,
      dependsOn: [...deps, job],
      // A snapshot's source is immutable and its name is the claim templates': replace it, old one first.
      replaceOnChanges: ["metadata.annotations"],
      deleteBeforeReplace: true,
    });
    return [snapshot];
  }
}
