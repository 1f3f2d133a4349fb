#!/usr/bin/env bash
# The dashboard's checks and build: dependencies from the committed lockfile, the type check, the
# unit tests (Vitest) and the production build into dist/, which the gateway serves at /
# (gateway.dashboard.dir). Debian's Chromium is installed for the browser tests (e2e/run.mjs, run
# by the Rust e2e suite against the real platform: tests/tests/dashboard.rs); no browser is
# ever downloaded.
#
#   dashboard/ci.sh          everything (scripts/test.sh)
#   dashboard/ci.sh build    dependencies and the build only (scripts/dev.sh)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$NEXUS_ROOT/dashboard"

command -v npm >/dev/null || ensure_apt nodejs npm
# npm ci wipes node_modules; skip it when the installed tree was made from this very lockfile.
if ! cmp -s package-lock.json node_modules/.nexus-lock 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.nexus-lock
fi
if [ "${1:-}" != build ]; then
  ensure_apt chromium
  npx tsc --noEmit -p .
  npx vitest run
fi
npx vite build --logLevel warn
say "dashboard built into dashboard/dist"
