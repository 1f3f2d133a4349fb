#!/usr/bin/env bash
# Runs Schemathesis against the public API document as a client author would: it reads the
# gateway's merged /api/openapi.json, generates requests from it (valid and invalid ones) and
# fails on any finding of any check: a 5xx, a status, content type, header or body the document
# does not declare, a request valid by the document yet refused, an invalid one accepted, ...
#
#   NEXUS_API_URL=http://127.0.0.1:8080 NEXUS_API_TOKEN=<access token> scripts/schemathesis.sh
#
# NEXUS_API_URL is the gateway's root (the document's paths start with /api). NEXUS_API_TOKEN,
# when set, is sent as the bearer token on every request (the operations that need a signed-in
# caller are then exercised past authentication). Tuning, with their defaults:
#   NEXUS_SCHEMATHESIS_MAX_EXAMPLES=25  test cases per operation and phase
#   NEXUS_SCHEMATHESIS_SEED=1           fixed, so a run is reproducible; change it to explore
#   NEXUS_SCHEMATHESIS_WORKERS=1        one: with two threads, Hypothesis's lambda descriptions
#                                       race in CPython 3.11's ast.parse ("AST constructor
#                                       recursion depth mismatch"), an error of the tool, not a
#                                       finding, which once failed CI
#   NEXUS_CACHE_DIR=$HOME/.cache/nexus-security   where the virtual environment lives
# Extra arguments are passed to `schemathesis run` (e.g. --include-path-regex users).
#
# Schemathesis comes from PyPI, pinned in scripts/requirements-schemathesis.txt, into a virtual
# environment under the cache directory, created once and reused while the pins are unchanged.
# scripts/schemathesis.toml lists, operation by operation, the refusals no schema can state.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requirements="$here/requirements-schemathesis.txt"
api_url="${NEXUS_API_URL:?NEXUS_API_URL must be the gateway URL, e.g. http://127.0.0.1:8080}"
api_url="${api_url%/}"
cache_dir="${NEXUS_CACHE_DIR:-$HOME/.cache/nexus-security}"
pins_hash="$(sha256sum "$requirements" | cut -c1-12)"
venv="$cache_dir/schemathesis-$pins_hash"

say() { printf '\033[1m[schemathesis]\033[0m %s\n' "$*" >&2; }

if [ ! -f "$venv/.installed" ]; then
  say "installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv"
  # Debian's python3 creates virtual environments only with python3-venv (ensurepip).
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  # Marked only once complete, so an interrupted install is never taken for a good one.
  touch "$venv/.installed"
fi

# Schemathesis and Hypothesis write their state (.hypothesis/, reports) into the working
# directory: keep it out of the checkout.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

common=(
  --no-color --config-file "$here/schemathesis.toml" run "$api_url/api/openapi.json"
  --url "$api_url"
  --checks all
  --max-examples "${NEXUS_SCHEMATHESIS_MAX_EXAMPLES:-25}"
  --seed "${NEXUS_SCHEMATHESIS_SEED:-1}"
  --workers "${NEXUS_SCHEMATHESIS_WORKERS:-1}"
  --request-timeout 10
  --wait-for-schema 30
)
bearer=()
if [ -n "${NEXUS_API_TOKEN:-}" ]; then
  bearer=(--header "Authorization: Bearer $NEXUS_API_TOKEN")
fi

# /ws is a WebSocket endpoint, which an HTTP test generator cannot speak (tests/tests/gateway.rs
# covers it).
websocket=/ws
# Signing out of every session revokes the token the other requests carry, after which they
# could only test the refusal: that operation runs in a second pass, as a guest.
ends_every_session=/api/v1/auth/logout-all
status=0
say "checking $api_url/api/openapi.json (every operation but $ends_every_session)"
"$venv/bin/schemathesis" "${common[@]}" "${bearer[@]}" --exclude-path "$ends_every_session" \
  --exclude-path "$websocket" "$@" || status=1
say "checking $ends_every_session as a guest"
"$venv/bin/schemathesis" "${common[@]}" --include-path "$ends_every_session" "$@" || status=1
if [ "$status" -ne 0 ]; then
  say "findings above: the API document does not say what the services do"
fi
exit "$status"
