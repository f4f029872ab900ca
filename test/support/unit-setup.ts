// Setup of every unit-tier file. The unit tier shares a worker's module cache between files
// (vitest.config.mts: isolate false), so Pulumi's process-wide runtime state outlives a file: a
// file ends only once every registration and invoke it started has been answered, and none can
// land in the next file's mocks.
import { afterAll } from "vitest";

// Pulumi takes a stack trace for every resource (its source position, with no depth limit) and
// every internal promise (leak reports). Under vitest each trace goes through the module runner's
// source-map interceptor, which was a third of the unit tier's CPU time. Those traces are never
// shown by a test, so they get V8's plain format; every other trace (a failing assertion's) still
// goes through the interceptor and points at the TypeScript line.
const PULUMI_TRACE_TAKERS = /[\\/]@pulumi[\\/]pulumi[\\/](resource|runtime[\\/]debuggable)\.js$/;
const mapped = Error.prepareStackTrace;
if (mapped && !(mapped as { qsPlain?: boolean }).qsPlain) {
  const prepare = (error: Error, frames: NodeJS.CallSite[]): unknown => {
    if (PULUMI_TRACE_TAKERS.test(frames[0]?.getFileName() ?? "")) return `${error}\n    at ${frames.join("\n    at ")}`;
    return mapped(error, frames);
  };
  Error.prepareStackTrace = Object.assign(prepare, { qsPlain: true });
}

afterAll(async () => {
  // Pulumi keeps its state in `global.globalStore` once a program has run under mocks in this worker.
  if ((globalThis as { globalStore?: unknown }).globalStore === undefined) return;
  const { settle } = await import("../../infra/mocks");
  await settle();
});
