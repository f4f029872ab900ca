import { z } from "zod";

/**
 * `qwen-serving:aws` — settings only the aws platform reads. Owned by the AWS adapter; every field
 * optional with a documented default so a stack can omit the block.
 */
export const AwsSettingsSchema = z.object({}).strict();

export type AwsSettings = z.output<typeof AwsSettingsSchema>;
