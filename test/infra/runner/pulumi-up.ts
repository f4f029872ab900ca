import { ChildProcess } from "child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { redactSecrets } from "../../../infra/mocks";
import { PlanRun, runPlan } from "../../../infra/plan";
import { readStackFile } from "../../../infra/stack-file";
import { qwenServingPolicies, WEIGHT_CACHE_COMPONENT } from "../../../policy/policies";
import { isWorkloadType, TYPES, workloadContainers } from "../../../policy/resources";
import { AnalyzedResource, evaluatePolicies } from "../../policy/harness";
import { EngineRecord, ProgramRun, readProject, Registration, runWithRunner, startStubEngine, StubEngine } from "./stub-engine";

const structproto = require("google-protobuf/google/protobuf/struct_pb");
const rpc = require("@pulumi/pulumi/runtime/rpc");

const DIR = process.cwd();
/** A loaded machine can take a while to start two Node processes with ts-node; never forever. */
const RUN_TIMEOUT_MS = 120_000;

interface Outcome {
  readonly run: ProgramRun;
  readonly record: EngineRecord;
}

const ROOT_STACK = "pulumi:pulumi:Stack";
const byUrn = (rs: readonly Registration[]) => new Map(rs.map((r) => [r.urn, r]));

/** type + name + parent name per resource, the root stack left out (the offline plan has none). */
function shape(rs: readonly Registration[]): string[] {
  const index = byUrn(rs);
  return rs
    .filter((r) => r.type !== ROOT_STACK)
    .map((r) => {
      const parent = index.get(r.parentUrn);
      return `${r.type} ${r.name} <- ${!parent || parent.type === ROOT_STACK ? "(top)" : parent.name}`;
    })
    .sort();
}

const planShape = (plan: PlanRun) => plan.document.resources.map((r) => `${r.type} ${r.name} <- ${r.parent ?? "(top)"}`).sort();

const inputsOf = (r: Registration) => redactSecrets(rpc.deserializeProperties(structproto.Struct.fromJavaScript(r.object)));

/** The registrations as a policy pack would receive them from the engine. */
const analyzed = (rs: readonly Registration[]): AnalyzedResource[] =>
  rs.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    parentUrn: r.parentUrn,
    properties: r.object,
    protect: r.protect,
    dependencies: r.dependencies,
    propertyDependencies: r.propertyDependencies,
  }));

const PLANTED_TOKEN = "hf_PlantedByTheRunnerTestAbCdEfGhIjKl";

/** The registration with a token planted where no-plaintext-secrets looks; undefined if it runs nothing. */
function plantToken(r: Registration): Registration | undefined {
  const o = structuredClone(r.object) as Record<string, any>;
  const line = `\nexport HF_TOKEN=${PLANTED_TOKEN}\n`;
  if (r.type === TYPES.instance) {
    if (typeof o.userDataBase64 === "string") o.userDataBase64 = Buffer.from(Buffer.from(o.userDataBase64, "base64").toString("utf8") + line).toString("base64");
    else o.userData = `${typeof o.userData === "string" ? o.userData : ""}${line}`;
  } else if (r.type === TYPES.dockerContainer) o.envs = [...(o.envs ?? []), `HF_TOKEN=${PLANTED_TOKEN}`];
  else if (isWorkloadType(r.type)) {
    const containers = workloadContainers(r.type, o) as { env?: unknown[] }[];
    if (!containers.length) return undefined;
    for (const c of containers) c.env = [...(c.env ?? []), { name: "HF_TOKEN", value: PLANTED_TOKEN }];
  } else return undefined;
  return { ...r, object: o };
}

/**
 * `pulumi up` of one stack without the CLI: @pulumi/pulumi's runner loads infra/index.ts as the
 * Node.js language host would (Pulumi.yaml's `main` and runtime options, the stack's config in
 * PULUMI_CONFIG) and talks gRPC to an in-process stub engine, once as the preview (`--dry-run`,
 * computed outputs unknown) and once as the update. What the engine receives must be what the
 * offline plan (`npm run plan`) shows, and must pass the policy pack.
 */
