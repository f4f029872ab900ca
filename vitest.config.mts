import { configDefaults, defineConfig } from "vitest/config";

// Three tiers, chosen by file name so a new test lands in the right one:
//   test/**/*.test.ts        unit   pure code and in-process Pulumi mocks          `npm test`
//   test/**/*.tools.test.ts  tools  real programs judge rendered files (shellcheck, promtool,
//                                   systemd-analyze, cloud-init, a live Prometheus, bash/python/curl
//                                   running the scripts in sandboxes)
//   test/**/*.e2e.test.ts    e2e    whole runs: Pulumi's program runner against the stub engine,
//                                   the policy pack over gRPC, the CLIs as subprocesses, hardening
//                                   fuzz and variant runs
// `npm run test:all` runs all three (plus lint and the format check); `vitest run --project tools`
// runs one tier.
const TOOLS = "test/**/*.tools.test.ts";
const E2E = "test/**/*.e2e.test.ts";

// When set (scripts/test.sh does), a JSON report of the whole run is written there too.
const jsonReport = process.env.QS_VITEST_JSON;

export default defineConfig({
  test: {
    // Each file runs in a fresh worker, so Pulumi's process-wide mock state never leaks between files.
    isolate: true,
    ...(jsonReport ? { reporters: ["default", "json"], outputFile: { json: jsonReport } } : {}),
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, TOOLS, E2E],
          // Worker threads start faster than forked processes; each file still gets its own.
          pool: "threads",
          testTimeout: 10_000,
          hookTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: { name: "tools", include: [TOOLS], pool: "forks", testTimeout: 120_000, hookTimeout: 180_000 },
      },
      {
        extends: true,
        test: { name: "e2e", include: [E2E], pool: "forks", testTimeout: 120_000, hookTimeout: 180_000 },
      },
    ],
  },
});
