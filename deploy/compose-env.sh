#!/usr/bin/env bash
# Writes .env (next to docker-compose.yml) with random PostgreSQL and Redis passwords, unless it
# exists already. .env is git-ignored; docker compose reads it on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .env ]; then
  echo ".env exists; keeping its passwords."
  exit 0
fi
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
umask 077
{
  echo "NEXUS_POSTGRES_PASSWORD=$(random)"
  echo "NEXUS_REDIS_PASSWORD=$(random)"
} > .env
echo "Wrote .env with new random passwords."
