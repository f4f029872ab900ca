import { z } from "zod";

/** `qwen-serving:docker` — settings only the docker platform reads (hosts are top-level `hosts`). */
export const DockerSettingsSchema = z.object({}).strict();

export type DockerSettings = z.output<typeof DockerSettingsSchema>;
