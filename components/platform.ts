import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "./config/schema";
import { Artifact } from "./render/artifact";
import { DeploymentPlan } from "./sglang/planner";

/** Secrets a stack may hold; each is a Pulumi secret end to end and never rendered in plain text. */
export interface ServingSecrets {
  /** Hugging Face token for gated or private repositories. */
  readonly hfToken?: pulumi.Input<string>;
  /** ModelScope token (`MODELSCOPE_API_TOKEN`). */
  readonly modelscopeToken?: pulumi.Input<string>;
  /** Grafana `admin` password. */
  readonly grafanaAdminPassword?: pulumi.Input<string>;
  /** API key per service name; clients send `Authorization: Bearer <key>`. */
  readonly apiKeys?: Readonly<Record<string, pulumi.Input<string>>>;
  /** docker: TLS client material per host name, for hosts reached at `tcp://`. */
  readonly dockerTls?: pulumi.Input<Readonly<Record<string, DockerTlsMaterial>>>;
  /** Alertmanager receivers' secrets by receiver name (`monitoring.alerting.receivers[].name`; see config/alerting.ts). */
  readonly alertingSecrets?: Readonly<Record<string, pulumi.Input<string>>>;
}

/** PEM-encoded TLS material the Docker provider presents to a `tcp://` daemon. */
export interface DockerTlsMaterial {
  /** CA that signed the daemon's certificate. */
  readonly ca: string;
  /** Client certificate. */
  readonly cert: string;
  /** Client private key. */
  readonly key: string;
}

/** Which secrets a stack holds: what pre-flight checks see (the values never reach a check). */
export interface SecretsPresent {
  readonly hfToken: boolean;
  readonly modelscopeToken: boolean;
  readonly grafanaAdminPassword: boolean;
  readonly dockerTls: boolean;
  /** Services that have an API key. */
  readonly apiKeys: readonly string[];
  /** Alert receivers that have a secret. @default [] */
  readonly alertingSecrets?: readonly string[];
}

export function secretsPresent(s: ServingSecrets): SecretsPresent {
  return {
    hfToken: s.hfToken !== undefined,
    modelscopeToken: s.modelscopeToken !== undefined,
    grafanaAdminPassword: s.grafanaAdminPassword !== undefined,
    dockerTls: s.dockerTls !== undefined,
    apiKeys: Object.keys(s.apiKeys ?? {}),
    alertingSecrets: Object.keys(s.alertingSecrets ?? {}),
  };
}

/**
 * What a platform adapter's `validate` sees, before any resource exists. `plan` is absent when the
 * planner refused the config: the checks that need it are skipped, the others still report.
 */
export interface PlatformCheckInput {
  readonly plan?: DeploymentPlan;
  readonly config: StackConfig;
  readonly secrets: SecretsPresent;
}

/** What every platform adapter receives: the plan is final, adapters decide no numbers. */
export interface PlatformArgs {
  readonly plan: DeploymentPlan;
  readonly config: StackConfig;
  readonly secrets: ServingSecrets;
}

/** How a user opens Grafana. */
export interface GrafanaAccess {
  /** What to open in a browser (log in as `admin` with the grafanaAdminPassword secret). */
  readonly url: string;
  /** A command to run first (e.g. SSM port forwarding) when Grafana has no reachable listener. @default - none */
  readonly portForwardCommand?: string;
}

/** What every platform adapter exposes to QwenServing. */
export interface PlatformOutputs {
  /** Base URL per service name (e.g. `http://lb-dns:9001`). */
  readonly endpoints: pulumi.Output<Record<string, string>>;
  /** Every rendered file, exactly as the resources carry it. */
  readonly artifacts: pulumi.Output<Artifact[]>;
  /** How to open Grafana, when the platform deploys it. @default - no Grafana */
  readonly grafana?: pulumi.Output<GrafanaAccess>;
}
