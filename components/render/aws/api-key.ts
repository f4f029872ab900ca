import { stackParameterName } from "../../aws/naming";
import { IMAGES } from "../../contract";
import { renderShellScript } from "../scripts/sources";

/**
 * How a service's API key reaches the node's front proxy (render/aws/proxy-units.ts) without being
 * written into user-data, a unit file, an argv, an environment or a log. Pure; the contract:
 *
 * 1. The key is a SecureString SSM parameter (`apiKeyParameterName`), created from the Pulumi
 *    secret by the ApiKeys component; the node role may `ssm:GetParameter` exactly it.
 * 2. The proxy unit's `ExecStartPre=` runs `fetchApiKeyCommand(...)`: the script
 *    (`renderFetchApiKeyScript()`, a file on the node) decrypts it into a raw file under /run
 *    (tmpfs: never on disk, gone at reboot), mode 0400, owned by the uid nginx runs as in its
 *    container. The value passes through a shell variable and a pipe only.
 * 3. The proxy container mounts that folder read-only; its njs check reads the file on each
 *    request. SGLang never gets the key (no `--api-key`), so it is in no argv, no `docker inspect`
 *    and no startup log of SGLang's `server_args`.
 */

/** Node path of the fetch script. */
export const FETCH_API_KEY_SCRIPT_PATH = "/usr/local/lib/qwen-serving/fetch-api-key.sh";

/** Folder on the node (tmpfs) holding one raw key file per service, readable by the proxy's uid only. */
export const API_KEYS_DIR = "/run/qwen-serving/api-keys";

/** SSM parameter holding a service's key: `/<project>/<stack>/api-keys/<service>`. */
export const apiKeyParameterName = (project: string, stack: string, service: string): string => stackParameterName(project, stack, `api-keys/${service}`);

/** A service's key file on the node. */
export const apiKeyNodeFile = (service: string): string => `${API_KEYS_DIR}/${service}`;

/**
 * The fetch script, `fetch-api-key.sh <region> <parameter> <file> <uid>`. When the host has no
 * `aws` (plain Ubuntu; the DLAMI has one) it runs the pinned AWS CLI image, which uses the
 * instance role through IMDS (hop limit 2), with no container log to hold the value.
 */
export function renderFetchApiKeyScript(): string {
  return renderShellScript<{ AWS_CLI_IMAGE: string }>("fetch-api-key.sh", { AWS_CLI_IMAGE: IMAGES.awsCli });
}

/** argv of the fetch step, for an `ExecStartPre=` line: the key file ends up owned by `uid`. */
export function fetchApiKeyCommand(region: string, parameters: { readonly project: string; readonly stack: string }, service: string, uid: number): string[] {
  return [FETCH_API_KEY_SCRIPT_PATH, region, apiKeyParameterName(parameters.project, parameters.stack, service), apiKeyNodeFile(service), String(uid)];
}
