import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { engineState, INVOKES, mockId } from "../../../infra/mocks";
import { readStackFile } from "../../../infra/stack-file";

// In-process stand-ins for the Pulumi engine's Engine and ResourceMonitor gRPC services, and a
// launcher that starts @pulumi/pulumi's own program runner the way the Node.js language host
// (pulumi-language-nodejs, `execRuntime`/`constructArguments`) does. The test that uses them
// proves the stack program loads and registers under `pulumi up` without a CLI or a cloud.

const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const engproto = require("@pulumi/pulumi/proto/engine_pb");
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const rpc = require("@pulumi/pulumi/runtime/rpc");

/** One RegisterResource request as the engine received it (the parts a policy pack is shown too). */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** URN of the parent; "" for the root stack. */
  readonly parentUrn: string;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly dependencies: readonly string[];
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  /** The inputs in wire form (secrets as `4dabf18193072939515e22adb298388d` signature objects). */
  readonly object: Record<string, unknown>;
}

export interface LogEntry {
  readonly severity: string;
  readonly message: string;
  readonly urn: string;
}

/** Everything the stub engine was told during one program run. */
export interface EngineRecord {
  readonly registrations: Registration[];
  /** RegisterResourceOutputs by URN, wire form. */
  readonly outputs: Map<string, Record<string, unknown>>;
  readonly logs: LogEntry[];
  rootUrn: string;
  shutdownSignalled: boolean;
}

export interface StubEngine {
  /** `127.0.0.1:<port>` of both services. */
  readonly address: string;
  readonly record: EngineRecord;
  stop(): Promise<void>;
}

const SEVERITY = ["debug", "info", "warning", "error"];

/** Features a current engine advertises; the program must work with all of them on. */
const FEATURES = [
  "RESOURCE_MONITOR_FEATURE_SECRETS",
  "RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES",
  "RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES",
  "RESOURCE_MONITOR_FEATURE_DELETED_WITH",
  "RESOURCE_MONITOR_FEATURE_ALIAS_SPECS",
  "RESOURCE_MONITOR_FEATURE_TRANSFORMS",
  "RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS",
  "RESOURCE_MONITOR_FEATURE_PARAMETERIZATION",
];

type Callback = (err: grpc.ServiceError | null, resp?: unknown) => void;
type Call = { request: any };

/** The URN the engine gives a resource: children of the root stack are not qualified by it. */
function urnOf(project: string, stack: string, type: string, name: string, parent: Registration | undefined): string {
  const parentType = parent && parent.type !== "pulumi:pulumi:Stack" ? parent.urn.split("::")[2] : undefined;
  return `urn:pulumi:${stack}::${project}::${parentType ? `${parentType}$${type}` : type}::${name}`;
}

const fail = (cb: Callback, message: string) => cb(Object.assign(new Error(message), { code: grpc.status.UNKNOWN, details: message, metadata: new grpc.Metadata() }));

/**
 * Starts both services on one loopback port, answering the calls this SDK makes (it asks
 * GetDeploymentInfo for features; SupportsFeature is only its fallback for old engines); grpc-js
 * answers any other call UNIMPLEMENTED. In preview the engine knows only the inputs: it returns
 * them and no id, so every computed output is unknown to the program, as in `pulumi preview`. In
 * an update it returns the inputs plus the same computed outputs and ids as the offline plan's
 * mocks, so the two runs can be compared resource for resource.
 */
