#!/usr/bin/env bash
# Decrypts a service's API key from SSM Parameter Store into a root-only env file for
# `docker run --env-file`, so the key is never in a unit file, user-data or a command line.
# Usage: fetch-api-key.sh <region> <ssm-parameter-name> <env-file>
# Header (components/render/aws/api-key.ts): AWS_CLI_IMAGE ENV_NAME

set -euo pipefail
aws_cli() {
  if command -v aws > /dev/null; then
    aws "$@"
  else
    docker run --rm "$AWS_CLI_IMAGE" "$@"
  fi
}
if [[ $# -ne 3 ]]; then
  echo "usage: $0 <region> <ssm-parameter-name> <env-file>" >&2
  exit 2
fi
region="$1"
name="$2"
out="$3"
umask 077
mkdir -p "$(dirname "$out")"
key="$(aws_cli ssm get-parameter --region "$region" --name "$name" --with-decryption --query Parameter.Value --output text)"
if [[ -z "$key" || "$key" == *$'\n'* ]]; then
  echo "API key $name is empty or spans several lines" >&2
  exit 1
fi
tmp="$(mktemp "$out.XXXXXX")"
printf '%s=%s\n' "$ENV_NAME" "$key" > "$tmp"
mv -f "$tmp" "$out"
