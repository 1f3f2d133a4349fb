#!/usr/bin/env bash
# Side-by-side benchmarks of nexus-gateway (docs/PERFORMANCE.md, "nexus-gateway"):
#  1. authenticated proxied GET: nexus-gateway vs nginx, both in front of the same upstream
#     (a separate nginx serving a fixed JSON body), measured with wrk in the same run;
#  2. WebSocket fan-out: N clients, events published on Redis, delivery latency at the clients,
#     nexus-gateway's hub vs a Node `ws` server with the same topic protocol, fed by the same
#     kind of Redis channel. Shapes: TOPICS=0 is one broadcast topic (every client gets every
#     event); TOPICS=K spreads the clients over K `bounty:{id}` topics at K × rate events/s.
# Usage: scripts/bench-gateway.sh [clients=10000] [events/s per client=10] [seconds=20]
# Environment: WORKERS (server workers of both proxies, default 1), FANOUT_WORKERS (gateway
# workers for the fan-out, default: one per core, as deployed; Node is one process by design),
# FANOUT_SHAPES (default "0 100"), ONLY=proxy|fanout, REVOCATION_MARKS (account revocation
# marks preloaded into Redis before the gateway starts, default 0: the cost of the in-memory
# revocation check with a large list).
# Needs Redis on 127.0.0.1:6379. Installs nginx and wrk (apt) and ws/redis (npm) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${1:-10000}
RATE=${2:-10}
SECONDS_RUN=${3:-20}
WORKERS=${WORKERS:-1}
FANOUT_WORKERS=${FANOUT_WORKERS:-$(nproc)}
FANOUT_SHAPES=${FANOUT_SHAPES:-0 100}
ONLY=${ONLY:-}
WORK=$(mktemp -d /tmp/nexus-gateway-bench.XXXXXX)
UPSTREAM_PORT=18090 NGINX_PORT=18091 GATEWAY_PORT=18092 ADMIN_PORT=19092 NODE_PORT=18093
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pidfile in "$WORK"/*.pid; do [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null; done
  true
}
trap cleanup EXIT

source scripts/lib.sh
ensure_apt nginx wrk curl
# Each side of the fan-out holds one descriptor per client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < CLIENTS + 1000 )); then
  echo "warning: open-file limit $(ulimit -n) is below $CLIENTS clients; large fan-outs may fail"
fi

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/nexus-security/target}
cargo build --release -q -p nexus-gateway --bin nexus-gateway
cargo bench -q -p nexus-gateway --bench gateway_bench --no-run
BENCH=$(ls -t "$CARGO_TARGET_DIR"/release/deps/gateway_bench-* | grep -v '\.d$' | head -1)
"$BENCH" keys http://bench.nexus audience-bench "$WORK"
TOKEN=$(cat "$WORK/token")

# The upstream (one nginx worker returning fixed JSON) and, separately, nginx as the reference
# proxy in front of it (keep-alive pool, WORKERS workers).
cat > "$WORK/upstream.conf" <<CONF
worker_processes 1;
pid $WORK/upstream.pid;
error_log $WORK/upstream-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:$UPSTREAM_PORT;
    location / { default_type application/json; return 200 '{"bounties":[{"id":1,"title":"sample"}]}'; } }
}
CONF
cat > "$WORK/proxy.conf" <<CONF
worker_processes $WORKERS;
pid $WORK/proxy.pid;
error_log $WORK/proxy-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
  server { listen 127.0.0.1:$NGINX_PORT;
    location /api/ { proxy_pass http://app/; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr; } }
}
CONF
nginx -c "$WORK/upstream.conf"
nginx -c "$WORK/proxy.conf"

# The gateway: rate limits off (the proxy path alone), JWKS inline, request logs off (nginx runs
# with access_log off). start_gateway WORKERS [limits]: (re)starts it with that many workers;
# with `limits`, Redis rate limiting is on with quotas too large to refuse anything (its cost).
GATEWAY_PID=""
start_gateway() {
  local rate_limit='enabled = false'
  if [[ "${2:-}" == limits ]]; then
    rate_limit='per_ip = { requests = 1000000000, period = "1m", burst = 1000000000 }
per_role = { user = { requests = 1000000000, period = "1m", burst = 1000000000 } }'
  fi
  [[ -n "$GATEWAY_PID" ]] && kill "$GATEWAY_PID" && wait "$GATEWAY_PID" 2>/dev/null || true
  cat > "$WORK/gateway.toml" <<TOML
[server]
http_addr = "127.0.0.1:$GATEWAY_PORT"
admin_addr = "127.0.0.1:$ADMIN_PORT"
workers = $1
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
$rate_limit
[gateway.ws]
send_queue = 1024
TOML
  # No auth service here: the published-policy fetch is off (else the start-up gate answers
  # every request with a token 503 auth_not_ready), the shipped policies decide.
  NEXUS_POLICIES__AUTH_URL="" NEXUS_CONFIG_FILE="$WORK/gateway.toml" "$CARGO_TARGET_DIR/release/nexus-gateway" > "$WORK/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  PIDS+=($GATEWAY_PID)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$GATEWAY_PORT/ready" >/dev/null && break; sleep 0.2; done
}

if [[ "$ONLY" != fanout ]]; then
REVOCATION_MARKS=${REVOCATION_MARKS:-0}
redis-cli DEL bench:nexus:auth:revocations:accounts >/dev/null
if (( REVOCATION_MARKS > 0 )); then
  # Marks of other accounts, one minute old: every request pays the look-up, none is refused.
  redis-cli EVAL "for i = 1, tonumber(ARGV[1]) do redis.call('HSET', KEYS[1], string.format('00000000-0000-7000-8000-%012d', i), ARGV[2]) end return 1" \
    1 bench:nexus:auth:revocations:accounts "$REVOCATION_MARKS" "$(( $(date +%s) * 1000 - 60000 ))" >/dev/null
  echo "preloaded $REVOCATION_MARKS revocation marks"
fi
start_gateway "$WORKERS"
echo "== authenticated proxied GET (wrk -t2 -c64 -d15s --latency), $WORKERS worker(s) each"
run_wrk() { wrk -t2 -c64 -d15s --latency -H "Authorization: Bearer $TOKEN" "$1" | tee "$WORK/$2.txt"; }
run_wrk "http://127.0.0.1:$NGINX_PORT/api/v1/bounties" nginx
run_wrk "http://127.0.0.1:$GATEWAY_PORT/api/v1/bounties" gateway
rps() { awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt"; }
p99() { awk '$1=="99%" {v=$2; if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; print v}' "$WORK/$1.txt"; }
echo "requests/s: gateway $(rps gateway) nginx $(rps nginx) ratio $(awk "BEGIN {print $(rps gateway)/$(rps nginx)}") (goal >= 1.0)"
echo "p99 ms:     gateway $(p99 gateway) nginx $(p99 nginx) ratio $(awk "BEGIN {print $(p99 gateway)/$(p99 nginx)}") (goal <= 1.2)"
echo "== the same, gateway with Redis rate limits on (per address and per principal, one Lua call)"
start_gateway "$WORKERS" limits
run_wrk "http://127.0.0.1:$GATEWAY_PORT/api/v1/bounties" gateway-limits >/dev/null
echo "with rate limits: requests/s $(rps gateway-limits) (ratio to nginx $(awk "BEGIN {print $(rps gateway-limits)/$(rps nginx)}")), p99 ms $(p99 gateway-limits)"

fi
[[ "$ONLY" == proxy ]] && exit 0

mkdir -p "$WORK/node" && cd "$WORK/node"
npm init -y >/dev/null && npm install --silent ws redis >/dev/null
cat > server.mjs <<'JS'
// The reference: a Node `ws` server with the hub's topic protocol (subscribe to `bounties` or
// `bounty:{id}`), fed by one Redis pub/sub subscription and fanning out in process.
import { WebSocketServer } from 'ws';
import { createClient } from 'redis';
const server = new WebSocketServer({ port: Number(process.env.PORT), perMessageDeflate: false });
const topics = new Map();
server.on('connection', (socket) => {
  const joined = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data);
    if (message.type !== 'subscribe') return;
    if (!topics.has(message.topic)) topics.set(message.topic, new Set());
    topics.get(message.topic).add(socket);
    joined.push(message.topic);
    socket.send(JSON.stringify({ type: 'subscribed', topic: message.topic }));
  });
  socket.on('close', () => { for (const topic of joined) topics.get(topic)?.delete(socket); });
});
const subscriber = createClient({ url: 'redis://127.0.0.1:6379' });
await subscriber.connect();
await subscriber.subscribe(process.env.CHANNEL, (raw) => {
  const envelope = JSON.parse(raw);
  for (const topic of ['bounties', `bounty:${envelope.payload.bounty_id}`]) {
    const sockets = topics.get(topic);
    if (!sockets) continue;
    const text = JSON.stringify({ type: 'event', topic, event: envelope });
    for (const socket of sockets) if (socket.readyState === 1) socket.send(text);
  }
});
JS
PORT=$NODE_PORT CHANNEL=nexus:bench:node node server.mjs &
NODE_PID=$!
PIDS+=($NODE_PID)
sleep 1
cd - >/dev/null

# CPU seconds (user + system) a process used so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
# field NAME FILE: the number after "NAME " in the fan-out summary line.
field() { grep -o "$1 [0-9.]*" "$2" | head -1 | awk '{print $NF}'; }
start_gateway "$FANOUT_WORKERS"
for topics in $FANOUT_SHAPES; do
  shape=$([[ $topics == 0 ]] && echo "one broadcast topic" || echo "$topics bounty topics")
  echo "== WebSocket fan-out: $CLIENTS clients, $RATE events/s each, $shape, ${SECONDS_RUN}s (gateway: $FANOUT_WORKERS workers, Node: 1 process)"
  for server in gateway node; do
    if [[ $server == gateway ]]; then
      url="ws://127.0.0.1:$GATEWAY_PORT/ws" channel=bench:nexus:bounty:events:v1 token=$TOKEN pid=$GATEWAY_PID
    else
      url="ws://127.0.0.1:$NODE_PORT" channel=nexus:bench:node token="" pid=$NODE_PID
    fi
    before=$(cpu_seconds "$pid")
    "$BENCH" fanout "$url" "$CLIENTS" "$RATE" "$SECONDS_RUN" redis://127.0.0.1:6379 "$channel" \
      "$token" "$topics" | tee "$WORK/fanout-$server-$topics.txt" | sed "s/^/$server: /"
    echo "$server: server CPU $(awk "BEGIN {print $(cpu_seconds "$pid") - $before}") s during the run (connects included)"
  done
  g="$WORK/fanout-gateway-$topics.txt" n="$WORK/fanout-node-$topics.txt"
  echo "p99 ms: gateway $(field p99 "$g") node $(field p99 "$n") ratio node/gateway $(awk "BEGIN {print $(field p99 "$n") / $(field p99 "$g")}") (goals: gateway < 50, ratio >= 3)"
  rate() { grep -o '[0-9]* deliveries/s' "$1" | awk '{print $1}'; }
  echo "deliveries/s: gateway $(rate "$g") node $(rate "$n") ratio $(awk "BEGIN {print $(rate "$g") / $(rate "$n")}")"
done
