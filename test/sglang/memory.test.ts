import { describe, expect, test } from "vitest";
import { findAccelerator, findModel, MODELS } from "../../components/catalog";
import { defaultChunkedPrefillSize, defaultMemFractionStatic, kvCellBytes, planMemory, reservedMiB } from "../../components/sglang/memory";

const H20 = findAccelerator("h20")!;
const qwen3 = findModel("Qwen/Qwen3-32B")!;
const vl = findModel("Qwen/Qwen2.5-VL-32B-Instruct")!;
// The seed's startup logs on 2 x H20 (shared/seed/DIGEST.md).
const SEED = { qwen3Tokens: 413_827, qwen3KSizeGiB: 25.26, vlTokens: 340_276, availBefore: 93.87, qwen3AvailAfter: 63.28, vlWeights: 31.46 };

const relErr = (got: number, want: number) => Math.abs(got / want - 1);

describe("SGLang 0.4.9.post2 memory math against the seed's H20 logs", () => {
  test("H20 is 97871 MiB as nvidia-smi reports it", () => {
    expect(H20.memoryMiB).toBe(97871);
  });

  test("Qwen3-32B tp2 on H20, context 131072, from catalog alone: within 1% of 413,827 tokens, K size 25.26 GiB", () => {
    const p = planMemory({ model: qwen3, gpuMemoryMiB: H20.memoryMiB, tp: 2, contextLength: 131072 });
    expect(p.memFractionStatic).toBe(0.864);
    expect(relErr(p.kvTokens, SEED.qwen3Tokens)).toBeLessThan(0.01);
    expect(p.kSizeGiB).toBeCloseTo(SEED.qwen3KSizeGiB, 1);
    expect(p.fitsContext).toBe(true);
    expect(p.chunkedPrefillSize).toBe(8192);
    expect(p.maxPrefillTokens).toBe(16384);
    expect(p.maxRunningRequests).toBe(2048);
  });

  test("Qwen2.5-VL-32B tp2 on H20 from catalog alone: multimodal x0.9 fraction, within 2% of 340,276 tokens", () => {
    const p = planMemory({ model: vl, gpuMemoryMiB: H20.memoryMiB, tp: 2, contextLength: 128000 });
    expect(p.memFractionStatic).toBeCloseTo(0.864 * 0.9, 10);
    expect(relErr(p.kvTokens, SEED.vlTokens)).toBeLessThan(0.02);
  });

  test("calibrated with the log's avail-mem figures, Qwen3-32B is within 0.1% and K size matches to 2 decimals", () => {
    const p = planMemory({ model: qwen3, gpuMemoryMiB: H20.memoryMiB, tp: 2, contextLength: 131072, calibration: { availBeforeGiB: SEED.availBefore, availAfterGiB: SEED.qwen3AvailAfter } });
    expect(relErr(p.kvTokens, SEED.qwen3Tokens)).toBeLessThan(0.001);
    expect(p.kSizeGiB.toFixed(2)).toBe("25.26");
    expect(p.calibrated).toBe(true);
  });

  test("calibrated Qwen2.5-VL-32B (weights 31.46 GiB logged, same M0) is within 0.1%", () => {
    const p = planMemory({ model: vl, gpuMemoryMiB: H20.memoryMiB, tp: 2, calibration: { availBeforeGiB: SEED.availBefore, availAfterGiB: SEED.availBefore - SEED.vlWeights } });
    expect(relErr(p.kvTokens, SEED.vlTokens)).toBeLessThan(0.001);
  });
});

describe("defaults that depend on GPU memory (server_args.py)", () => {
  test.each([
    // [MiB, tp, reserved MiB]
    [23034, 2, (2.8 + 0.2) * 1024],
    [81559, 2, (9.5 + 1) * 1024],
    [97871, 2, 13 * 1024],
    [143771, 4, 14 * 1024],
    [183359, 8, 32 * 1024],
  ])("reserved memory for %i MiB at tp %i is %f MiB", (mib, tp, want) => {
    expect(reservedMiB(mib, tp)).toBeCloseTo(want, 6);
  });

  test("speculative decoding and dp-attention reserve 2 and 4 GiB more", () => {
    expect(reservedMiB(97871, 2, { speculative: true, dpAttention: true }) - reservedMiB(97871, 2)).toBe(6 * 1024);
  });

  test("the multimodal scale is applied after rounding, not re-rounded", () => {
    expect(defaultMemFractionStatic(97871, 2, true)).toBe(0.864 * 0.9);
    expect(defaultMemFractionStatic(97871, 2, false)).toBe(0.864);
  });

  test.each([
    [23034, 2048],
    [97871, 8192],
    [183359, 16384],
  ])("chunked prefill default for %i MiB is %i", (mib, want) => {
    expect(defaultChunkedPrefillSize(mib)).toBe(want);
  });
});

describe("KV cell size", () => {
  test("Qwen3-32B: 4 KV heads per GPU at tp2 -> 131072 bytes; fp8 halves it; tp beyond KV heads replicates", () => {
    expect(kvCellBytes(qwen3, 2)).toBe(131072);
    expect(kvCellBytes(qwen3, 2, "fp8_e4m3")).toBe(65536);
    expect(kvCellBytes(qwen3, 8)).toBe(32768);
    expect(kvCellBytes(findModel("Qwen/Qwen3-30B-A3B")!, 8)).toBe(1 * 128 * 48 * 2 * 2);
  });

  test("matches models.json's table for every catalog model", async () => {
    const ref = (await import("../fixtures/models.json")).default as { models: { model: string; kv_bytes_per_token_per_gpu_bf16: Record<string, number> }[] };
    for (const m of ref.models) {
      const model = MODELS.find((x) => x.id === m.model)!;
      for (const [k, v] of Object.entries(m.kv_bytes_per_token_per_gpu_bf16)) expect(kvCellBytes(model, Number(k.slice(2))), `${m.model} ${k}`).toBe(v);
    }
  });
});

describe("caps and limits", () => {
  test("--max-total-tokens caps the pool and page size rounds down", () => {
    expect(planMemory({ model: qwen3, gpuMemoryMiB: 97871, tp: 2, maxTotalTokens: 100_000 }).kvTokens).toBe(100_000);
    expect(planMemory({ model: qwen3, gpuMemoryMiB: 97871, tp: 2, pageSize: 64 }).kvTokens % 64).toBe(0);
  });

  test("a model that does not fit gets zero tokens, never a negative count", () => {
    const p = planMemory({ model: findModel("Qwen/Qwen3-235B-A22B")!, gpuMemoryMiB: 97871, tp: 1 });
    expect(p.kvTokens).toBe(0);
    expect(p.fitsContext).toBe(false);
  });
});
