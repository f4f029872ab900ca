import { AwsNodeSettings } from "../../config/aws";
import { NodePlan, ServicePlan } from "../../sglang/planner";
import { Artifact } from "../artifact";
import { NodeFile, renderCloudConfig, userDataBase64 } from "../cloud-config";
import { NODE_PATHS } from "../../contract";
import { SystemdUnit } from "../systemd";
import { renderSsmSecretsScript } from "./ssm-secrets";
import { renderGpuCheckScript } from "./gpu-check";
import { renderMountCacheScript } from "./mount-cache";
import { renderNvidiaInstallScript } from "./nvidia-install";
import { AwsProxySettings, proxyNodeFiles } from "./proxy-units";
import { renderWeightsScript, weightsModels } from "../scripts/weights";
import {
  cacheMountUnit,
  dcgmExporterUnit,
  gpuCheckUnit,
  NODE_SCRIPTS,
  nodeExporterUnit,
  NVIDIA_SETUP_UNIT,
  nvidiaSetupUnit,
  renderWaitForScript,
  SERVING_TARGET,
  servingTarget,
  sglangUnit,
  weightsUnit,
} from "./gpu-units";

/** Everything one GPU node's bootstrap is rendered from: plain values, Outputs already resolved. */
export interface NodeBootstrapInput {
  readonly node: NodePlan;
  /** The plan's services; the node runs the replicas placed on it. */
  readonly services: readonly ServicePlan[];
  /** Pinned SGLang image. */
  readonly image: string;
  readonly settings: Pick<AwsNodeSettings, "ami" | "nodeExporterImage" | "dcgmExporterImage">;
  /** The weight cache volume attached to this node. */
  readonly volumeId: string;
  readonly region: string;
  /** Pulumi project and stack: where the stack's SSM parameters live (components/aws/naming.ts). */
  readonly project: string;
  readonly stack: string;
  /** SSM SecureString parameter names of the download tokens that exist. @default {} */
  readonly tokenParameters?: { readonly hfToken?: string; readonly modelscopeToken?: string };
  /** The node's front proxy (render/aws/proxy-units.ts), before every SGLang server and router here. */
  readonly proxy: AwsProxySettings;
  /** Units other components run on this node (the router's). @default [] */
  readonly extraUnits?: readonly SystemdUnit[];
  /** Files those units need. @default [] */
  readonly extraFiles?: readonly NodeFile[];
}

export interface NodeBootstrap {
  readonly files: readonly NodeFile[];
  readonly units: readonly SystemdUnit[];
  /** The `#cloud-config` document. */
  readonly cloudInit: string;
  /** What the instance carries: the document gzipped (cloud-init detects gzip) to fit EC2's 16 KiB. */
  readonly userDataBase64: string;
  /** `<node>/cloud-init.yaml` and every file and unit by its base name, exactly as deployed. */
  readonly artifacts: readonly Artifact[];
}

/**
 * Renders one node's bootstrap: the scripts, the units and the cloud-init document that writes
 * them and starts `qwen-serving.target`. On plain Ubuntu the driver setup runs first, from
 * cloud-init, so docker.service exists before anything that requires it is started.
 */
