#!/usr/bin/env bash
# README command 1: build and run the whole platform on this machine until Ctrl-C.
#
# Makes sure PostgreSQL and Redis are reachable (NEXUS_DATABASE__URL / NEXUS_REDIS__URL when set,
# otherwise the local servers, otherwise private instances under .nexus/; a private Redis requires
# a generated password, kept in .nexus/redis/password, and a reused local Redis without one is
# reported as fit for local development only), starts the local chain
# (anvil on 127.0.0.1:8545, its state kept in .nexus/anvil/ so a restart keeps every bounty;
# contracts deployed with `nexus-chain deploy` when .nexus/deployments.json is missing or its
# contracts have no code; a relayer and three demo accounts funded), builds the nine services,
# starts them on 8080–8088 (admin/metrics 9090–9098) with the chain settings, waits until every
# one is ready, prints where everything is, and on Ctrl-C stops them gracefully (SIGTERM) and
# stops what it started. Logs (JSON) go to .nexus/logs/<service>.log, anvil's to
# .nexus/logs/anvil.log.
#
# The chain accounts are anvil's WELL-KNOWN DEVELOPMENT KEYS (from the public mnemonic "test test
# ... junk"): anyone can spend from them on any chain. They are for this local chain only; never
# fund them anywhere else. .nexus/anvil/accounts.txt lists them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dev_engines.sh"
cd "$NEXUS_ROOT"

# --- the local chain ---------------------------------------------------------------------------
CHAIN_RPC_URL="http://127.0.0.1:8545"
CHAIN_DIR="$NEXUS_STATE/anvil"
DEPLOYMENTS="$NEXUS_STATE/deployments.json"
ANVIL="$NEXUS_ROOT/contracts/node_modules/.bin/anvil"
CAST="$NEXUS_ROOT/contracts/node_modules/.bin/cast"
# anvil's well-known dev keys (public; local chain only): 0 deploys (and is minter, guardian,
# arbiter and treasury of a local deployment), 1 relays, 2-4 are demo users.
DEV_KEYS=(
  0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
  0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
  0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
  0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
  0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a
)
DEMO_NXS="10000000000000000000000"   # 10,000 NXS (wei) per demo account
ANVIL_PID=""

# anvil and cast come with the contracts' npm packages (package-lock.json pins them).
ensure_anvil() {
  [ -x "$ANVIL" ] && [ -x "$CAST" ] && return 0
  command -v npm >/dev/null || ensure_apt nodejs npm
  say "installing anvil (npm ci in contracts/)"
  (cd "$NEXUS_ROOT/contracts" && npm ci --no-audit --no-fund --loglevel=error)
}

# The local mail sink (maildev from tools/mailsink): SMTP on 127.0.0.1:1025, the mails it caught
# on http://127.0.0.1:1080; nexus-notification mails it in plain SMTP (local only).
MAILSINK_PID=""
start_mailsink() {
  [ -x "$NEXUS_ROOT/tools/mailsink/node_modules/.bin/maildev" ] \
    || (cd "$NEXUS_ROOT/tools/mailsink" && npm ci --no-audit --no-fund --loglevel=error)
  mkdir -p "$NEXUS_STATE/logs"
  node "$NEXUS_ROOT/tools/mailsink/node_modules/.bin/maildev" --smtp 1025 --web 1080 \
    --ip 127.0.0.1 --web-ip 127.0.0.1 >"$NEXUS_STATE/logs/maildev.log" 2>&1 &
  MAILSINK_PID=$!
  export NEXUS_NOTIFICATION__EMAIL__SMTP_HOST=127.0.0.1 NEXUS_NOTIFICATION__EMAIL__SMTP_PORT=1025
  export NEXUS_NOTIFICATION__EMAIL__SECURITY=plain NEXUS_NOTIFICATION__EMAIL__USER_URL=http://127.0.0.1:8084
}

# Starts anvil on 8545 with its state in .nexus/anvil/state.json: loaded at start when present,
# written on exit and every 30 s (so even a killed anvil loses at most that much). A node that
# already answers on 8545 is used as it is.
start_chain() {
  if "$CAST" chain-id --rpc-url "$CHAIN_RPC_URL" >/dev/null 2>&1; then
    say "using the chain already answering on $CHAIN_RPC_URL"
    return 0
  fi
  mkdir -p "$CHAIN_DIR" "$NEXUS_STATE/logs"
  say "starting anvil on $CHAIN_RPC_URL (state in ${CHAIN_DIR#"$NEXUS_ROOT/"}/state.json)"
  "$ANVIL" --host 127.0.0.1 --port 8545 --state "$CHAIN_DIR/state.json" --state-interval 30 \
    >"$NEXUS_STATE/logs/anvil.log" 2>&1 &
  ANVIL_PID=$!
  for _ in $(seq 100); do
    "$CAST" chain-id --rpc-url "$CHAIN_RPC_URL" >/dev/null 2>&1 && return 0
    kill -0 "$ANVIL_PID" 2>/dev/null || die "anvil exited; see .nexus/logs/anvil.log"
    sleep 0.1
  done
  die "anvil did not answer on $CHAIN_RPC_URL; see .nexus/logs/anvil.log"
}