export function describePulumiUp(stack: string): void {
  describe(`pulumi up of stack ${stack}, through @pulumi/pulumi's own program runner`, () => {
    const project = readProject(DIR).project;
    const children = new Set<ChildProcess>();
    const engines: StubEngine[] = [];
    let plan: PlanRun;
    let update: Outcome;
    let preview: Outcome;

    const launch = async (asPreview: boolean): Promise<Outcome> => {
      const engine = await startStubEngine({ project, stack, preview: asPreview });
      engines.push(engine);
      const run = await runWithRunner({ dir: DIR, stack, engine, preview: asPreview, timeoutMs: RUN_TIMEOUT_MS, onSpawn: (c) => children.add(c) });
      return { run, record: engine.record };
    };

    beforeAll(async () => {
      [plan, update, preview] = await Promise.all([runPlan({ dir: DIR, stack, write: false }), launch(false), launch(true)]);
    }, RUN_TIMEOUT_MS + 30_000);

    afterAll(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await Promise.all(engines.map((e) => e.stop()));
    });

    test.each(["update", "preview"] as const)("the %s run exits 0, logs no error, registers the root stack and shuts down cleanly", (which) => {
      const { run, record } = which === "update" ? update : preview;
      expect(run.signal, `killed after ${RUN_TIMEOUT_MS} ms; stderr:\n${run.stderr}`).toBeNull();
      expect(run.code, `stderr:\n${run.stderr}\nlogs:\n${record.logs.map((l) => l.message).join("\n")}`).toBe(0);
      expect(record.logs.filter((l) => l.severity === "error")).toEqual([]);
      const roots = record.registrations.filter((r) => r.type === ROOT_STACK);
      expect(roots.map((r) => r.name)).toEqual([`${project}-${stack}`]);
      expect(record.rootUrn).toBe(roots[0].urn);
      expect(record.shutdownSignalled).toBe(true);
    });

    test("the update registers exactly the resources of the mocked plan, under the same parents", () => {
      expect(shape(update.record.registrations)).toEqual(planShape(plan));
    });

    test("the preview registers the same resources while ids and computed outputs are still unknown", () => {
      expect(shape(preview.record.registrations)).toEqual(planShape(plan));
    });

    test("every resource gets the same inputs as in the mocked plan", () => {
      const planned = new Map(plan.document.resources.map((r) => [`${r.type} ${r.name}`, r.inputs]));
      for (const r of update.record.registrations.filter((x) => x.type !== ROOT_STACK)) expect(inputsOf(r), `${r.type} ${r.name}`).toEqual(planned.get(`${r.type} ${r.name}`));
    });

    test("the stack exports the planned capacity and an endpoint per service", () => {
      const outputs = rpc.deserializeProperties(structproto.Struct.fromJavaScript(update.record.outputs.get(update.record.rootUrn) ?? {}));
      expect(Object.keys(outputs)).toEqual(expect.arrayContaining(["capacity", "endpoints"]));
      expect(outputs.capacity).toEqual(
        Object.fromEntries(
          plan.document.services.map((s) => [s.name, { gpu: s.capacity.gpu, tp: s.tp, replicas: s.replicas, kvTokens: s.capacity.kvTokens, contextLength: s.capacity.contextLength }]),
        ),
      );
      expect(Object.keys(outputs.endpoints).sort()).toEqual(plan.document.services.map((s) => s.name).sort());
    });

    // The policy pack sees `protect` only; the engine also gets `retainOnDelete`, checked here.
    test("aws weight caches are protected and retained on delete exactly when the stack retains caches", () => {
      const config = readStackFile(DIR, stack).config;
      const environment = config[`${project}:environment`] ?? stack;
      const retain = (JSON.parse(config[`${project}:cache`] ?? "{}") as { retain?: boolean }).retain ?? environment === "prod";
      const caches = update.record.registrations.filter((r) => r.type === "aws:ebs/volume:Volume" && r.urn.split("::")[2].split("$").includes(WEIGHT_CACHE_COMPONENT));
      expect(caches.length > 0, "weight-cache volumes registered").toBe(plan.document.platform === "aws");
      for (const c of caches) expect({ protect: c.protect, retainOnDelete: c.retainOnDelete }, c.name).toEqual({ protect: retain, retainOnDelete: retain });
    });

    test("the policy pack reports nothing about what the engine received", async () => {
      const environment = readStackFile(DIR, stack).config[`${project}:environment`];
      expect(await evaluatePolicies(qwenServingPolicies({ environment }), analyzed(update.record.registrations))).toEqual([]);
    });

    test("...and catches a token planted into each instance, container and workload of the stack", async () => {
      const rs = update.record.registrations;
      const targets = rs.filter((r) => plantToken(r)).map((r) => r.urn);
      expect(targets.length).toBeGreaterThan(0);
      const violations = await evaluatePolicies(qwenServingPolicies(), analyzed(rs.map((r) => plantToken(r) ?? r)));
      expect([...new Set(violations.filter((v) => v.policy === "no-plaintext-secrets").map((v) => v.urn))].sort()).toEqual(targets.sort());
    });
  });
}
