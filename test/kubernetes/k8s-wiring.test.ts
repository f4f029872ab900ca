// The resources the new objects become (issue 16): the seed's claim, Job and snapshot, the snapshot
// class, the router's PDB and requirements, under Pulumi mocks.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, test } from "vitest";
import { IMAGES } from "../../components/contract";
import { installMocks, RecordedResource, settle, valueOf } from "../../infra/mocks";
import { routedConfig } from "./helpers";

let recorded: RecordedResource[];
type Inputs = Record<string, any>;
const of = (type: string) => recorded.filter((r) => r.type === type);

beforeAll(async () => {
  recorded = installMocks({ project: "qwen-serving", stack: "k8s", config: {}, secretKeys: [] });
  const { QwenServing } = await import("../../components/qwen-serving");
  const serving = new QwenServing("qwen", {
    config: routedConfig({ routerImage: undefined, nodePools: { h100: { zone: "us-east-1b" } } }),
    stack: "k8s",
    secrets: { grafanaAdminPassword: pulumi.secret("pw-0123456789") },
  });
  await valueOf(serving.endpoints);
  await settle();
});

describe("the seed of each service's weight volumes", () => {
  test("a claim Pulumi does not wait on, a Job per revision, and a snapshot replaced (old first) when its revision changes", () => {
    expect(
      of("kubernetes:core/v1:PersistentVolumeClaim")
        .map((r) => (r.inputs as Inputs).metadata.name)
        .sort(),
    ).toEqual(["weights-qwen25-vl-32b-seed", "weights-qwen3-32b-seed"]);
    expect(of("kubernetes:batch/v1:Job").map((r) => (r.inputs as Inputs).metadata.name)).toEqual([
      expect.stringMatching(/^qwen3-32b-seed-[0-9a-f]{8}-[0-9a-f]{6}$/),
      expect.stringMatching(/^qwen25-vl-32b-seed-/),
    ]);
    const snapshots = of("kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshot");
    expect(snapshots).toHaveLength(2);
    for (const s of snapshots) expect([s.replaceOnChanges, s.deleteBeforeReplace]).toEqual([["metadata.annotations"], true]);
    expect(of("kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass").map((r) => (r.inputs as Inputs).driver)).toEqual(["ebs.csi.aws.com"]);
  });
});

describe("routers", () => {
  test("each routed service gets a router PDB and its pinned requirements; no router pod uses the CUDA image", () => {
    const pdbs = of("kubernetes:policy/v1:PodDisruptionBudget")
      .map((r) => (r.inputs as Inputs).metadata.name)
      .sort();
    expect(pdbs).toEqual(["qwen25-vl-32b", "qwen25-vl-32b-router", "qwen3-32b", "qwen3-32b-router"]);
    const deployments = of("kubernetes:apps/v1:Deployment");
    expect(deployments.map((d) => (d.inputs as Inputs).spec.template.spec.containers[0].image)).toEqual([IMAGES.routerPython, IMAGES.routerPython]);
    expect(of("kubernetes:core/v1:ConfigMap").filter((c) => (c.inputs as Inputs).metadata.name.endsWith("-router-requirements"))).toHaveLength(2);
  });
});

describe("storage", () => {
  test("the weights class is pinned to the pool's zone, and the monitoring class is created for Prometheus and Alertmanager", () => {
    const classes = Object.fromEntries(of("kubernetes:storage.k8s.io/v1:StorageClass").map((r) => [(r.inputs as Inputs).metadata.name, r.inputs as Inputs]));
    expect(Object.keys(classes).sort()).toEqual(["qwen-monitoring", "qwen-weights"]);
    expect(classes["qwen-weights"].allowedTopologies[0].matchLabelExpressions[0].values).toEqual(["us-east-1b"]);
  });
});
