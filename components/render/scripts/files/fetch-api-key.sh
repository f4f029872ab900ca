#!/usr/bin/env bash
# Decrypts a service's API key from SSM Parameter Store into a raw file on tmpfs that only the
# front proxy's user can read (mode 0400, owned by <uid>; its folder 0500, same owner), so the key
# is never in a unit file, user-data, a command line, an environment or a container log.
# Usage: fetch-api-key.sh <region> <ssm-parameter-name> <file> <uid>
# Header (components/render/aws/api-key.ts): AWS_CLI_IMAGE

set -euo pipefail
aws_cli() {
  if command -v aws > /dev/null; then
    aws "$@"
  else
    # --log-driver none: the value is this container's only output; no log may keep it.
    docker run --rm --log-driver none "$AWS_CLI_IMAGE" "$@"
  fi
}
if [[ $# -ne 4 || ! "$4" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <region> <ssm-parameter-name> <file> <uid>" >&2
  exit 2
fi
region="$1"
name="$2"
out="$3"
uid="$4"
umask 077
dir="$(dirname "$out")"
mkdir -p "$dir"
key="$(aws_cli ssm get-parameter --region "$region" --name "$name" --with-decryption --query Parameter.Value --output text)"
if [[ -z "$key" || "$key" == *$'\n'* ]]; then
  echo "API key $name is empty or spans several lines" >&2
  exit 1
fi
tmp="$(mktemp "$out.XXXXXX")"
printf '%s' "$key" > "$tmp"
chown "$uid:$uid" "$tmp"
chmod 0400 "$tmp"
mv -f "$tmp" "$out"
chown "$uid:$uid" "$dir"
chmod 0500 "$dir"
