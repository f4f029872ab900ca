import { z } from "zod";

/** `qwen-serving:kubernetes` — settings only the kubernetes platform reads. */
export const KubernetesSettingsSchema = z.object({}).strict();

export type KubernetesSettings = z.output<typeof KubernetesSettingsSchema>;
