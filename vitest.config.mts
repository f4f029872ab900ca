import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Each file gets its own worker so Pulumi's global mock state never leaks between files.
    isolate: true,
    pool: "forks",
  },
});
