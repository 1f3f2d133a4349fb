#!/bin/sh
# docker-compose.yml's one-shot `fund-accounts` (foundry image, after `deploy-contracts`): gives
# the three demo accounts 10,000 NXS each, minted by the deployer, as scripts/dev.sh does.
# Idempotent: an account that has NXS gets nothing. The keys are anvil's well-known development
# keys (public; from .env, written by deploy/compose-env.sh): this local chain only.
set -eu
RPC=http://anvil:8545
DEPLOYMENTS=/chain/deployments.json
token=$(sed -n 's/.*"reputationToken": *"\(0x[0-9a-fA-F]*\)".*/\1/p' "$DEPLOYMENTS")
[ -n "$token" ] || { echo "fund-accounts: no reputationToken in $DEPLOYMENTS" >&2; exit 1; }
for key in $(echo "$NEXUS_DEV_DEMO_KEYS" | tr , " "); do
  address=$(cast wallet address --private-key "$key")
  balance=$(cast call "$token" 'balanceOf(address)(uint256)' "$address" --rpc-url "$RPC" | cut -d' ' -f1)
  if [ "$balance" = 0 ]; then
    cast send "$token" 'mint(address,uint256)' "$address" 10000000000000000000000 \
      --private-key "$NEXUS_DEV_DEPLOYER_KEY" --rpc-url "$RPC" >/dev/null
    echo "fund-accounts: minted 10,000 NXS to $address"
  else
    echo "fund-accounts: $address has NXS already"
  fi
done
