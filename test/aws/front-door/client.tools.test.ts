import { createServer, IncomingMessage, Server } from "http";
import { AddressInfo } from "net";
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "fs";
import { dirname, join } from "path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AwsSettingsSchema } from "../../../components/config/aws";
import { planFrontDoor } from "../../../components/aws/front-door-plan";
import { frontDoorTiming } from "../../../components/aws/front-door-timing";
import { IMAGES } from "../../../components/contract";
import { apiKeyParameterName, renderFetchApiKeyScript } from "../../../components/render/aws/api-key";
import { chatRequestBody, EXAMPLE_IMAGE_URL, exampleArtifacts, QWEN3_SAMPLING, visionRequestBody } from "../../../components/render/examples";
import { parse, plan, prodConfig } from "./fixtures";
import { requireTool, run, shellcheck, tempDir, writeTree } from "../../support/tools";

interface Captured {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

// A stand-in for the load balancer: records every request and answers like SGLang would.
let server: Server;
let base: string;
const captured: Captured[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      captured.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"choices":[]}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const prod = plan(prodConfig());
const [qwen3, vl] = prod.services;
const tls = AwsSettingsSchema.parse({ frontDoor: { domain: "llm.example.com", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123" } }).frontDoor;

/** Writes the example scripts for given endpoints and returns their paths by service. */
function writeExamples(endpoints: Record<string, string>): Record<string, string> {
  const dir = tempDir("qs-examples-");
  const arts = exampleArtifacts(prod, endpoints);
  writeTree(
    dir,
    arts.map((a) => ({ path: `/${a.path}`, content: a.content, mode: a.mode })),
  );
  return Object.fromEntries(arts.map((a) => [a.path.replace(/^examples\/|\.sh$/g, ""), join(dir, a.path)]));
}

async function runExample(script: string, args: string[], env: Record<string, string>) {
  requireTool("curl");
  const before = captured.length;
  const r = await run("bash", [script, ...args], { env: { PATH: process.env.PATH, ...env } });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return captured.slice(before);
}

describe("example requests", () => {
  test("are artifacts examples/<service>.sh, executable, shellcheck-clean with and without TLS endpoints", async () => {
    const plain = exampleArtifacts(prod, { "qwen3-32b": "http://lb:9001", "qwen25-vl-32b": "http://lb:9002" });
    expect(plain.map((a) => [a.path, a.mode])).toEqual([
      ["examples/qwen3-32b.sh", 0o755],
      ["examples/qwen25-vl-32b.sh", 0o755],
    ]);
    const files = [
      ...Object.values(writeExamples({ "qwen3-32b": "http://lb:9001", "qwen25-vl-32b": "http://lb:9002" })),
      ...Object.values(writeExamples({ "qwen3-32b": "https://llm.example.com/qwen3-32b", "qwen25-vl-32b": "https://llm.example.com/qwen25-vl-32b" })),
    ];
    expect(await shellcheck(files)).toBe("");
  });

  test("Qwen3: POST /v1/chat/completions with enable_thinking false and the seed's sampling", async () => {
    const scripts = writeExamples({ "qwen3-32b": `${base}`, "qwen25-vl-32b": `${base}` });
    const [req] = await runExample(scripts["qwen3-32b"], [], {});
    expect([req.method, req.path, req.headers["content-type"], req.headers.authorization]).toEqual(["POST", "/v1/chat/completions", "application/json", undefined]);
    const body = JSON.parse(req.body);
    expect(body).toEqual(chatRequestBody(qwen3));
    expect(body).toMatchObject({ model: "Qwen/Qwen3-32B", temperature: 0.6, top_p: 0.95, top_k: 20, presence_penalty: 1.5, max_tokens: 8192, chat_template_kwargs: { enable_thinking: false } });
    expect(QWEN3_SAMPLING).toEqual({ temperature: 0.6, top_p: 0.95, top_k: 20, presence_penalty: 1.5, max_tokens: 8192 });
  });

  test("the API key goes in Authorization: Bearer, only when QWEN_API_KEY is set", async () => {
    const scripts = writeExamples({ "qwen3-32b": base, "qwen25-vl-32b": base });
    const [req] = await runExample(scripts["qwen3-32b"], [], { QWEN_API_KEY: "sk-test-123" });
    expect(req.headers.authorization).toBe("Bearer sk-test-123");
  });

  test("Qwen2.5-VL: an image by URL, then a local PNG inline as a base64 data URI", async () => {
    const scripts = writeExamples({ "qwen3-32b": base, "qwen25-vl-32b": base });
    const png = join(tempDir("qs-img-"), "cat.png");
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 3000 }, (_, i) => i % 256)]);
    writeFileSync(png, bytes);
    const [byUrl, inline] = await runExample(scripts["qwen25-vl-32b"], [png], {});
    expect(JSON.parse(byUrl.body)).toEqual(visionRequestBody(vl, EXAMPLE_IMAGE_URL));
    const body = JSON.parse(inline.body);
    const url: string = body.messages[0].content[0].image_url.url;
    expect(url.startsWith("data:image/png;base64,")).toBe(true);
    expect(Buffer.from(url.slice("data:image/png;base64,".length), "base64").equals(bytes)).toBe(true);
    expect({ ...body, messages: [{ ...body.messages[0], content: [{ type: "image_url", image_url: { url: "x" } }, body.messages[0].content[1]] }] }).toEqual(visionRequestBody(vl, "x"));
    expect(inline.path).toBe("/v1/chat/completions");
  });

  test("with TLS, the endpoint's path prefix is what the 443 rules match and rewrite to /v1/...", async () => {
    const scripts = writeExamples({ "qwen3-32b": `${base}/qwen3-32b`, "qwen25-vl-32b": `${base}/qwen25-vl-32b` });
    const [req] = await runExample(scripts["qwen3-32b"], [], {});
    expect(req.path).toBe("/qwen3-32b/v1/chat/completions");
    const rule = planFrontDoor(prod, tls, frontDoorTiming(parse(prodConfig()))).rules.find((r) => r.key === "qwen3-32b-path")!;
    expect(req.path.replace(new RegExp(rule.rewrite!.regex), rule.rewrite!.replace)).toBe("/v1/chat/completions");
  });
});