export async function startStubEngine(opts: { project: string; stack: string; preview: boolean }): Promise<StubEngine> {
  const record: EngineRecord = { registrations: [], outputs: new Map(), logs: [], rootUrn: "", shutdownSignalled: false };
  const byUrn = new Map<string, Registration>();

  const monitor = {
    getDeploymentInfo: (_call: Call, cb: Callback) => {
      const info = new resproto.DeploymentInfo();
      info.setSupportedfeaturesList(FEATURES.map((f) => resproto.ResourceMonitorFeature[f]));
      cb(null, info);
    },
    registerResource: (call: Call, cb: Callback) => {
      const req = call.request;
      const parent = byUrn.get(req.getParent());
      if (req.getParent() && !parent) return fail(cb, `parent ${req.getParent()} was never registered`);
      const type: string = req.getType();
      const name: string = req.getName();
      const urn = urnOf(opts.project, opts.stack, type, name, parent);
      if (byUrn.has(urn)) return fail(cb, `duplicate resource URN ${urn}`);
      const object = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
      const propertyDependencies: Record<string, string[]> = {};
      req.getPropertydependenciesMap().forEach((v: any, k: string) => (propertyDependencies[k] = v.getUrnsList()));
      const registration: Registration = {
        type,
        name,
        urn,
        parentUrn: req.getParent(),
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        dependencies: req.getDependenciesList(),
        propertyDependencies,
        object,
      };
      byUrn.set(urn, registration);
      record.registrations.push(registration);

      const resp = new resproto.RegisterResourceResponse();
      resp.setUrn(urn);
      if (opts.preview || !req.getCustom()) {
        resp.setObject(structproto.Struct.fromJavaScript(object));
      } else {
        const inputs = rpc.deserializeProperties(req.getObject());
        // Outputs as the offline plan's mocks answer them (autonamed name, computed ARNs), inputs in wire form.
        const { ...computed } = engineState(type, name, inputs);
        for (const k of Object.keys(inputs)) if (k !== "name") delete computed[k];
        resp.setId(mockId(type, name));
        resp.setObject(structproto.Struct.fromJavaScript({ ...object, ...computed }));
      }
      cb(null, resp);
    },
    registerResourceOutputs: (call: Call, cb: Callback) => {
      const urn: string = call.request.getUrn();
      if (!byUrn.has(urn)) return fail(cb, `outputs for unknown resource ${urn}`);
      record.outputs.set(urn, (call.request.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
      cb(null, new emptyproto.Empty());
    },
    invoke: (call: Call, cb: Callback) => {
      const token: string = call.request.getTok();
      const handler = INVOKES[token];
      if (!handler) return fail(cb, `the stub engine has no result for invoke ${token} (add it to infra/mocks.ts INVOKES)`);
      const resp = new resproto.ResourceInvokeResponse();
      resp.setReturn(structproto.Struct.fromJavaScript(handler(rpc.deserializeProperties(call.request.getArgs()))));
      cb(null, resp);
    },
    signalAndWaitForShutdown: (_call: Call, cb: Callback) => {
      record.shutdownSignalled = true;
      cb(null, new emptyproto.Empty());
    },
  };

  const engine = {
    log: (call: Call, cb: Callback) => {
      record.logs.push({ severity: SEVERITY[call.request.getSeverity()] ?? String(call.request.getSeverity()), message: call.request.getMessage(), urn: call.request.getUrn() });
      cb(null, new emptyproto.Empty());
    },
    setRootResource: (call: Call, cb: Callback) => {
      record.rootUrn = call.request.getUrn();
      cb(null, new engproto.SetRootResourceResponse());
    },
  };

  const server = new grpc.Server();
  server.addService(resrpc.ResourceMonitorService, monitor);
  server.addService(engrpc.EngineService, engine);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    address: `127.0.0.1:${port}`,
    record,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** The `runtime` block of Pulumi.yaml and where `main` puts the program. */
export interface ProjectLaunch {
  readonly project: string;
  /** Directory of Pulumi.yaml. */
  readonly rootDirectory: string;
  /** The engine runs the program from here: `main`'s directory, or the root. */
  readonly programDirectory: string;
  /** File name of `main` inside programDirectory, or "." for the package entry. */
  readonly entryPoint: string;
  readonly typescript: boolean;
  readonly tsconfig?: string;
  readonly nodeargs: readonly string[];
}

/** Reads Pulumi.yaml the way the engine (getPwdMain) and the Node.js host (parseOptions) do. */
export function readProject(rootDirectory: string): ProjectLaunch {
  const doc = parse(fs.readFileSync(path.join(rootDirectory, "Pulumi.yaml"), "utf8")) as { name: string; main?: string; runtime: string | { name: string; options?: Record<string, unknown> } };
  const options = typeof doc.runtime === "object" ? (doc.runtime.options ?? {}) : {};
  let programDirectory = rootDirectory;
  let entryPoint = ".";
  if (doc.main) {
    const main = path.resolve(rootDirectory, doc.main);
    if (fs.statSync(main).isDirectory()) programDirectory = main;
    else [programDirectory, entryPoint] = [path.dirname(main), path.basename(main)];
  }
  return {
    project: doc.name,
    rootDirectory,
    programDirectory,
    entryPoint,
    typescript: options.typescript === undefined ? true : options.typescript === true,
    tsconfig: typeof options.tsconfig === "string" ? options.tsconfig : undefined,
    nodeargs: typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [],
  };
}

export interface ProgramRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the stack's program with @pulumi/pulumi's runner against `engine`: the argv, environment
 * and working directory the Node.js language host would use for `pulumi up` (`--dry-run` for
 * the preview). Left out: `--sync` (the host's pipes for synchronous invokes, which this program
 * does not make) and `--organization` (empty with a self-managed backend). Kills the child after
 * `timeoutMs`. `onSpawn` hands out the child so a test's afterAll can kill it if torn down early.
 */
export function runWithRunner(opts: { dir: string; stack: string; engine: StubEngine; preview: boolean; timeoutMs: number; onSpawn?: (child: ChildProcess) => void }): Promise<ProgramRun> {
  const project = readProject(opts.dir);
  const stackFile = readStackFile(opts.dir, opts.stack);
  // The host hands config over in the legacy `<ns>:config:<key>` form; the SDK accepts both.
  const config = Object.fromEntries(Object.entries(stackFile.config).map(([k, v]) => [k.replace(/^([^:]+):/, "$1:config:"), v]));
  const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [project.programDirectory] });
  const args = [
    ...project.nodeargs,
    runPath,
    "--monitor",
    opts.engine.address,
    "--engine",
    opts.engine.address,
    "--project",
    project.project,
    "--root-directory",
    project.rootDirectory,
    "--stack",
    opts.stack,
    "--pwd",
    project.programDirectory,
    ...(opts.preview ? ["--dry-run"] : []),
    "--parallel",
    "16",
    project.entryPoint,
  ];
  // The CLI's own environment, without anything a developer or the test runner set for Pulumi or Node.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PULUMI_|VITEST|NODE_OPTIONS$)/.test(k)));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(stackFile.secretKeys),
    ...(project.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
    ...(project.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: project.tsconfig } : {}),
    // The runner's own switch, passed through from the CLI's environment: without it ts-node
    // type-checks the whole program (~20 s of CPU); `npm run typecheck` covers types already.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: project.programDirectory, env, stdio: ["ignore", "pipe", "pipe"] });
    opts.onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
