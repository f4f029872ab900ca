import { describe, expect, test } from "vitest";
import { ACCELERATORS, findInstanceType, INSTANCE_TYPES, MODELS, modelFromHfConfig, resolveModel } from "../../components/catalog";
import ref from "../fixtures/models.json";

type RefModel = { model: string; config: Record<string, unknown>; params_computed: number; params_vision_computed?: number };
const refModels = (ref as { models: RefModel[] }).models;

describe("catalogs", () => {
  test("every required accelerator is present with nvidia-smi memory", () => {
    const ids = ACCELERATORS.map((a) => a.id);
    for (const id of ["h20", "h100-80gb", "h200", "a100-40gb", "a100-80gb", "l40s", "a10g", "l4", "b200"]) expect(ids).toContain(id);
    for (const a of ACCELERATORS) expect(a.memoryMiB).toBeGreaterThan(20_000);
  });

  test("every instance type names a catalog GPU, a price and its source", () => {
    for (const it of INSTANCE_TYPES) {
      expect(
        ACCELERATORS.map((a) => a.id),
        it.name,
      ).toContain(it.gpu);
      expect(it.onDemandUsdPerHour).toBeGreaterThan(0);
      expect(it.priceSource.length).toBeGreaterThan(10);
    }
    expect(findInstanceType("p5.48xlarge")).toMatchObject({ gpu: "h100-80gb", gpuCount: 8, nvswitch: true });
    expect(findInstanceType("g6.12xlarge")).toMatchObject({ gpu: "l4", gpuCount: 4, nvswitch: false });
  });

  test("the model catalog agrees with the reference config.json copies", () => {
    for (const r of refModels) {
      const m = MODELS.find((x) => x.id === r.model);
      expect(m, r.model).toBeDefined();
      expect(m!.params).toBe(r.params_computed);
      expect(m!.numLayers).toBe(r.config.num_hidden_layers);
      expect(m!.numKeyValueHeads).toBe(r.config.num_key_value_heads);
      expect(m!.maxPositionEmbeddings).toBe(r.config.max_position_embeddings);
    }
  });
});

describe("config.json for models outside the catalog", () => {
  test.each(refModels.map((r) => [r.model, r] as const))("%s: parameters counted from config.json equal the reference count", (_id, r) => {
    const cfg = { ...r.config, head_dim: r.config.head_dim ?? r.config.head_dim_derived };
    const m = modelFromHfConfig(r.model, cfg);
    expect(m.params).toBe(r.params_computed);
    expect(m.visionParams).toBe(r.params_vision_computed ?? 0);
    expect(m.multimodal).toBe(String((r.config.architectures as string[])[0]).includes("VL"));
  });

  test("resolveModel reads a config.json path and names bad input in one line", () => {
    const files: Record<string, string> = {
      "/x/good/config.json": JSON.stringify({ ...refModels[0].config, _name_or_path: "acme/Custom-32B" }),
      "/x/bad/config.json": "{ not json",
      "/x/partial/config.json": JSON.stringify({ architectures: ["LlamaForCausalLM"], hidden_size: 4096 }),
    };
    const read = (p: string) => {
      if (!(p in files)) throw Object.assign(new Error("nope"), { code: "ENOENT" });
      return files[p];
    };
    expect(resolveModel("/x/good/config.json", read).id).toBe("acme/Custom-32B");
    expect(() => resolveModel("/x/missing/config.json", read)).toThrow("cannot read model config '/x/missing/config.json': ENOENT");
    expect(() => resolveModel("/x/bad/config.json", read)).toThrow(/is not valid JSON/);
    expect(() => resolveModel("/x/partial/config.json", read)).toThrow("config.json field 'num_hidden_layers' must be a positive integer, got undefined");
    expect(() => resolveModel("Qwen/Qwen9-1T", read)).toThrow(/unknown model 'Qwen\/Qwen9-1T'; use a catalog id/);
  });
});
