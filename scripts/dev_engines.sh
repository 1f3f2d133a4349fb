#!/usr/bin/env bash
# Two automated analysts for scripts/dev.sh (sourced by it; do not run it): `nexus engine`
# processes with different policies, so a file uploaded in the dev stack gets its bounty answered
# automatically. docs/ENGINE_CLI.md describes the engine.
#
# Each engine gets, once, in .nexus/engines/<name>/: an analyst account `engine-<name>` (the role
# set in the user service's table, as for a first admin: local development only), a fresh key in
# an encrypted keystore from `nexus engine init` (password DEV_ENGINE_PASSWORD below: a local
# development secret), the wallet linked to the account by Sign-In with Ethereum (cast signs with
# the keystore), 1,000 NXS minted to it, its WebSocket key registered, an API key (kept in
# `api_key`, 0600) and its policy. Later runs reuse all of it, state file included.

DEV_ENGINE_PASSWORD="nexus dev engine password"
DEV_ENGINE_NXS="1000000000000000000000"   # 1,000 NXS (wei)
DEV_ENGINE_SCOPES='["bounty:list","bounty:read","bounty:assert","bounty:stake","bounty:resolve","file:read","file:download"]'
GATEWAY="http://127.0.0.1:8080"

# api METHOD PATH TOKEN [JSON] : the gateway's answer body; fails on a non-2xx status.
engine_api() {
  local method="$1" path="$2" token="$3" body="${4:-}"
  local args=(-fsS -X "$method" "$GATEWAY/api$path" -H "authorization: Bearer $token")
  [ -n "$body" ] && args+=(-H 'content-type: application/json' --data "$body")
  curl "${args[@]}"
}

# valid VALUE : a value an answer carried (not empty, not JSON null). Called in `||` context,
# where `set -e` does not stop on a failed step, so each step's result is checked.
valid() { [ -n "$1" ] && [ "$1" != null ]; }

