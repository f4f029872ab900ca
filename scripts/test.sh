#!/usr/bin/env bash
# The one command that installs everything the tests need and runs them:
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-tools.sh
npm ci --no-audit --no-fund
npm run typecheck
npm run build
report="$(mktemp)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$report" || status=$?
# A closing line CI can read whatever the runner: "N passed, N failed".
node -e "const r = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); console.log(r.numPassedTests + ' passed, ' + r.numFailedTests + ' failed')" "$report" || true
rm -f "$report"
exit "$status"
