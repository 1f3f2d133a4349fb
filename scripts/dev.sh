#!/usr/bin/env bash
# README command 1: build and run the whole platform on this machine until Ctrl-C.
#
# Makes sure PostgreSQL and Redis are reachable (NEXUS_DATABASE__URL / NEXUS_REDIS__URL when set,
# otherwise the local servers, otherwise private instances under .nexus/), builds the nine
# services, starts them on 8080–8088 (admin/metrics 9090–9098), waits until every one is ready,
# prints where everything is, and on Ctrl-C stops them gracefully (SIGTERM) and stops what it
# started. Logs (JSON) go to .nexus/logs/<service>.log.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$NEXUS_ROOT"

ensure_build_tools
ensure_postgres
ensure_redis

say "building the services"
cargo build $(printf -- '-p nexus-%s ' "${NEXUS_SERVICES[@]}")

mkdir -p "$NEXUS_STATE/logs"
pids=()
shutdown() {
  trap - INT TERM EXIT
  say "stopping the services (SIGTERM, graceful)"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_started_dependencies
  say "stopped"
}
trap 'shutdown; exit 0' INT TERM
trap shutdown EXIT

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

printf '\n  %-22s %-28s %-28s\n' SERVICE HTTP METRICS
port=8080
for service in "${NEXUS_SERVICES[@]}"; do
  printf '  %-22s %-28s %-28s\n' "nexus-$service" "http://127.0.0.1:$port" "http://127.0.0.1:$((port + 1010))/metrics"
  port=$((port + 1))
done
printf '\n  PostgreSQL: %s\n  Redis:      %s\n  Logs:       %s\n\n' \
  "${NEXUS_DATABASE__URL%%//*}//${NEXUS_DATABASE__URL#*@}" "$NEXUS_REDIS__URL" "$NEXUS_STATE/logs/"
say "all nine services are ready; press Ctrl-C to stop"

# Runs until Ctrl-C (clean exit 0), or until a service dies: then everything is stopped and the
# exit status is non-zero.
if wait -n "${pids[@]}"; then status=0; else status=$?; fi
say "a service exited unexpectedly (status $status); see .nexus/logs/"
exit 1
