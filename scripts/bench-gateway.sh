#!/usr/bin/env bash
# Side-by-side benchmarks of nexus-gateway (docs/PERFORMANCE.md, "nexus-gateway"):
#  1. authenticated proxied GET: nexus-gateway vs nginx, both in front of the same upstream
#     (nginx serving a fixed JSON body), measured with wrk in the same run;
#  2. WebSocket fan-out: N clients, events published on Redis, delivery latency at the clients,
#     nexus-gateway's hub vs a Node `ws` broadcast server subscribed to the same Redis channel.
# Usage: scripts/bench-gateway.sh [clients=10000] [events_per_second=10] [seconds=20]
# Needs Redis on 127.0.0.1:6379. Installs nginx and wrk (apt) and ws/redis (npm) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${1:-10000}
RATE=${2:-10}
SECONDS_RUN=${3:-20}
WORK=$(mktemp -d /tmp/nexus-gateway-bench.XXXXXX)
UPSTREAM_PORT=18090 NGINX_PORT=18091 GATEWAY_PORT=18092 ADMIN_PORT=19092 NODE_PORT=18093
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT

source scripts/lib.sh
ensure_apt nginx wrk curl
ulimit -n 65536 || echo "warning: could not raise the open-file limit; large fan-outs may fail"

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/nexus-security/target}
cargo build --release -q -p nexus-gateway --bin nexus-gateway
cargo bench -q -p nexus-gateway --bench gateway_bench --no-run
BENCH=$(ls -t "$CARGO_TARGET_DIR"/release/deps/gateway_bench-* | grep -v '\.d$' | head -1)
"$BENCH" keys http://bench.nexus audience-bench "$WORK"
TOKEN=$(cat "$WORK/token")

# One nginx: the upstream (fixed JSON) and the reference proxy in front of it.
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
  server { listen 127.0.0.1:$UPSTREAM_PORT;
    location / { default_type application/json; return 200 '{"bounties":[{"id":1,"title":"sample"}]}'; } }
  server { listen 127.0.0.1:$NGINX_PORT;
    location /api/ { proxy_pass http://app/; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr; } }
}
CONF
nginx -c "$WORK/nginx.conf"

# The gateway: one worker like nginx, rate limits off (the proxy path alone), JWKS inline,
# request logs off (nginx runs with access_log off).
cat > "$WORK/gateway.toml" <<TOML
[server]
http_addr = "127.0.0.1:$GATEWAY_PORT"
admin_addr = "127.0.0.1:$ADMIN_PORT"
workers = 1
[redis]
key_prefix = "bench:"
[telemetry]
log_filter = "warn"
[tokens]
issuer = "http://bench.nexus"
audience = "audience-bench"
jwks = '$(cat "$WORK/jwks.json")'
[gateway.upstreams]
auth = "http://127.0.0.1:$UPSTREAM_PORT"
user = "http://127.0.0.1:$UPSTREAM_PORT"
analysis = "http://127.0.0.1:$UPSTREAM_PORT"
bounty = "http://127.0.0.1:$UPSTREAM_PORT"
reputation = "http://127.0.0.1:$UPSTREAM_PORT"
notification = "http://127.0.0.1:$UPSTREAM_PORT"
scanner = "http://127.0.0.1:$UPSTREAM_PORT"
chain = "http://127.0.0.1:$UPSTREAM_PORT"
[gateway.rate_limit]
enabled = false
[gateway.ws]
send_queue = 1024
TOML
NEXUS_CONFIG_FILE="$WORK/gateway.toml" "$CARGO_TARGET_DIR/release/nexus-gateway" > "$WORK/gateway.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$GATEWAY_PORT/ready" >/dev/null && break; sleep 0.2; done

echo "== authenticated proxied GET (wrk -t2 -c64 -d15s --latency)"
run_wrk() { wrk -t2 -c64 -d15s --latency -H "Authorization: Bearer $TOKEN" "$1" | tee "$WORK/$2.txt"; }
run_wrk "http://127.0.0.1:$NGINX_PORT/api/v1/bounties" nginx
run_wrk "http://127.0.0.1:$GATEWAY_PORT/api/v1/bounties" gateway
rps() { awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt"; }
p99() { awk '$1=="99%" {v=$2; if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; print v}' "$WORK/$1.txt"; }
echo "requests/s: gateway $(rps gateway) nginx $(rps nginx) ratio $(awk "BEGIN {print $(rps gateway)/$(rps nginx)}") (goal >= 1.0)"
echo "p99 ms:     gateway $(p99 gateway) nginx $(p99 nginx) ratio $(awk "BEGIN {print $(p99 gateway)/$(p99 nginx)}") (goal <= 1.2)"

echo "== WebSocket fan-out: $CLIENTS clients, $RATE events/s, ${SECONDS_RUN}s"
"$BENCH" fanout "ws://127.0.0.1:$GATEWAY_PORT/ws" "$CLIENTS" "$RATE" "$SECONDS_RUN" \
  redis://127.0.0.1:6379 bench:nexus:bounty:events:v1 "$TOKEN" | sed 's/^/gateway: /'

mkdir -p "$WORK/node" && cd "$WORK/node"
npm init -y >/dev/null && npm install --silent ws redis >/dev/null
cat > server.mjs <<'JS'
import { WebSocketServer } from 'ws';
import { createClient } from 'redis';
const server = new WebSocketServer({ port: Number(process.env.PORT), perMessageDeflate: false });
const subscriber = createClient({ url: 'redis://127.0.0.1:6379' });
await subscriber.connect();
await subscriber.subscribe(process.env.CHANNEL, (message) => {
  for (const client of server.clients) if (client.readyState === 1) client.send(message);
});
JS
PORT=$NODE_PORT CHANNEL=nexus:bench:node node server.mjs &
PIDS+=($!)
sleep 1
cd - >/dev/null
"$BENCH" fanout "ws://127.0.0.1:$NODE_PORT" "$CLIENTS" "$RATE" "$SECONDS_RUN" \
  redis://127.0.0.1:6379 nexus:bench:node | sed 's/^/node ws: /'
