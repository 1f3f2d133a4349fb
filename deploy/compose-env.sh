#!/usr/bin/env bash
# Writes .env (next to docker-compose.yml; git-ignored; docker compose reads it on its own) with
# what the compose stack needs and the repository must never hold: random PostgreSQL, Redis and
# Grafana passwords and a random service token, plus anvil's well-known development keys for the
# local chain (deployer, relayer, demo accounts: public keys, taken from scripts/dev.sh so there
# is one list). A variable already in .env is kept, so re-running only adds what a newer
# docker-compose.yml needs and never changes a password a running stack uses.
set -euo pipefail
cd "$(dirname "$0")/.."
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

mapfile -t dev_keys < <(sed -n '/^DEV_KEYS=(/,/^)/p' scripts/dev.sh | grep -o '0x[0-9a-f]\{64\}')
if [ "${#dev_keys[@]}" -ne 5 ]; then
  echo "compose-env: expected anvil's five development keys in scripts/dev.sh's DEV_KEYS, found ${#dev_keys[@]}" >&2
  exit 1
fi

umask 077
# Passwords: readable by this user only, also when .env existed before.
touch .env
added=0
add() {
  if ! grep -q "^$1=" .env; then
    printf '%s=%s\n' "$1" "$2" >> .env
    added=$((added + 1))
  fi
}
add NEXUS_POSTGRES_PASSWORD "$(random)"
add NEXUS_REDIS_PASSWORD "$(random)"
add NEXUS_SERVICE_TOKEN "$(random)$(random)"
add NEXUS_GRAFANA_PASSWORD "$(random)"
# anvil's WELL-KNOWN development keys: anyone can spend from them; the local chain only.
add NEXUS_DEV_DEPLOYER_KEY "${dev_keys[0]}"
add NEXUS_DEV_RELAYER_KEY "${dev_keys[1]}"
add NEXUS_DEV_DEMO_KEYS "${dev_keys[2]},${dev_keys[3]},${dev_keys[4]}"
chmod 600 .env
echo "compose-env: .env has every variable docker-compose.yml needs ($added added)."
