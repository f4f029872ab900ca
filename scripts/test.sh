#!/usr/bin/env bash
# The one command that installs everything the tests need and runs them:
#   bash scripts/test.sh
# With a system Node.js older than 22 it runs everything on a pinned Node 22 (scripts/with-node.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-tools.sh
# shellcheck source=scripts/with-node.sh
source scripts/with-node.sh
echo "node $(node --version) ($(command -v node)), npm $(npm --version)"
npm ci --no-audit --no-fund
npm run typecheck
npm run build
report="$(mktemp)"
status=0
# Every tier (unit, tools, e2e), lint and the format check, each run whatever the others did;
# vitest also writes a JSON report.
QS_VITEST_JSON="$report" npm run test:all || status=$?
# A closing line CI can read whatever the runner: "N passed, N failed" (summed over the tiers).
node -e "const r = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); console.log(r.numPassedTests + ' passed, ' + r.numFailedTests + ' failed')" "$report" || true
rm -f "$report"
exit "$status"
