// The example scripts (`examples/<service>.sh`) as a user runs them: bash and curl for real,
// against a loopback server that records what arrives. BASE_URL wins over the planned endpoint.
import { mkdtempSync, writeFileSync } from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import { tmpdir } from "os";
import { join } from "path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { exampleScript } from "../../components/render/examples";
import { plan, prodConfig } from "../aws/front-door/fixtures";
import { requireTool, run } from "../support/tools";

const [qwen3, vl] = plan(prodConfig()).services;
const seen: { url: string; body: string }[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  requireTool("bash");
  requireTool("curl");
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ url: req.url ?? "", body });
      res.setHeader("Content-Type", "application/json");
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test.each([
  ["chat", qwen3],
  ["vision", vl],
])("the %s example takes its base URL from BASE_URL before the planned endpoint", async (_, svc) => {
  const dir = mkdtempSync(join(tmpdir(), "qs-example-"));
  const script = join(dir, `${svc.name}.sh`);
  // The planned endpoint is unreachable (port 9 on loopback: discard, closed): only BASE_URL can answer.
  writeFileSync(script, exampleScript(svc, "http://127.0.0.1:9"), { mode: 0o755 });
  seen.length = 0;
  const r = await run("bash", [script], { env: { PATH: process.env.PATH, BASE_URL: base } });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(seen.map((s) => s.url)).toEqual(["/v1/chat/completions"]);
  expect(JSON.parse(seen[0].body).model).toBe(svc.model.id);
  // Without BASE_URL it calls the planned endpoint (which refuses here).
  const planned = await run("bash", [script], { env: { PATH: process.env.PATH } });
  expect(planned.code).not.toBe(0);
  expect(planned.stderr).toMatch(/127\.0\.0\.1(:| port )9/);
});
