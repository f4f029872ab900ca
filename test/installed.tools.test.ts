import { spawnSync } from "child_process";
import { expect, test } from "vitest";

// Tests that check rendered files need these; a missing one fails here by name, never silently.
test.each([
  ["shellcheck", ["--version"]],
  ["cloud-init", ["--version"]],
  ["promtool", ["--version"]],
  ["prometheus", ["--version"]],
  ["systemd-analyze", ["--version"]],
  ["curl", ["--version"]],
  ["python3", ["--version"]],
  ["flock", ["--version"]],
  ["pyflakes3", ["--version"]],
])("%s is installed (bash scripts/install-test-tools.sh)", (tool, args) => {
  const r = spawnSync(tool, args, { encoding: "utf8" });
  expect(r.error, `${tool} missing: run bash scripts/install-test-tools.sh`).toBeUndefined();
  expect(r.status).toBe(0);
});