# Stops the anvil this script started (SIGTERM: it writes its state before it exits).
stop_chain() {
  [ -n "$ANVIL_PID" ] || return 0
  kill -TERM "$ANVIL_PID" 2>/dev/null || true
  wait "$ANVIL_PID" 2>/dev/null || true
  ANVIL_PID=""
}

# The contracts answer when the deployments file names this chain and its bounty contract and
# token have code here (a chain started without its state has none).
contracts_deployed() {
  [ -f "$DEPLOYMENTS" ] || return 1
  local field chain_id address
  chain_id="$(sed -n 's/.*"chainId": *\([0-9]*\).*/\1/p' "$DEPLOYMENTS")"
  [ "$chain_id" = "$("$CAST" chain-id --rpc-url "$CHAIN_RPC_URL")" ] || return 1
  for field in bounty reputationToken; do
    address="$(sed -n "s/.*\"$field\": *\"\(0x[0-9a-fA-F]*\)\".*/\1/p" "$DEPLOYMENTS")"
    [ -n "$address" ] || return 1
    [ "$("$CAST" code "$address" --rpc-url "$CHAIN_RPC_URL")" != "0x" ] || return 1
  done
}

deploy_contracts() {
  if contracts_deployed; then
    say "contracts already deployed (${DEPLOYMENTS#"$NEXUS_ROOT/"})"
    return 0
  fi
  say "deploying the contracts (nexus-chain deploy)"
  NEXUS_DEPLOYER_PRIVATE_KEY="${DEV_KEYS[0]}" "$CARGO_TARGET_DIR/debug/nexus-chain" deploy \
    --rpc-url "$CHAIN_RPC_URL" --out "$DEPLOYMENTS" >"$NEXUS_STATE/logs/deploy.log" \
    || die "deployment failed; see .nexus/logs/deploy.log"
}

# Gives the demo accounts NXS (minted by the deployer) up to $DEMO_NXS; the relayer needs only
# ETH, which every dev account has (10,000). Idempotent: a restart mints nothing new.
fund_accounts() {
  local token index address balance
  mkdir -p "$CHAIN_DIR"
  token="$(sed -n 's/.*"reputationToken": *"\(0x[0-9a-fA-F]*\)".*/\1/p' "$DEPLOYMENTS")"
  for index in 2 3 4; do
    address="$("$CAST" wallet address --private-key "${DEV_KEYS[$index]}")"
    balance="$("$CAST" call "$token" 'balanceOf(address)(uint256)' "$address" --rpc-url "$CHAIN_RPC_URL" | cut -d' ' -f1)"
    if [ "$balance" = 0 ]; then
      "$CAST" send "$token" 'mint(address,uint256)' "$address" "$DEMO_NXS" \
        --private-key "${DEV_KEYS[0]}" --rpc-url "$CHAIN_RPC_URL" >/dev/null
    fi
  done
  {
    echo "# anvil's WELL-KNOWN DEVELOPMENT KEYS: public, for this local chain only. Never fund them"
    echo "# on a real network: anyone can spend from them."
    echo "# role      address                                     private key"
    local roles=(deployer relayer demo-1 demo-2 demo-3)
    for index in 0 1 2 3 4; do
      printf '%-10s %s  %s\n' "${roles[$index]}" \
        "$("$CAST" wallet address --private-key "${DEV_KEYS[$index]}")" "${DEV_KEYS[$index]}"
    done
  } >"$CHAIN_DIR/accounts.txt"
}

# The chain settings of every chain-facing service ([<service>.chain], ChainSettings) and the
# relayer's key. Confirmations 0: anvil never reorganises on its own and mines only when a
# transaction arrives, so a deeper setting would hold every event until some later transaction.
export_chain_settings() {
  local chain_id section
  chain_id="$("$CAST" chain-id --rpc-url "$CHAIN_RPC_URL")"
  for section in BOUNTY CHAIN_LISTENER; do
    export "NEXUS_${section}__CHAIN__RPC_URL=$CHAIN_RPC_URL"
    export "NEXUS_${section}__CHAIN__DEPLOYMENT_FILE=$DEPLOYMENTS"
    export "NEXUS_${section}__CHAIN__CHAIN_ID=$chain_id"
    export "NEXUS_${section}__CHAIN__CONFIRMATIONS=0"
  done
  export NEXUS_BOUNTY__RELAYER__PRIVATE_KEY="${DEV_KEYS[1]}"
}

