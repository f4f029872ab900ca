import { IMAGES, NODE_PATHS } from "../../contract";
import { renderShellScript } from "../scripts/sources";

export interface FetchSecretsOptions {
  /** Region of the parameters. */
  readonly region: string;
  /** SSM SecureString parameter name -> file name under the secrets folder. */
  readonly parameters: readonly { readonly name: string; readonly file: string }[];
  /** Pinned AWS CLI image (ECR Public has no pull limits). @default IMAGES.awsCli */
  readonly awsCliImage?: string;
}

/**
 * Reads the download tokens from SSM SecureString parameters with the instance role, at boot, into
 * root-only files on tmpfs (`NODE_PATHS.secrets`), which the weights container mounts read-only.
 * The values pass only through a pipe into those files: never argv, env, logs or user-data. The
 * AWS CLI runs as a container, so plain Ubuntu and the DLAMI behave the same (IMDS hop limit 2).
 */
export function renderFetchSecretsScript(opts: FetchSecretsOptions): string {
  for (const p of opts.parameters) if (!/^[\w.-]+$/.test(p.file)) throw new Error(`renderFetchSecretsScript: file name '${p.file}' must be a plain name`);
  return renderShellScript<{ DIR: string; IMAGE: string; REGION: string; PARAMETERS: string[]; FILES: string[] }>("fetch-secrets.sh", {
    DIR: NODE_PATHS.secrets,
    IMAGE: opts.awsCliImage ?? IMAGES.awsCli,
    REGION: opts.region,
    PARAMETERS: opts.parameters.map((p) => p.name),
    FILES: opts.parameters.map((p) => p.file),
  });
}
