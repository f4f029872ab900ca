import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AwsPlatform } from "../aws/aws-platform";
import { AwsSettingsSchema } from "../config/aws";
import { DockerSettingsSchema } from "../config/docker";
import { KubernetesSettingsSchema } from "../config/kubernetes";
import { DockerPlatform } from "../docker/docker-platform";
import { KubernetesPlatform } from "../kubernetes/kubernetes-platform";
import { PlatformArgs, PlatformCheckInput, PlatformOutputs } from "../platform";
import { Problem } from "../problems";
import { PLATFORM_TRAITS, Platform, PlatformTraits } from "./traits";

/**
 * The platforms, one entry each: the adapter `QwenServing` creates, the schema of its settings block
 * (`qwen-serving:<platform>`) and its traits. Adding a platform is one entry here, one in
 * `traits.ts`, its settings schema in `config/` and its folder beside `aws/`, `docker/`, `kubernetes/`.
 * Only this module and the adapters' own folders name a platform; everything else asks it.
 */

/** What a platform adapter is: a component built from the plan, with a pure pre-flight check. */
export interface PlatformAdapter<T extends pulumi.ComponentResource & PlatformOutputs = pulumi.ComponentResource & PlatformOutputs> {
  new (name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions): T;
  /** Every problem the adapter would meet, before any resource exists; no side effects. */
  validate(input: PlatformCheckInput): Problem[];
}

export interface PlatformEntry<T extends pulumi.ComponentResource & PlatformOutputs = pulumi.ComponentResource & PlatformOutputs> {
  readonly adapter: PlatformAdapter<T>;
  /** The `qwen-serving:<platform>` block (the key is the platform's name). */
  readonly settings: z.ZodType;
  readonly traits: PlatformTraits;
  /** Suffix of the adapter's resource name under QwenServing (`<name>-<suffix>`); part of every child URN, so never change it. */
  readonly childSuffix: string;
}

export const PLATFORM_REGISTRY = {
  aws: { adapter: AwsPlatform, settings: AwsSettingsSchema, traits: PLATFORM_TRAITS.aws, childSuffix: "aws" } satisfies PlatformEntry<AwsPlatform>,
  docker: { adapter: DockerPlatform, settings: DockerSettingsSchema, traits: PLATFORM_TRAITS.docker, childSuffix: "docker" } satisfies PlatformEntry<DockerPlatform>,
  kubernetes: { adapter: KubernetesPlatform, settings: KubernetesSettingsSchema, traits: PLATFORM_TRAITS.kubernetes, childSuffix: "k8s" } satisfies PlatformEntry<KubernetesPlatform>,
} satisfies Record<Platform, PlatformEntry>;

export const platformEntry = (p: Platform): PlatformEntry => PLATFORM_REGISTRY[p];
