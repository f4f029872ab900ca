#!/bin/bash
# qwen-serving: SSM SecureString parameters into tmpfs files, for the GPU node's weights container
# (download tokens) and the monitoring node's Alertmanager (receiver secrets). Each parameter
# PARAMETERS[i] lands in DIR/FILES[i], owned by OWNER with mode FILE_MODE; DIR is 0700, same owner.
# The values pass through a pipe into the files only: never argv, environment or logs.
# Header (components/render/aws/ssm-secrets.ts): DIR IMAGE REGION OWNER FILE_MODE PARAMETERS FILES

set -euo pipefail
umask 077

log() { printf 'qwen-secrets: %s\n' "$*" >&2; }
mkdir -p "$DIR"
chmod 0700 "$DIR"
chown "$OWNER" "$DIR"

fetch() {
  local name=$1 file=$2 n
  for n in 1 2 3 4 5; do
    # --network host: the CLI reaches the instance metadata service even with a hop limit of 1.
    # --log-driver none: the value is this container's only output; no log driver (json-file,
    # journald) may keep a copy of it.
    if docker run --rm --network host --log-driver none "$IMAGE" ssm get-parameter --region "$REGION" --name "$name" \
        --with-decryption --query Parameter.Value --output text > "$DIR/$file.tmp"; then
      chown "$OWNER" "$DIR/$file.tmp"
      chmod "$FILE_MODE" "$DIR/$file.tmp"
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
