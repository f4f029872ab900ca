import { ModelArch } from "../../catalog/models";
import { ServiceConfig } from "../../config/schema";
import { keyPath, Problem } from "../../problems";
import { parseServerArgs } from "../argparse";
import { launchArgs, LaunchSpec } from "../launch-args";
import { PhaseResult } from "./types";

export interface ServiceArgv extends PhaseResult {
  /** Per replica, the argv after `python3 -m sglang.launch_server`. */
  readonly argv: readonly (readonly string[])[];
}

/** The launch spec of a service, less the port, which differs per replica. */
export function launchSpec(svc: ServiceConfig, model: ModelArch, weightsRepo: string): Omit<LaunchSpec, "port"> {
  return {
    modelRepo: weightsRepo,
    servedModelName: model.id,
    tp: svc.tp,
    contextLength: svc.contextLength,
    ropeScaling: svc.ropeScaling,
    chatTemplate: svc.chatTemplate ?? model.chatTemplate,
    maxRunningRequests: svc.maxRunningRequests,
    chunkedPrefillSize: svc.chunkedPrefillSize,
    memFractionStatic: svc.memFractionStatic,
    kvCacheDtype: svc.kvCacheDtype,
    extraArgs: svc.extraArgs,
  };
}

/**
 * Phase 5: each replica's SGLang argv, checked with SGLang 0.4.9.post2's own argument table, so
 * a bad `extraArgs` is refused before deploy rather than in a crash loop. `index` is the service's
 * place in config, for the problem path.
 */
export function buildArgv(index: number, svc: ServiceConfig, model: ModelArch, weightsRepo: string, ports: readonly number[]): ServiceArgv {
  const spec = launchSpec(svc, model, weightsRepo);
  const argv = ports.map((port) => launchArgs({ ...spec, port }));
  const problems: Problem[] = argv.flatMap((a, r) =>
    parseServerArgs(a).errors.map((err) => ({ path: keyPath(["services", index, "extraArgs"]), rule: `replica ${r}: SGLang 0.4.9.post2 would reject the command line: ${err}` })),
  );
  return { argv, problems };
}
