import * as fs from "fs";
import * as path from "path";
import { expect, test } from "vitest";
import { stackNames } from "../../support/stacks";

// Each stack runs in its own test file (Pulumi's mock state is per process, and each run costs
// two program starts): a stack file without its test would silently go unproven.
test("every Pulumi.<stack>.yaml has a test/infra/runner/<stack>.e2e.test.ts that runs it through pulumi up", () => {
  const stacks = stackNames();
  expect(stacks.length).toBeGreaterThan(0);
  for (const stack of stacks) {
    const file = path.join(__dirname, `${stack}.e2e.test.ts`);
    expect(fs.existsSync(file), `missing ${path.relative(process.cwd(), file)}`).toBe(true);
    expect(fs.readFileSync(file, "utf8")).toContain(`describePulumiUp(${JSON.stringify(stack)})`);
  }
});
