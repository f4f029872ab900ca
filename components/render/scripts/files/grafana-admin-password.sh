#!/bin/bash
# qwen-serving: Grafana's admin password from SSM (SecureString) into tmpfs, and into an existing Grafana database.
# Header (components/render/aws/monitoring-node.ts): REGION PARAMETER FILE DATA AWS_CLI_IMAGE GRAFANA_IMAGE

set -euo pipefail
umask 077

log() { printf 'qwen-grafana: %s\n' "$*" >&2; }
mkdir -p "$(dirname "$FILE")"

password=''
for n in 1 2 3 4 5; do
  # --network host: the CLI reaches the instance metadata service with the default hop limit of 1.
  # --log-driver none: the value is this container's only output; no log driver may keep it.
  if password=$(docker run --rm --network host --log-driver none "$AWS_CLI_IMAGE" ssm get-parameter --region "$REGION" --name "$PARAMETER" \
      --with-decryption --query Parameter.Value --output text); then
    break
  fi
  log "reading $PARAMETER failed (try $n of 5)"
  sleep $(( n * 10 ))
done
if [[ -z "$password" ]]; then
  log "cannot read SSM parameter $PARAMETER: the instance role needs ssm:GetParameter on it"
  exit 1
fi

# Grafana runs as uid 472 in group 0: root-owned 0440 is readable by it and by nobody else.
printf '%s' "$password" > "$FILE.tmp"
chmod 0440 "$FILE.tmp"
mv -f "$FILE.tmp" "$FILE"
log "read $PARAMETER"

if [[ -f "$DATA/grafana.db" ]]; then
  docker run --rm -i --network none --user 472:0 --entrypoint grafana --volume "$DATA:/var/lib/grafana" "$GRAFANA_IMAGE" \
    cli --homepath /usr/share/grafana admin reset-admin-password --password-from-stdin < "$FILE" > /dev/null
  log "admin password applied to the existing database"
fi
