import { IMAGES } from "../../contract";
import { renderShellScript } from "../scripts/sources";

/**
 * How a service's API key reaches SGLang on a node without being written into the unit file, the
 * user-data or a command line we render. Pure; the contract for the SGLang unit is:
 *
 * 1. The key is a SecureString SSM parameter (`apiKeyParameterName`), created from the Pulumi
 *    secret by the ApiKeys component; the node role may `ssm:GetParameter` it.
 * 2. `ExecStartPre=` runs `fetchApiKeyCommand(...)`: the script (`renderFetchApiKeyScript()`, a file on the
 *    node) decrypts it into a root-only env file under /run (tmpfs: never on disk, gone at reboot).
 * 3. `docker run --env-file <that file>` puts it in the container's environment.
 * 4. The container command is `serverCommandWithApiKey(argv)`: a bash `exec` that appends
 *    `--api-key "$SGLANG_API_KEY"` to the exact `python3 -m sglang.launch_server <argv>`.
 *
 * Exposure we cannot avoid: SGLang 0.4.9.post2 reads the key only from `--api-key`, so it is in the
 * server process's argv, which any user ON THE NODE can read with `ps`. The nodes have no SSH and
 * are reached only through SSM by principals who may read the parameter anyway.
 * With the key set, SGLang answers 401 on every path except those starting with /health or
 * /metrics, so the load balancer's health checks and Prometheus keep working.
 */

/** Variable holding the key inside the SGLang container. */
export const API_KEY_ENV = "SGLANG_API_KEY";

/** Node path of the fetch script. */
export const FETCH_API_KEY_SCRIPT_PATH = "/usr/local/lib/qwen-serving/fetch-api-key.sh";

/** SSM parameter holding a service's key. */
export const apiKeyParameterName = (stack: string, service: string): string => `/qwen-serving/${stack}/api-keys/${service}`;

/** Root-only env file the key is fetched into (under /run, a tmpfs). */
export const apiKeyEnvFile = (service: string): string => `/run/qwen-serving/${service}.api-key.env`;

/**
 * The fetch script, `fetch-api-key.sh <region> <parameter> <env-file>`. When the host has no
 * `aws` (plain Ubuntu; the DLAMI has one) it runs the pinned AWS CLI image, which uses the
 * instance role through IMDS (hop limit 2).
 */
export function renderFetchApiKeyScript(): string {
  return renderShellScript<{ AWS_CLI_IMAGE: string; ENV_NAME: string }>("fetch-api-key.sh", { AWS_CLI_IMAGE: IMAGES.awsCli, ENV_NAME: API_KEY_ENV });
}

/** argv of the fetch step, for an `ExecStartPre=` line. */
export function fetchApiKeyCommand(region: string, stack: string, service: string): string[] {
  return [FETCH_API_KEY_SCRIPT_PATH, region, apiKeyParameterName(stack, service), apiKeyEnvFile(service)];
}

/**
 * The container command of a server with an API key: `python3 -m sglang.launch_server <argv>
 * --api-key <key>`, the key taken from the environment at exec time.
 */
export function serverCommandWithApiKey(argv: readonly string[]): string[] {
  return ["bash", "-c", `exec python3 -m sglang.launch_server "$@" --api-key "$${API_KEY_ENV}"`, "sglang.launch_server", ...argv];
}
