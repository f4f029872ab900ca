// Issue 16, item 2: a new weights revision (or a new downloader) changes the pod template, so the
// StatefulSet rolls one replica at a time; each revision has its own folder on the volume and each
// pod says which it serves.
import { createHash } from "crypto";
import { describe, expect, test } from "vitest";
import { StackConfig, StackConfigSchema } from "../../components/config/schema";
import { DOWNLOADER_ANNOTATION, REVISION_LABEL, WEIGHTS_ANNOTATION, renderServingManifests, seedNames, serviceWeights } from "../../components/kubernetes/manifests";
import { resolveKubernetesSettings } from "../../components/kubernetes/settings";
import { NODE_PATHS } from "../../components/contract";
import { planDeployment } from "../../components/sglang/planner";
import { k8sStackInput } from "./helpers";

const NEW_REVISION = "0123456789abcdef0123456789abcdef01234567";

function configWith(revision?: string, extra: Record<string, unknown> = {}): StackConfig {
  const input = k8sStackInput() as Record<string, any>;
  const services = input.services.map((s: any, i: number) => (i === 0 && revision ? { ...s, weights: { ...s.weights, revision } } : s));
  return StackConfigSchema.parse({ ...input, ...extra, services });
}
function render(config: StackConfig) {
  const plan = planDeployment("k8s", config);
  return { plan, serving: renderServingManifests({ plan, config, settings: resolveKubernetesSettings(config) }) };
}

describe("a new revision of qwen3-32b's weights", () => {
  const before = render(configWith());
  const after = render(configWith(NEW_REVISION));
  const [old, next] = [before.serving.services[0], after.serving.services[0]];
  const template = (m: typeof old) => m.statefulSet.spec!.template;

  test("changes the pod template: revision label, weights annotation and the mounted revision folder", () => {
    expect(template(old).metadata!.annotations![WEIGHTS_ANNOTATION]).toBe("huggingface:Qwen/Qwen3-32B@9216db5781bf21249d130ec9da846c4624c16137");
    expect(template(next).metadata!.annotations![WEIGHTS_ANNOTATION]).toBe(`huggingface:Qwen/Qwen3-32B@${NEW_REVISION}`);
    expect(template(next).metadata!.labels![REVISION_LABEL]).not.toBe(template(old).metadata!.labels![REVISION_LABEL]);
    const mount = (m: typeof old) => template(m).spec!.containers[0].volumeMounts!.find((v) => v.mountPath === NODE_PATHS.models)!;
    expect(mount(old).subPath).toMatch(/^rev-qwen3-32b-[0-9a-f]{12}$/);
    expect(mount(next).subPath).not.toBe(mount(old).subPath);
    // The init container fills exactly the folder the server mounts.
    expect(template(next).spec!.initContainers![0].command![3]).toBe(mount(next).subPath);
  });

  test("rolls one replica at a time and keeps the selector (immutable) and the server's argv", () => {
    expect(next.statefulSet.spec!.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } });
    expect(next.statefulSet.spec!.selector).toEqual(old.statefulSet.spec!.selector);
    expect(next.statefulSet.spec!.selector!.matchLabels![REVISION_LABEL]).toBeUndefined();
    expect(template(next).spec!.containers[0].args).toEqual(template(old).spec!.containers[0].args);
    // The claim templates are immutable too: they name the snapshot by its stable name.
    expect(next.statefulSet.spec!.volumeClaimTemplates).toEqual(old.statefulSet.spec!.volumeClaimTemplates);
  });

  test("gets a new seed Job and a new snapshot's annotations (the resource replaces it), same claim", () => {
    const [w0, w1] = [serviceWeights(before.plan.services[0]), serviceWeights(after.plan.services[0])];
    expect(seedNames("qwen3-32b", w1).job).not.toBe(seedNames("qwen3-32b", w0).job);
    expect(next.seed!.claim).toEqual(old.seed!.claim);
    expect(next.seed!.snapshot.metadata.annotations![WEIGHTS_ANNOTATION]).toContain(NEW_REVISION);
  });

  test("leaves the other service alone", () => {
    expect(after.serving.services[1].statefulSet).toEqual(before.serving.services[1].statefulSet);
  });
});

describe("a changed downloader", () => {
  test("changes the pod template: the downloader annotation is the hash of exactly the ConfigMap's scripts", () => {
    const { plan, serving } = render(configWith());
    const m = serving.services[0];
    const hash = (data: Record<string, string>) => createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
    expect(m.statefulSet.spec!.template.metadata!.annotations![DOWNLOADER_ANNOTATION]).toBe(hash(m.weightsScript.data!));
    expect(Object.keys(m.weightsScript.data!)).toEqual(["fetch-weights.sh", "weights-revision.sh"]);
    // An edited script (a new release of this package) is another hash, so the pods roll and re-verify.
    expect(hash({ ...m.weightsScript.data!, "fetch-weights.sh": `${m.weightsScript.data!["fetch-weights.sh"]}\n# changed` })).not.toBe(serviceWeights(plan.services[0]).scriptsHash);
  });
});
