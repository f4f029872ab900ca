import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import * as fs from "fs";
import { qwenServingPolicies } from "../../policy/policies";
import { FIXTURES } from "./fixtures";
import { AnalyzedResource, analyzed, evaluatePolicies, Violation } from "./harness";

// The pack as `pulumi up --policy-pack policy` starts it: the Node.js language host's RunPlugin
// for an analyzer runs `node <@pulumi/pulumi/cmd/run-policy-pack> <engine> <pack dir>` in the
// pack directory (ts-node type-checks it there, always), with the stack's config in
// PULUMI_CONFIG; the pack prints its gRPC port and the engine calls the Analyzer service.
// Every fixture goes through that service and must get the verdict the direct call gives.

const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

const PACK_DIR = path.resolve(__dirname, "../../policy");
const START_TIMEOUT_MS = 90_000;
/** The pack never dials the engine; the host passes the address anyway. */
const UNUSED_ENGINE = "127.0.0.1:9";

interface Pack {
  readonly child: ChildProcess;
  readonly client: any;
}
const children: ChildProcess[] = [];

function startPack(stackConfig: Record<string, string>): Promise<Pack> {
  const options = (parse(fs.readFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), "utf8")) as { runtime: string | { options?: { typescript?: boolean } } }).runtime;
  const typescript = typeof options === "string" || options.options?.typescript !== false;
  const runPath = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PULUMI_|VITEST|NODE_OPTIONS$)/.test(k))),
    ...(typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
    PULUMI_NODEJS_PROJECT: "qwen-serving",
    PULUMI_NODEJS_STACK: "fixtures",
    PULUMI_CONFIG: JSON.stringify(stackConfig),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runPath, UNUSED_ENGINE, PACK_DIR], { cwd: PACK_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the policy pack printed no port within ${START_TIMEOUT_MS} ms; stderr:\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stderr!.on("data", (d) => (stderr += d));
    child.stdout!.on("data", (d) => {
      stdout += d;
      const port = /^(\d+)\s*$/m.exec(stdout)?.[1];
      if (!port) return;
      clearTimeout(timer);
      resolve({ child, client: new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) });
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the policy pack exited with ${code} before serving; stderr:\n${stderr}`));
    });
  });
}

const call = <T>(client: any, method: string, req: unknown): Promise<T> => new Promise((resolve, reject) => client[method](req, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp))));

function options(r: AnalyzedResource) {
  const o = new analyzerproto.AnalyzerResourceOptions();
  o.setProtect(r.protect);
  return o;
}

/** What the engine does with a stack: Analyze for every resource, then AnalyzeStack once. */
async function analyzeThroughPack(client: any, resources: readonly AnalyzedResource[]): Promise<Violation[]> {
  const diagnostics: { d: any; urn: string }[] = [];
  for (const r of resources) {
    const req = new analyzerproto.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(r.urn);
    req.setProperties(structproto.Struct.fromJavaScript(r.properties));
    req.setOptions(options(r));
    // A resource's diagnostics carry no URN: the engine knows which resource it asked about.
    diagnostics.push(...(await call<any>(client, "analyze", req)).getDiagnosticsList().map((d: any) => ({ d, urn: d.getUrn() || r.urn })));
  }
  const stackReq = new analyzerproto.AnalyzeStackRequest();
  stackReq.setResourcesList(
    resources.map((r) => {
      const ar = new analyzerproto.AnalyzerResource();
      ar.setType(r.type);
      ar.setName(r.name);
      ar.setUrn(r.urn);
      ar.setProperties(structproto.Struct.fromJavaScript(r.properties));
      ar.setOptions(options(r));
      ar.setParent(r.parentUrn);
      ar.setDependenciesList([...r.dependencies]);
      for (const [k, urns] of Object.entries(r.propertyDependencies)) {
        const deps = new analyzerproto.AnalyzerPropertyDependencies();
        deps.setUrnsList([...urns]);
        ar.getPropertydependenciesMap().set(k, deps);
      }
      return ar;
    }),
  );
  diagnostics.push(...(await call<any>(client, "analyzeStack", stackReq)).getDiagnosticsList().map((d: any) => ({ d, urn: d.getUrn() })));
  expect(diagnostics.every(({ d }) => d.getEnforcementlevel() === analyzerproto.EnforcementLevel.MANDATORY)).toBe(true);
  // The pack prefixes every message with the policy's description.
  return diagnostics.map(({ d, urn }) => ({ policy: d.getPolicyname(), urn, message: d.getMessage().split("\n").slice(1).join("\n") }));
}

const sorted = (vs: readonly Violation[]) => [...vs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

let pack: Pack;
let prodPack: Pack;

beforeAll(async () => {
  [pack, prodPack] = await Promise.all([startPack({}), startPack({ "qwen-serving:environment": "prod" })]);
}, START_TIMEOUT_MS + 10_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

describe("the policy pack started the way `pulumi up --policy-pack policy` starts it", () => {
  test("serves the qwen-serving pack, version from policy/package.json, seven mandatory policies", async () => {
    const info = await call<any>(pack.client, "getAnalyzerInfo", new emptyproto.Empty());
    expect(info.getName()).toBe("qwen-serving");
    expect(info.getVersion()).toBe(JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")).version);
    const policies = info.getPoliciesList();
    expect(policies.map((p: any) => p.getName())).toEqual(qwenServingPolicies().map((p) => p.name));
    for (const p of policies) expect(p.getEnforcementlevel(), p.getName()).toBe(analyzerproto.EnforcementLevel.MANDATORY);
  });

  test.each(FIXTURES.map((f) => [`${f.policy}: ${f.title}`, f] as const))("%s: same verdict as the direct call", async (_t, fixture) => {
    const resources = analyzed(fixture.stack, fixture.resources);
    const served = await analyzeThroughPack(pack.client, resources);
    expect(sorted(served)).toEqual(sorted(await evaluatePolicies(qwenServingPolicies(), resources)));
    expect(served).toHaveLength(fixture.violations.length);
  });

  test("reads the stack's qwen-serving:environment: prod there makes any stack's weight cache need protection", async () => {
    const volume = FIXTURES.find((f) => f.policy === "weight-cache-retained-in-prod" && f.stack === "dev")!;
    expect(await analyzeThroughPack(pack.client, analyzed("dev", volume.resources))).toEqual([]);
    const served = await analyzeThroughPack(prodPack.client, analyzed("dev", volume.resources));
    expect(served.map((v) => v.policy)).toEqual(["weight-cache-retained-in-prod"]);
  });
});
