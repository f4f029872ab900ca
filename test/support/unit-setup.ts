// Setup of every unit-tier file. The unit tier shares a worker's module cache between files
// (vitest.config.mts: isolate false), so Pulumi's process-wide runtime state outlives a file: a
// file ends only once every registration and invoke it started has been answered, and none can
// land in the next file's mocks.
import { afterAll } from "vitest";

afterAll(async () => {
  // Pulumi keeps its state in `global.globalStore` once a program has run under mocks in this worker.
  if ((globalThis as { globalStore?: unknown }).globalStore === undefined) return;
  const { settle } = await import("../../infra/mocks");
  await settle();
});