ensure_build_tools
ensure_postgres
ensure_redis
ensure_anvil

say "building the services"
cargo build -p nexus-chain -p nexus-cli $(printf -- '-p nexus-%s ' "${NEXUS_SERVICES[@]}")
say "building the dashboard (served by the gateway at /)"
bash dashboard/ci.sh build
export NEXUS_GATEWAY__DASHBOARD__DIR="$NEXUS_ROOT/dashboard/dist"

mkdir -p "$NEXUS_STATE/logs"
pids=()
engine_pids=()
shutdown() {
  trap - INT TERM EXIT
  say "stopping the services (SIGTERM, graceful)"
  for pid in "${engine_pids[@]}" "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${engine_pids[@]}" "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_chain
  [ -z "$MAILSINK_PID" ] || kill -TERM "$MAILSINK_PID" 2>/dev/null || true
  stop_started_dependencies
  say "stopped"
}
trap 'shutdown; exit 0' INT TERM
trap shutdown EXIT

start_chain
deploy_contracts
fund_accounts
export_chain_settings
start_mailsink

# The first service applies the migrations (the others wait on sqlx's advisory lock).
for service in "${NEXUS_SERVICES[@]}"; do
  "$CARGO_TARGET_DIR/debug/nexus-$service" >"$NEXUS_STATE/logs/nexus-$service.log" 2>&1 &
  pids+=("$!")
done

say "waiting for every service to be ready"
port=8080
for service in "${NEXUS_SERVICES[@]}"; do
  ready=""
  for _ in $(seq 600); do
    if curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.1
  done
  [ -n "$ready" ] || die "nexus-$service is not ready on :$port; see .nexus/logs/nexus-$service.log"
  port=$((port + 1))
done

# Two automated analysts (scripts/dev_engines.sh): an uploaded file's bounty gets answered.
start_engines

printf '\n  %-22s %-28s %-28s\n' SERVICE HTTP METRICS
port=8080
for service in "${NEXUS_SERVICES[@]}"; do
  printf '  %-22s %-28s %-28s\n' "nexus-$service" "http://127.0.0.1:$port" "http://127.0.0.1:$((port + 1010))/metrics"
  port=$((port + 1))
done
printf '\n  PostgreSQL: %s\n  Redis:      %s\n  Chain:      %s (chain id %s)\n  Contracts:  %s\n  Logs:       %s\n\n' \
  "${NEXUS_DATABASE__URL%%//*}//${NEXUS_DATABASE__URL#*@}" "$(redact_url "$NEXUS_REDIS__URL")" \
  "$CHAIN_RPC_URL" "$NEXUS_BOUNTY__CHAIN__CHAIN_ID" "$DEPLOYMENTS" "$NEXUS_STATE/logs/"
printf '  Accounts (anvil dev keys; 10,000 ETH each, demo accounts 10,000 NXS):\n'
grep -v '^#' "$CHAIN_DIR/accounts.txt" | while read -r role address _; do printf '    %-10s %s\n' "$role" "$address"; done
printf '\n  !! These are anvil'"'"'s PUBLIC development keys, listed with their private keys in\n'
printf '  !! %s. Anyone can spend from them: local chain only.\n\n' "$CHAIN_DIR/accounts.txt"
printf '  Dashboard: http://127.0.0.1:8080/ (register an account there)\n'
printf '  Mail:      http://127.0.0.1:1080/ (maildev: every e-mail the services sent)\n'
printf '  Engines:   broad (every file type) and narrow (pe/elf/macho/script, reward >= 10 NXS),\n'
printf '             in .nexus/engines/, logs .nexus/logs/engine-*.log (docs/ENGINE_CLI.md)\n\n'
say "all nine services are ready; press Ctrl-C to stop"

# Runs until Ctrl-C (clean exit 0), or until a service dies: then everything is stopped and the
# exit status is non-zero. A service exits with 0 only after a stop signal: Ctrl-C reaches the
# whole process group, and bash skips its INT trap when the child it waits for handled the
# signal itself, so a clean exit here is the Ctrl-C.
if wait -n "${pids[@]}"; then exit 0; else status=$?; fi
say "a service exited unexpectedly (status $status); see .nexus/logs/"
exit 1
