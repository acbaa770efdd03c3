#!/usr/bin/env bash
# Runs Node >= 22 (see ensure-node.sh) with TypeScript support, so `npm start` and `npm test`
# work on a machine whose own node is older.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(bash "$here/ensure-node.sh")"
export PATH="$bin:$PATH"
exec node "$@"
