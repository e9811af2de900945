#!/usr/bin/env bash
# `npm test`: every check CI runs, in order of cost. Needs PostgreSQL, MariaDB and Redis
# as in the README (TEST_PG_URL / TEST_MYSQL_URL / TEST_REDIS_URL override the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true
mkdir -p tmp

step() { printf '\n== %s\n' "$*"; }

step "project graph (module boundaries need it; fails on a cycle)"
npx nx graph --file=tmp/graph.json >/dev/null
node tools/check-graph.js tmp/graph.json

step "dependency engines (every locked package runs on the README's minimum Node.js)"
node tools/check-engines.js

step "API client types from the OpenAPI document (libs/api-client; the console is typed by them)"
npm run --silent gen:api-client

step "typecheck (server code, the console, its browser tests: code in page.evaluate needs the DOM's types)"
npx tsc -p tsconfig.json --noEmit
npx tsc -p apps/console/tsconfig.json --noEmit
npx tsc -p apps/console/e2e/tsconfig.json --noEmit

step "lint"
npx eslint . --max-warnings=0

step "unit tests"
npx jest --selectProjects unit --json --outputFile=tmp/jest-unit.json

step "console production build (the browser e2e tests load it from the API)"
npx vite build --config apps/console/vite.config.mts --logLevel warn

step "integration and e2e tests (real PostgreSQL, MariaDB, Redis, Chromium)"
npx jest --selectProjects integration --maxWorkers=2 --json --outputFile=tmp/jest-integration.json

node -e '
  const runs = ["tmp/jest-unit.json", "tmp/jest-integration.json"].map((f) => require("./" + f));
  const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
  console.log(`\ntests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed`);
  process.exit(sum("numFailedTests") > 0 || runs.some((r) => !r.success) ? 1 : 0);
'
