#!/usr/bin/env bash
# CI step for the end-to-end suite: installs code-server, Node 24 and Chromium (cached, see setup.sh),
# then runs test/e2e in a real VS Code. Screenshots land in test-artifacts/e2e/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/e2e/setup.sh
AGENT_OS_E2E=1 node scripts/runTests.mjs test/e2e
