import { gunzipSync } from "zlib";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { USER_DATA_LIMIT_BYTES } from "../../../components/render/cloud-config";
import { bootstrapCases } from "./bootstraps";

// Every node bootstrap the stacks can render; the tools that consume them run in bootstrap.tools.test.ts.
const cases = bootstrapCases();

describe("rendered node bootstraps", () => {
  it("cover dev and prod on the DLAMI and plain Ubuntu", () => {
    expect(cases.map((c) => c.label)).toEqual(["dev/dlami/gpu-0", "dev/ubuntu-24.04/gpu-0", "prod/dlami/gpu-0", "prod/ubuntu-24.04/gpu-0"]);
  });

  it("the cloud-init document writes exactly the standalone files and units, and the user data is it, gzipped, within 16 KiB", () => {
    for (const c of cases) {
      const doc = parse(c.bootstrap.cloudInit) as { write_files: { path: string; content: string; permissions: string }[] };
      const written = new Map(doc.write_files.map((w) => [w.path.split("/").pop()!, w.content]));
      for (const a of c.bootstrap.artifacts.filter((x) => !x.path.endsWith("cloud-init.yaml")))
        expect({ file: a.path, content: written.get(a.path.split("/").pop()!) }).toEqual({ file: a.path, content: a.content });
      expect(doc.write_files.filter((w) => w.path.endsWith(".sh")).every((w) => w.permissions === "0755")).toBe(true);
      const userData = Buffer.from(c.bootstrap.userDataBase64, "base64");
      expect(userData.length).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
      expect(gunzipSync(userData).toString()).toBe(c.bootstrap.cloudInit);
    }
  });
});
