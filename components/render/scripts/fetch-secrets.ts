import { script, shq } from "./shell";
import { NODE_PATHS } from "./node-paths";

/** The AWS CLI image the node reads SSM parameters with (pinned; ECR Public has no pull limits). */
export const AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.27.26";

export interface FetchSecretsOptions {
  /** Region of the parameters. */
  readonly region: string;
  /** SSM SecureString parameter name -> file name under the secrets folder. */
  readonly parameters: readonly { readonly name: string; readonly file: string }[];
  /** @default AWS_CLI_IMAGE */
  readonly awsCliImage?: string;
}

/**
 * Reads the download tokens from SSM SecureString parameters with the instance role, at boot, into
 * root-only files on tmpfs (`NODE_PATHS.secrets`), which the weights container mounts read-only.
 * The values pass only through a pipe into those files: never argv, env, logs or user-data. The
 * AWS CLI runs as a container, so plain Ubuntu and the DLAMI behave the same (IMDS hop limit 2).
 */
export function renderFetchSecretsScript(opts: FetchSecretsOptions): string {
  for (const p of opts.parameters)
    if (!/^[\w.-]+$/.test(p.file)) throw new Error(`renderFetchSecretsScript: file name '${p.file}' must be a plain name`);
  return script([
    "#!/bin/bash",
    "# qwen-serving: fetch download tokens from SSM into tmpfs for the weights container.",
    "set -euo pipefail",
    "umask 077",
    "",
    `DIR=${shq(NODE_PATHS.secrets)}`,
    `IMAGE=${shq(opts.awsCliImage ?? AWS_CLI_IMAGE)}`,
    `REGION=${shq(opts.region)}`,
    "",
    "log() { printf 'qwen-secrets: %s\\n' \"$*\" >&2; }",
    'mkdir -p "$DIR"',
    "",
    "fetch() {",
    "  local name=$1 file=$2 n",
    "  for n in 1 2 3 4 5; do",
    '    if docker run --rm "$IMAGE" ssm get-parameter --region "$REGION" --name "$name" \\',
    '        --with-decryption --query Parameter.Value --output text > "$DIR/$file.tmp"; then',
    '      mv -f "$DIR/$file.tmp" "$DIR/$file"',
    '      log "read $name"',
    "      return 0",
    "    fi",
    '    log "reading $name failed (try $n of 5)"',
    "    sleep $(( n * 10 ))",
    "  done",
    '  rm -f "$DIR/$file.tmp"',
    '  log "cannot read SSM parameter $name: the instance role needs ssm:GetParameter on it"',
    "  return 1",
    "}",
    "",
    ...opts.parameters.map((p) => `fetch ${shq(p.name)} ${shq(p.file)}`),
  ]);
}
