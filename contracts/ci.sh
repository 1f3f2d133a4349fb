#!/usr/bin/env bash
# Installs the pinned toolchain (Foundry, OpenZeppelin, solc-js: all from npm, see package-lock.json),
# builds the contracts, runs every forge test (unit, fuzz, invariant) and fails if the committed
# ABIs/bytecode in artifacts/ differ from a fresh build. Works offline apart from the npm registry.
#
#   contracts/ci.sh            check (what CI runs)
#   contracts/ci.sh --update   also rewrite artifacts/ and gas-report.txt (commit the result)
set -euo pipefail
cd "$(dirname "$0")"

update=false
if [[ "${1:-}" == "--update" ]]; then update=true; fi

step() { printf '\n== %s\n' "$*"; }

step "npm ci (Foundry, OpenZeppelin Contracts, solc-js)"
npm ci --no-audit --no-fund --loglevel=error

forge=node_modules/.bin/forge
if [[ ! -x "$forge" ]]; then
  echo "Foundry for $(uname -s)/$(uname -m) is not on the npm registry; package.json pins linux x64" >&2
  exit 1
fi
"$forge" --version | head -n 1
tools/solc --version | tail -n 1

step "forge fmt --check"
"$forge" fmt --check

step "forge build (warnings and lints are errors)"
"$forge" build

step "forge test (unit, fuzz, invariant)"
if $update; then
  "$forge" test
  # The gas report covers the unit and fuzz tests (the fuzz seed is fixed in foundry.toml).
  "$forge" test --gas-report --no-match-path 'test/invariant/*' | sed -n '/╭/,$p' > gas-report.txt
  echo "wrote gas-report.txt"
else
  "$forge" test
fi

step "artifacts are current"
if $update; then
  node tools/artifacts.mjs
else
  node tools/artifacts.mjs --check
fi
echo "contracts: all checks passed"
