import { z } from "zod";

/** Field types every part of the config schema shares. */

/** A docker reference pinned to a tag other than `latest`, or to a digest. */
export const pinnedImage = z
  .string()
  .regex(/^[\w./-]+(:[\w.-]+)?(@sha256:[a-f0-9]{64})?$/, "image must be a docker reference")
  .refine((i) => !/:latest$/.test(i) && (/:[\w.-]+/.test(i.split("/").pop() ?? "") || i.includes("@sha256:")), "image must be pinned to a tag other than 'latest' or a digest");

/** A port a non-root process can bind. */
export const port = z.number().int().min(1024, "ports below 1024 need root; use 1024-65535").max(65535);