# setup_engine NAME : everything an engine needs, once; non-zero (and the engine left out) when
# a step fails.
setup_engine() {
  local name="$1" dir="$NEXUS_STATE/engines/$1" user="engine-$1" password token me user_id
  local address message signature challenge signed token_address
  [ -f "$dir/engine.toml" ] && [ -f "$dir/api_key" ] && return 0
  rm -rf "$dir"
  say "setting up the $name engine (account $user)"
  password="$(head -c 18 /dev/urandom | base64 | tr -d '+/=')Aa1!"
  curl -fsS -X POST "$GATEWAY/api/v1/auth/register" -H 'content-type: application/json' \
    --data "$(jq -n --arg u "$user" --arg p "$password" '{username:$u,email:($u+"@nexus.dev"),password:$p}')" >/dev/null \
    || { say "cannot register $user (an account of that name exists: delete it to start over)"; return 1; }
  psql "$NEXUS_DATABASE__URL" -qc "UPDATE users.accounts SET role = 'analyst' WHERE username = '$user'" >/dev/null
  token="$(curl -fsS -X POST "$GATEWAY/api/v1/auth/login" -H 'content-type: application/json' \
    --data "$(jq -n --arg u "$user" --arg p "$password" '{login:$u,password:$p}')" | jq -r .access_token)"
  user_id="$(engine_api GET /v1/users/me "$token" | jq -r .id)"
  valid "$token" && valid "$user_id" || return 1

  NEXUS_ENGINE_KEYSTORE_PASSWORD="$DEV_ENGINE_PASSWORD" \
    "$CARGO_TARGET_DIR/debug/nexus" engine init --dir "$dir" --gateway-url "$GATEWAY" >"$dir.init.json"
  mv "$dir.init.json" "$dir/init.json"
  address="$(jq -r .address "$dir/init.json")"
  valid "$address" || return 1

  # The wallet: linked by Sign-In with Ethereum, funded with NXS by the deployer.
  message="$(engine_api POST /v1/users/me/wallets/challenge "$token" \
    "$(jq -n --arg a "$address" --argjson c "$NEXUS_BOUNTY__CHAIN__CHAIN_ID" '{address:$a,chain_id:$c}')" | jq -r .message)"
  valid "$message" || return 1
  signature="$("$CAST" wallet sign --keystore "$dir/keystore.json" --password "$DEV_ENGINE_PASSWORD" "$message")"
  engine_api POST /v1/users/me/wallets "$token" \
    "$(jq -n --arg m "$message" --arg s "$signature" '{message:$m,signature:$s}')" >/dev/null || return 1
  token_address="$(sed -n 's/.*"reputationToken": *"\(0x[0-9a-fA-F]*\)".*/\1/p' "$DEPLOYMENTS")"
  "$CAST" send "$token_address" 'mint(address,uint256)' "$address" "$DEV_ENGINE_NXS" \
    --private-key "${DEV_KEYS[0]}" --rpc-url "$CHAIN_RPC_URL" >/dev/null

  # The WebSocket key (presence, the live feed), registered with the engine's signature.
  challenge="$(engine_api POST /v1/users/me/ws-keys/challenge "$token" '{}' | jq -r .challenge)"
  valid "$challenge" || return 1
  signed="$("$CARGO_TARGET_DIR/debug/nexus" engine sign-ws-registration --config "$dir/engine.toml" \
    --user-id "$user_id" --challenge "$challenge")"
  engine_api POST /v1/users/me/ws-keys "$token" "$(jq -n --argjson s "$signed" --arg c "$challenge" --arg l "$name engine" \
    '{public_key:$s.public_key,signature:$s.signature,challenge:$c,label:$l}')" >/dev/null || return 1

  (umask 077 && engine_api POST /v1/api-keys "$token" \
    "$(jq -n --arg n "$name engine" --argjson s "$DEV_ENGINE_SCOPES" '{name:$n,scopes:$s}')" | jq -r .key >"$dir/api_key")
  valid "$(cat "$dir/api_key")" || { rm -f "$dir/api_key"; return 1; }

  # Its policy: the qualifying stake a local deployment asks (`nexus-chain deploy`'s
  # minAnalystStake, 100 NXS), the chain to read it from, and what makes the two engines differ.
  sed -i \
    -e "s|^# rpc_url = .*|rpc_url = \"$CHAIN_RPC_URL\"|" \
    -e "s|^qualifying_stake = .*|qualifying_stake = \"100000000000000000000\"|" \
    -e 's|^poll_interval = .*|poll_interval = "2s"|' \
    "$dir/engine.toml"
  case "$name" in
    broad) ;;  # every file type, the default thresholds
    narrow)
      sed -i \
        -e 's|^file_types = .*|file_types = ["pe", "elf", "macho", "script"]|' \
        -e 's|^min_reward = .*|min_reward = "10000000000000000000"|' \
        -e 's|^max_confidence = .*|max_confidence = 85|' \
        "$dir/engine.toml"
      ;;
  esac
}

# start_engines : sets the two engines up (once) and starts them; their pids join `engine_pids`
# (stopped with the services; an engine that stops does not stop the stack).
start_engines() {
  local name
  command -v jq >/dev/null || ensure_apt jq
  mkdir -p "$NEXUS_STATE/engines"
  for name in broad narrow; do
    setup_engine "$name" || { say "the $name engine could not be set up; continuing without it"; continue; }
    NEXUS_ENGINE_API_KEY="$(cat "$NEXUS_STATE/engines/$name/api_key")" \
      NEXUS_ENGINE_KEYSTORE_PASSWORD="$DEV_ENGINE_PASSWORD" \
      "$CARGO_TARGET_DIR/debug/nexus" engine run --config "$NEXUS_STATE/engines/$name/engine.toml" \
      >>"$NEXUS_STATE/logs/engine-$name.log" 2>&1 &
    engine_pids+=("$!")
  done
}