describe("API key on the node", () => {
  const fakeBin = (dir: string, name: string, body: string) => writeTree(dir, [{ path: `/bin/${name}`, content: `#!/usr/bin/env bash\n${body}\n`, mode: 0o755 }]);

  test("the fetch script is shellcheck-clean", async () => {
    const f = join(tempDir("qs-fetch-"), "fetch-api-key.sh");
    writeFileSync(f, renderFetchApiKeyScript());
    expect(await shellcheck([f])).toBe("");
  });

  test("it decrypts the parameter into a raw file only the proxy's uid can read (host aws CLI)", async () => {
    const dir = tempDir("qs-fetch-");
    writeFileSync(join(dir, "fetch.sh"), renderFetchApiKeyScript());
    fakeBin(dir, "aws", `printf '%s\\n' "$*" > "${dir}/aws-args"; echo 'sk-live-xyz'`);
    const out = join(dir, "run/qwen-serving/api-keys/qwen3-32b");
    const r = await run("bash", [join(dir, "fetch.sh"), "us-east-1", apiKeyParameterName("qwen-serving", "prod", "qwen3-32b"), out, "101"], { env: { PATH: `${dir}/bin:/usr/bin:/bin` } });
    expect(r).toMatchObject({ code: 0, stdout: "", stderr: "" });
    // The value only, no newline and no variable name: what the proxy's njs check compares.
    expect(readFileSync(out, "utf8")).toBe("sk-live-xyz");
    expect([statSync(out).mode & 0o777, statSync(out).uid, statSync(out).gid]).toEqual([0o400, 101, 101]);
    expect([statSync(dirname(out)).mode & 0o777, statSync(dirname(out)).uid]).toEqual([0o500, 101]);
    expect(readFileSync(join(dir, "aws-args"), "utf8")).toBe(
      "ssm get-parameter --region us-east-1 --name /qwen-serving/prod/api-keys/qwen3-32b --with-decryption --query Parameter.Value --output text\n",
    );
    // A second start (a restart of the proxy unit) replaces the file in the now read-only folder.
    fakeBin(dir, "aws", "echo 'sk-rotated'");
    expect((await run("bash", [join(dir, "fetch.sh"), "us-east-1", "/p", out, "101"], { env: { PATH: `${dir}/bin:/usr/bin:/bin` } })).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("sk-rotated");
    expect(readdirSync(dirname(out))).toEqual(["qwen3-32b"]);
  });

  test("without an aws CLI it runs the pinned AWS CLI image with no container log, and refuses an empty key", async () => {
    const dir = tempDir("qs-fetch-");
    writeFileSync(join(dir, "fetch.sh"), renderFetchApiKeyScript());
    fakeBin(dir, "docker", `printf '%s\\n' "$*" > "${dir}/docker-args"; echo ''`);
    const out = join(dir, "keys", "k");
    // PATH holds the fake docker and the few coreutils the script uses, so no `aws` can be found.
    for (const tool of ["bash", "mkdir", "dirname", "mktemp", "mv", "chown", "chmod"]) symlinkSync(requireTool(tool), join(dir, "bin", tool));
    const r = await run("bash", [join(dir, "fetch.sh"), "us-east-1", "/p", out, "101"], { env: { PATH: `${dir}/bin` } });
    expect(readFileSync(join(dir, "docker-args"), "utf8")).toBe(
      `run --rm --log-driver none ${IMAGES.awsCli} ssm get-parameter --region us-east-1 --name /p --with-decryption --query Parameter.Value --output text\n`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("API key /p is empty or spans several lines\n");
    expect(existsSync(out)).toBe(false);
  });

  test("a uid that is not a number is refused before anything is read", async () => {
    const dir = tempDir("qs-fetch-");
    writeFileSync(join(dir, "fetch.sh"), renderFetchApiKeyScript());
    const r = await run("bash", [join(dir, "fetch.sh"), "us-east-1", "/p", join(dir, "k"), "nginx"]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("usage:")]);
  });
});
