#!/usr/bin/env bash
# Runs a command with a supported Node.js (22 or 24 LTS) first on PATH:
#   bash scripts/with-node.sh npm ci
#   source scripts/with-node.sh        (sets PATH in the calling shell; scripts/test.sh does)
# The system's node is used when it is 22 or newer. Otherwise the pinned Node 22 below is taken
# from the npm registry (the node-linux-<arch> package carries the official binary, checked by
# npm against the registry's integrity hash) into .tools/node-<version>/, once: later runs, and
# runs without network, use that copy. npm itself stays the system's, run by this node.

QS_NODE_VERSION=22.23.5
QS_NODE_MIN_MAJOR=22

qs_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

qs_use_node() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if command -v node >/dev/null && [ "$(qs_node_major node)" -ge "$QS_NODE_MIN_MAJOR" ]; then
    return 0
  fi
  local dir="$root/.tools/node-$QS_NODE_VERSION"
  if [ "$("$dir/bin/node" --version 2>/dev/null)" != "v$QS_NODE_VERSION" ]; then
    local arch
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) arch=x64 ;;
      Linux-aarch64 | Linux-arm64) arch=arm64 ;;
      *)
        echo "with-node.sh: node $(node --version 2>/dev/null || echo 'is missing') is older than $QS_NODE_MIN_MAJOR, and no pinned build for $(uname -s)-$(uname -m): install Node.js 22 or 24" >&2
        return 1
        ;;
    esac
    command -v npm >/dev/null || {
      echo "with-node.sh: npm is needed to fetch Node.js $QS_NODE_VERSION" >&2
      return 1
    }
    echo "with-node.sh: system node $(node --version 2>/dev/null || echo 'missing') is older than $QS_NODE_MIN_MAJOR; installing node-linux-$arch@$QS_NODE_VERSION from the npm registry into .tools/" >&2
    local tmp
    mkdir -p "$root/.tools" || return 1
    tmp="$(mktemp -d "$root/.tools/.download-XXXXXX")" || return 1
    (cd "$tmp" && npm pack --silent --prefer-offline "node-linux-$arch@$QS_NODE_VERSION" >/dev/null) || return 1
    mkdir -p "$tmp/x" || return 1
    tar -xzf "$tmp/node-linux-$arch-$QS_NODE_VERSION.tgz" -C "$tmp/x" || return 1
    rm -rf "$dir" && mv "$tmp/x/package" "$dir" && rm -rf "$tmp" || return 1
    [ "$("$dir/bin/node" --version)" = "v$QS_NODE_VERSION" ] || {
      echo "with-node.sh: $dir/bin/node is not v$QS_NODE_VERSION" >&2
      return 1
    }
  fi
  export PATH="$dir/bin:$PATH"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: set PATH in the caller's shell, leaving its options as they were.
  qs_use_node || return 1
else
  set -euo pipefail
  qs_use_node
  [ "$#" -gt 0 ] || {
    node --version
    exit 0
  }
  exec "$@"
fi
