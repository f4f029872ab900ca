import * as fs from "fs";
import { expect, test } from "vitest";
import * as lib from "../../components";

test("the package exports QwenServing and the pure modules another program needs", () => {
  expect(typeof lib.QwenServing).toBe("function");
  expect(typeof lib.planDeployment).toBe("function");
  expect(typeof lib.launchArgs).toBe("function");
  expect(typeof lib.StackConfigSchema.parse).toBe("function");
  expect(lib.findModel("Qwen/Qwen3-32B")?.numLayers).toBe(64);
});

test("package.json points consumers at the built library and Pulumi at the stack program", () => {
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  expect(pkg.main).toBe("dist/components/index.js");
  expect(pkg.types).toBe("dist/components/index.d.ts");
  // Without an explicit main, Pulumi would run package.json's "main" (the library), not the stack.
  expect(fs.readFileSync("Pulumi.yaml", "utf8")).toMatch(/^main: infra\/index\.ts$/m);
});

test("pulumi up compiles the program with this repo's tsconfig, not ts-node's defaults", () => {
  // The Node.js runner looks for tsconfig.json in main's folder (infra/), where `pulumi up` runs.
  const ts = require("typescript") as typeof import("typescript");
  const parsed = ts.getParsedCommandLineOfConfigFile(
    "infra/tsconfig.json",
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(String(d.messageText));
      },
    },
  );
  expect(parsed?.options.strict).toBe(true);
  expect(parsed?.options.module).toBe(ts.ModuleKind.Node16);
});
