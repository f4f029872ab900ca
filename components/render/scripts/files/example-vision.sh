#!/usr/bin/env bash
# An image + text chat completion from one qwen-serving vision service (chat template qwen2-vl).
# Usage: <service>.sh [image.png|image.jpg]  (with a file, also sends it inline as base64)
# Set QWEN_API_KEY to the service's API key if it has one (sent as Authorization: Bearer).
# BASE_URL overrides the endpoint; OpenAI SDKs take "$BASE_URL/v1" as base_url.
# REQUEST sends the image by URL; INLINE_BEFORE + data URI + INLINE_AFTER is the inline request.
# Header (components/render/examples.ts): DEFAULT_BASE_URL REQUEST INLINE_BEFORE INLINE_AFTER

set -euo pipefail
base_url="${BASE_URL:-$DEFAULT_BASE_URL}"
auth=()
if [[ -n "${QWEN_API_KEY:-}" ]]; then auth=(-H "Authorization: Bearer ${QWEN_API_KEY}"); fi
chat() { curl -sS "${base_url}/v1/chat/completions" -H 'Content-Type: application/json' ${auth[@]+"${auth[@]}"} --data-binary @-; }

# 1) The image by URL.
printf '%s\n' "$REQUEST" | chat
echo

# 2) A local image inline as a base64 data URI, streamed so large images never hit argv limits.
if [[ $# -ge 1 ]]; then
  image="$1"
  case "$image" in
    *.png | *.PNG) mime=image/png ;;
    *) mime=image/jpeg ;;
  esac
  {
    printf '%s' "$INLINE_BEFORE"
    printf 'data:%s;base64,' "$mime"
    base64 < "$image" | tr -d '\n'
    printf '%s' "$INLINE_AFTER"
  } | chat
  echo
fi
