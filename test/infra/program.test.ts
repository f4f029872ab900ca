import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, test } from "vitest";
import { RecordedResource, settle, UNMOCKED_INVOKES } from "../../infra/mocks";
import { runPlan, PlanRun } from "../../infra/plan";

// One program run per file: Pulumi's mock state is process-wide.
let run: PlanRun;
let recorded: readonly RecordedResource[];

beforeAll(async () => {
  run = await runPlan({ dir: process.cwd(), stack: "prod", write: false });
  recorded = run.document.resources as unknown as RecordedResource[];
});

describe("the prod program under strict mocks", () => {
  test("QwenServing is the single top-level component and delegates to the aws adapter", () => {
    const top = run.document.resources.filter((r) => r.parent === null);
    expect(top).toEqual([expect.objectContaining({ type: "qwen-serving:index:QwenServing", name: "qwen-prod" })]);
    expect(run.document.resources).toContainEqual(expect.objectContaining({ type: "qwen-serving:aws:AwsPlatform", name: "qwen-prod-aws", parent: "qwen-prod" }));
  });

  test("every resource hangs under QwenServing", () => {
    const names = new Set(recorded.map((r) => r.name));
    for (const r of recorded) if (r.parent !== null) expect(names.has(r.parent), `${r.type} ${r.name} -> ${r.parent}`).toBe(true);
  });

  test("an unmocked invoke fails loudly instead of returning nothing", async () => {
    await expect(pulumi.runtime.invoke("aws:nope/nope:nope", {})).rejects.toThrow();
    expect(UNMOCKED_INVOKES).toEqual(["aws:nope/nope:nope"]);
  });

  test("the plan carries the seed's services with their ports and tp", () => {
    expect(run.document.services.map((s) => [s.name, s.tp, s.port, s.replicas])).toEqual([
      ["qwen3-32b", 2, 9001, 2],
      ["qwen25-vl-32b", 2, 9002, 2],
    ]);
  });

  test("no secret placeholder reaches an input except as a redacted secret", async () => {
    await settle();
    const json = JSON.stringify(run.document.resources);
    // Inputs that came from secrets are redacted; nothing else may carry the placeholder text.
    for (const r of run.document.resources)
      for (const [k, v] of Object.entries(r.inputs as Record<string, unknown>)) if (JSON.stringify(v).includes("[secret]")) expect(v, `${r.name}.${k}`).toBe("[secret]");
    expect(json).not.toContain("REPLACE-WITH-pulumi-config-set");
  });
});
