#!/usr/bin/env bash
# README command 2: the whole test suite, starting what it needs.
#
# Rust: the committed sqlx query data (.sqlx/) checked against the code and a freshly migrated
# database, then every crate's unit and integration tests against real PostgreSQL and Redis (each test
# gets a fresh database cloned from a migrated template and its own Redis key prefix) and the
# reference tools the analysis engine is compared with. Solidity: contracts/ci.sh (forge unit,
# fuzz and invariant tests, artifact check).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$NEXUS_ROOT"

ensure_build_tools
say "shipped configurations (no passwords, authenticated Redis)"
bash deploy/check-manifests.sh
ensure_postgres
ensure_redis
trap stop_started_dependencies EXIT
if [ -x scripts/engine-tools.sh ] || [ -f scripts/engine-tools.sh ]; then bash scripts/engine-tools.sh; fi
command -v npm >/dev/null || ensure_apt nodejs npm

# First, since it is quick and a stale .sqlx/ fails the build: the committed query data must
# match the code.
say "sqlx offline query data (.sqlx/) up to date"
sqlx_started=$SECONDS
check_sqlx_offline_data
say "sqlx offline data check: $((SECONDS - sqlx_started))s"

# Contracts before the Rust tests: contracts/ci.sh installs anvil (from npm), which the nexus-chain tests run against.
say "contract tests"
bash contracts/ci.sh

# The notification tests send real mail to maildev (tools/mailsink, pinned by its package-lock.json).
say "mail sink (npm ci in tools/mailsink)"
(cd tools/mailsink && npm ci --no-audit --no-fund --loglevel=error)

# Property tests draw from a fixed seed unless told otherwise, like the fuzz step below: a red run
# means the change broke something, reproducibly, not that this run drew an unlucky case.
# PROPTEST_RNG_SEED=random (or any other number) explores; a case found goes in as a named test.
if [[ "${PROPTEST_RNG_SEED:-}" == random ]]; then unset PROPTEST_RNG_SEED; else export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-1}"; fi

# Tests get their servers from TEST_NEXUS_*; the services' own NEXUS_* settings must not leak in.
unset NEXUS_DATABASE__URL NEXUS_REDIS__URL

say "dashboard: type check, unit tests, build"; bash dashboard/ci.sh
say "Rust tests (PostgreSQL: ${TEST_NEXUS_DATABASE_URL#*@}, Redis: $(redact_url "$TEST_NEXUS_REDIS_URL"))"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
  cargo test --workspace --doc
else
  cargo test --workspace --no-fail-fast "$@"
fi

# The engine's fuzz targets for a fixed few seconds each (NEXUS_FUZZ_SECONDS, default 15): real
# libFuzzer on the stable toolchain; a crash, timeout or out-of-memory fails the run.
say "fuzz targets"
bash scripts/fuzz.sh
