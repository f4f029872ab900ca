import { IMAGES } from "../../contract";
import { renderShellScript } from "../scripts/sources";

export interface SsmSecretsOptions {
  /** Region of the parameters. */
  readonly region: string;
  /** Folder on tmpfs the files land in (created 0700, owned by `owner`). */
  readonly dir: string;
  /** SSM SecureString parameter name -> plain file name under `dir`. */
  readonly parameters: readonly { readonly name: string; readonly file: string }[];
  /** `uid:gid` (or names) owning the folder and files: their one reader. @default "root:root" */
  readonly owner?: string;
  /** Mode of each file. @default "0600" */
  readonly fileMode?: "0600" | "0400";
  /** Pinned AWS CLI image (ECR Public has no pull limits). @default IMAGES.awsCli */
  readonly awsCliImage?: string;
}

/**
 * The one SSM-to-tmpfs script (ssm-secrets.sh), run at boot or before a service starts with the
 * instance role: the GPU node's download tokens (root, 0600, mounted read-only by the weights
 * container) and the monitoring node's Alertmanager receiver secrets (the image's user, 0400). The
 * values pass only through a pipe into those files: never argv, env, logs or user-data. The AWS CLI
 * runs as a container, so plain Ubuntu and the DLAMI behave the same.
 */
export function renderSsmSecretsScript(opts: SsmSecretsOptions): string {
  for (const p of opts.parameters) if (!/^[\w.-]+$/.test(p.file)) throw new Error(`renderSsmSecretsScript: file name '${p.file}' must be a plain name`);
  return renderShellScript<{ DIR: string; IMAGE: string; REGION: string; OWNER: string; FILE_MODE: string; PARAMETERS: string[]; FILES: string[] }>("ssm-secrets.sh", {
    DIR: opts.dir,
    IMAGE: opts.awsCliImage ?? IMAGES.awsCli,
    REGION: opts.region,
    OWNER: opts.owner ?? "root:root",
    FILE_MODE: opts.fileMode ?? "0600",
    PARAMETERS: opts.parameters.map((p) => p.name),
    FILES: opts.parameters.map((p) => p.file),
  });
}
