#!/bin/bash
# qwen-serving: the Alertmanager receivers' secrets (SSM SecureString) into tmpfs, one file per receiver.
# Each SSM parameter PARAMETERS[i] lands in DIR/FILES[i], owned by OWNER (the uid:gid the image runs as), mode 0400.
# The values pass through a pipe into the files only: never argv, environment or logs.
# Header (components/render/aws/monitoring-node.ts): REGION AWS_CLI_IMAGE DIR OWNER PARAMETERS FILES

set -euo pipefail
umask 077

log() { printf 'qwen-alertmanager-secrets: %s\n' "$*" >&2; }
mkdir -p "$DIR"
chmod 0700 "$DIR"
chown "$OWNER" "$DIR"

fetch() {
  local name=$1 file=$2 n
  for n in 1 2 3 4 5; do
    # --network host: the CLI reaches the instance metadata service with the default hop limit of 1.
    if docker run --rm --network host "$AWS_CLI_IMAGE" ssm get-parameter --region "$REGION" --name "$name" \
        --with-decryption --query Parameter.Value --output text > "$DIR/$file.tmp"; then
      chown "$OWNER" "$DIR/$file.tmp"
      chmod 0400 "$DIR/$file.tmp"
      mv -f "$DIR/$file.tmp" "$DIR/$file"
      log "read $name"
      return 0
    fi
    log "reading $name failed (try $n of 5)"
    sleep $(( n * 10 ))
  done
  rm -f "$DIR/$file.tmp"
  log "cannot read SSM parameter $name: the instance role needs ssm:GetParameter on it"
  return 1
}

for i in "${!PARAMETERS[@]}"; do
  fetch "${PARAMETERS[i]}" "${FILES[i]}"
done