export function renderNodeBootstrap(input: NodeBootstrapInput): NodeBootstrap {
  const { node, image } = input;
  const ubuntu = input.settings.ami !== "dlami";
  const replicas = input.services.flatMap((s) => s.placement.filter((p) => p.node === node.name).map((p) => ({ svc: s, p })));
  const models = weightsModels(replicas.map((r) => r.svc));
  const proxy = proxyNodeFiles({ node: node.name, services: input.services, settings: input.proxy, region: input.region, project: input.project, stack: input.stack });
  const tokens = input.tokenParameters ?? {};

  const files: NodeFile[] = [
    ...(ubuntu ? [{ path: NODE_SCRIPTS.nvidiaSetup, content: renderNvidiaInstallScript({ nvswitch: node.nvswitch }), mode: 0o755 }] : []),
    { path: NODE_SCRIPTS.gpuCheck, content: renderGpuCheckScript({ expectedGpus: node.gpuCount, instanceType: node.instanceType ?? node.pool, nvswitch: node.nvswitch, image }), mode: 0o755 },
    { path: NODE_SCRIPTS.mountCache, content: renderMountCacheScript({ volumeId: input.volumeId }), mode: 0o755 },
    { path: NODE_SCRIPTS.waitFor, content: renderWaitForScript(), mode: 0o755 },
    ...(models.length
      ? [
          {
            path: NODE_SCRIPTS.fetchSecrets,
            content: renderSsmSecretsScript({
              region: input.region,
              dir: NODE_PATHS.secrets,
              parameters: [...(tokens.hfToken ? [{ name: tokens.hfToken, file: "hf-token" }] : []), ...(tokens.modelscopeToken ? [{ name: tokens.modelscopeToken, file: "modelscope-token" }] : [])],
            }),
            mode: 0o755,
          },
          { path: NODE_SCRIPTS.weights, content: renderWeightsScript({ models }), mode: 0o755 },
        ]
      : []),
  ];
  for (const extra of [...proxy.files, ...(input.extraFiles ?? [])]) {
    const same = files.find((f) => f.path === extra.path);
    if (same && same.content !== extra.content) throw new Error(`node ${node.name}: two different files for ${extra.path}`);
    if (!same) files.push(extra);
  }

  const units: SystemdUnit[] = [
    ...(ubuntu ? [nvidiaSetupUnit()] : []),
    gpuCheckUnit({ ubuntu }),
    cacheMountUnit(),
    ...models.map((m) => weightsUnit(image, m.repo)),
    ...replicas.map(({ svc, p }) =>
      sglangUnit({
        service: svc.name,
        replica: p.replica,
        gpus: p.gpus,
        port: p.port,
        launchArgs: p.launchArgs,
        modelRepo: svc.weightsRepo,
        image,
      }),
    ),
    ...proxy.units,
    nodeExporterUnit(input.settings.nodeExporterImage),
    dcgmExporterUnit(input.settings.dcgmExporterImage),
    ...(input.extraUnits ?? []),
  ];
  const started = units.filter((u) => u.name !== NVIDIA_SETUP_UNIT && (!(input.extraUnits ?? []).includes(u) || u.enable)).map((u) => u.name);
  units.push(servingTarget(started));
  const names = new Set<string>();
  for (const u of units) {
    if (names.has(u.name)) throw new Error(`node ${node.name}: two units named ${u.name}`);
    names.add(u.name);
  }

  const cloudInit = renderCloudInit({ files, units, ubuntu });
  const userData = userDataBase64(cloudInit, { path: "services", what: `node ${node.name}`, advice: "place fewer services on one node" });

  const base = (p: string) => p.split("/").pop()!;
  const artifacts: Artifact[] = [
    { path: `${node.name}/cloud-init.yaml`, content: cloudInit },
    ...files.map((f) => ({ path: `${node.name}/${base(f.path)}`, content: f.content, ...(f.mode ? { mode: f.mode } : {}) })),
    ...units.map((u) => ({ path: `${node.name}/${u.name}`, content: u.content })),
  ];
  const seen = new Set<string>();
  for (const a of artifacts) {
    if (seen.has(a.path)) throw new Error(`node ${node.name}: two rendered files would both be written to ${a.path}`);
    seen.add(a.path);
  }
  return { files, units, cloudInit, userDataBase64: userData, artifacts };
}

/**
 * The `#cloud-config` document: write every file and unit, then start the serving target (after
 * the driver setup on plain Ubuntu). No secret is ever part of it: tokens and keys are fetched at
 * boot from SSM by the instance role.
 */
export function renderCloudInit(input: { readonly files: readonly NodeFile[]; readonly units: readonly SystemdUnit[]; readonly ubuntu: boolean }): string {
  return renderCloudConfig({
    files: input.files,
    units: input.units,
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", ...input.units.filter((u) => u.enable).map((u) => u.name)],
      ...(input.ubuntu
        ? [
            ["systemctl", "start", NVIDIA_SETUP_UNIT],
            ["systemctl", "daemon-reload"],
          ]
        : []),
      ["systemctl", "start", "--no-block", SERVING_TARGET],
    ],
  });
}
