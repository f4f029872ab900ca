import { configDefaults, defineConfig } from "vitest/config";

// Three tiers, chosen by file name so a new test lands in the right one:
//   test/**/*.test.ts        unit   pure code and in-process Pulumi mocks          `npm test`
//   test/**/*.tools.test.ts  tools  real programs judge rendered files (shellcheck, promtool,
//                                   systemd-analyze, cloud-init, a live Prometheus, bash/python/curl
//                                   running the scripts in sandboxes)
//   test/**/*.e2e.test.ts    e2e    whole runs: Pulumi's program runner against the stub engine,
//                                   the policy pack over gRPC, the CLIs as subprocesses, hardening
//                                   fuzz and variant runs, the QEMU boot of a GPU node (test/boot)
// `npm run test:all` runs all three (plus lint and the format check); `vitest run --project tools`
// runs one tier.
const TOOLS = "test/**/*.tools.test.ts";
const E2E = "test/**/*.e2e.test.ts";

// When set (scripts/test.sh does), a JSON report of the whole run is written there too.
const jsonReport = process.env.QS_VITEST_JSON;

export default defineConfig({
  test: {
    ...(jsonReport ? { reporters: ["default", "json"], outputFile: { json: jsonReport } } : {}),
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, TOOLS, E2E],
          // Worker threads, and files share a worker's module cache: loading @pulumi/* and the
          // components costs 2-4 s of CPU per fresh worker, which isolating every file paid again
          // (unit tier on 2 busy cores: 90 s isolated, 28 s shared). Sharing is safe because every
          // mock test installs its own mocks and config before its program runs (installMocks), the
          // setup file drains Pulumi's pending RPCs at the end of each file, and no test stubs
          // modules, globals or the environment (vi.mock / vi.stubEnv would leak: don't).
          pool: "threads",
          isolate: false,
          setupFiles: ["test/support/unit-setup.ts"],
          testTimeout: 10_000,
          hookTimeout: 20_000,
        },
      },
      {
        extends: true,
        // One process per file: these spawn programs and serve on loopback; isolation keeps a stuck one local.
        test: { name: "tools", include: [TOOLS], pool: "forks", isolate: true, testTimeout: 120_000, hookTimeout: 180_000 },
      },
      {
        extends: true,
        // One process per file: Pulumi's runner, the policy pack and the mocks each own the process's Pulumi state.
        test: { name: "e2e", include: [E2E], pool: "forks", isolate: true, testTimeout: 120_000, hookTimeout: 180_000 },
      },
    ],
  },
});
