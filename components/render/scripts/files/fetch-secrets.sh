#!/bin/bash
# qwen-serving: fetch download tokens from SSM into tmpfs for the weights container.
# Each SSM parameter PARAMETERS[i] lands in the file FILES[i] under DIR.
# Header (components/render/aws/fetch-secrets.ts): DIR IMAGE REGION PARAMETERS FILES

set -euo pipefail
umask 077

log() { printf 'qwen-secrets: %s\n' "$*" >&2; }
mkdir -p "$DIR"

fetch() {
  local name=$1 file=$2 n
  for n in 1 2 3 4 5; do
    if docker run --rm "$IMAGE" ssm get-parameter --region "$REGION" --name "$name" \
        --with-decryption --query Parameter.Value --output text > "$DIR/$file.tmp"; then
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
