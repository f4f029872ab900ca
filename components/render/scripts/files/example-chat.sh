#!/usr/bin/env bash
# A chat completion from one qwen-serving service, with the request the seed recommends for its
# model (Qwen3: non-thinking mode, chat_template_kwargs.enable_thinking=false, and its sampling).
# Set QWEN_API_KEY to the service's API key if it has one (sent as Authorization: Bearer).
# BASE_URL overrides the endpoint; OpenAI SDKs take "$BASE_URL/v1" as base_url.
# Header (components/render/examples.ts): DEFAULT_BASE_URL REQUEST

set -euo pipefail
base_url="${BASE_URL:-$DEFAULT_BASE_URL}"
auth=()
if [[ -n "${QWEN_API_KEY:-}" ]]; then auth=(-H "Authorization: Bearer ${QWEN_API_KEY}"); fi
printf '%s\n' "$REQUEST" | curl -sS "${base_url}/v1/chat/completions" -H 'Content-Type: application/json' ${auth[@]+"${auth[@]}"} --data-binary @-
