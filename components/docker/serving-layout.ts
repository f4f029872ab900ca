/**
 * The SGLang containers of one Docker host, from the plan: a download container per model revision
 * placed there (its own folder and script) and a server per replica, each waiting for its own
 * revision's download, on the planned GPUs by index or UUID. Pure (no Pulumi imports).
 */
import { DEFAULT_DOCKER_SETTINGS } from "../config/docker";
import { maxGenerationSeconds } from "../config/proxy";
import { DockerHostConfig, StackConfig } from "../config/schema";
import type { SecretsPresent } from "../platform";
import { ProblemInput } from "../problems";
import { Artifact } from "../render/artifact";
import { HF_TOKEN_FILE, MODELSCOPE_TOKEN_FILE, WeightsModel, renderWeightsScript, weightsModels } from "../render/scripts/weights";
import { weightsRevisionDir } from "../render/scripts/weights-revision";
import { DeploymentPlan } from "../sglang/planner";
import { ContainerSpec, SecretUpload, renderHealthScript, sglangReplica, weightsDownload } from "./containers";

const TOKEN_FILES: Record<"huggingface" | "modelscope", { secret: "hfToken" | "modelscopeToken"; path: string }> = {
  huggingface: { secret: "hfToken", path: HF_TOKEN_FILE },
  modelscope: { secret: "modelscopeToken", path: MODELSCOPE_TOKEN_FILE },
};

/** Artifact path of a host's download script for one model revision. */
export const weightsScriptPath = (host: string, m: WeightsModel): string => `hosts/${host}/weights/${weightsRevisionDir(m)}.sh`;
/** Artifact path of the SGLang health check every server of a host carries. */
export const healthScriptPath = (host: string): string => `hosts/${host}/sglang-health.sh`;

/** NVIDIA device ids of the planned GPU indices: the host's GPU UUIDs when configured (stable across reboots and driver updates), else the indices. */
export function deviceIds(h: DockerHostConfig, gpus: readonly number[]): string[] {
  return gpus.map((g) => h.gpuUuids?.[g] ?? String(g));
}

/** `hosts[].gpuUuids` that cannot name the host's GPUs: one per GPU, each once. */
export function gpuUuidProblems(config: StackConfig): ProblemInput[] {
  return config.hosts.flatMap((h, i): ProblemInput[] => {
    const uuids = h.gpuUuids;
    if (!uuids) return [];
    const out: ProblemInput[] = [];
    if (uuids.length !== h.gpuCount)
      out.push({
        path: ["hosts", i, "gpuUuids"],
        value: uuids.length,
        rule: `must list one UUID per GPU, ${h.gpuCount} on '${h.name}', in index order`,
        advice: "nvidia-smi --query-gpu=index,uuid --format=csv,noheader on the host",
      });
    if (new Set(uuids).size !== uuids.length) out.push({ path: ["hosts", i, "gpuUuids"], rule: "lists a GPU twice" });
    return out;
  });
}

export interface HostServing {
  readonly containers: readonly ContainerSpec[];
  readonly artifacts: readonly Artifact[];
  readonly problems: readonly ProblemInput[];
}

/** The host's downloads (one per model revision, first) and servers (one per replica placed there). */
export function hostServing(plan: DeploymentPlan, config: StackConfig, secrets: SecretsPresent, h: DockerHostConfig): HostServing {
  const settings = config.docker ?? DEFAULT_DOCKER_SETTINGS;
  const stack = plan.stack;
  const onHost = plan.services.filter((s) => s.placement.some((p) => p.node === h.name));
  if (onHost.length === 0) return { containers: [], artifacts: [], problems: [] };
  let models: WeightsModel[];
  try {
    models = weightsModels(onHost);
  } catch (e) {
    return { containers: [], artifacts: [], problems: [{ path: "services", rule: `on host '${h.name}' ${(e as Error).message}` }] };
  }
  const artifacts: Artifact[] = [];
  const containers: ContainerSpec[] = [];
  for (const model of models) {
    const script: Artifact = { path: weightsScriptPath(h.name, model), content: renderWeightsScript({ models: [model] }), mode: 0o755 };
    artifacts.push(script);
    const src = model.source === "s3" ? undefined : TOKEN_FILES[model.source];
    const tokens: SecretUpload[] = src && secrets[src.secret] ? [{ containerPath: src.path, secret: src.secret, mode: "0400" }] : [];
    containers.push(weightsDownload({ stack, host: h.name, image: config.image, modelsPath: h.modelsPath, model, script, tokens }));
  }
  const health: Artifact = { path: healthScriptPath(h.name), content: renderHealthScript(), mode: 0o755 };
  artifacts.push(health);
  for (const service of onHost)
    for (const replica of service.placement.filter((p) => p.node === h.name))
      containers.push(
        sglangReplica({
          stack,
          host: h.name,
          service: service.name,
          replica: replica.replica,
          image: config.image,
          model: models.find((m) => m.repo === service.weightsRepo)!,
          launchArgs: replica.launchArgs,
          port: replica.port,
          gpus: deviceIds(h, replica.gpus),
          modelsPath: h.modelsPath,
          shmSizeMiB: settings.shmSizeMiB,
          stopGraceSec: maxGenerationSeconds(config),
          healthScript: health,
        }),
      );
  return { containers, artifacts, problems: [] };
}
