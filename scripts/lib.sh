#!/usr/bin/env bash
# Shared helpers for scripts/dev.sh, scripts/test.sh and .ci/run. Source it; do not run it.
#
# Everything here is idempotent and works on a fresh Debian machine: what is missing is
# installed with apt-get, what is not running is started from installed binaries in a data
# directory under the repository (.nexus/), and nothing is assumed about the host.

NEXUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NEXUS_STATE="$NEXUS_ROOT/.nexus"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$NEXUS_ROOT/target}"
# The sqlx query macros compile against the committed query data in .sqlx/, so building needs
# no database. A developer who sets DATABASE_URL (a migrated database) builds online instead,
# which is how a new or changed query is checked before `cargo sqlx prepare` records it.
if [ -z "${DATABASE_URL:-}" ]; then export SQLX_OFFLINE="${SQLX_OFFLINE:-true}"; fi
STARTED_POSTGRES=""
STARTED_REDIS=""

say() { printf '\033[1m[nexus]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=""
# ensure_apt PACKAGE... : installs the Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "please install: ${missing[*]} (no apt-get on this machine)"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -q >/dev/null; APT_UPDATED=1; fi
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# tcp_open HOST PORT : true when something listens there.
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# The Rust toolchain comes with the machine; mold (the linker .cargo/config.toml names) and a C
# compiler for -sys crates are installed here.
ensure_build_tools() {
  command -v cargo >/dev/null || die "cargo is not installed (install Rust with rustup first)"
  command -v mold >/dev/null || ensure_apt mold
  command -v cc >/dev/null || ensure_apt gcc
  command -v curl >/dev/null || ensure_apt curl
}

# The sqlx command line, for the stale-offline-data check (ensure_sqlx_offline_data_fresh) and
# for developers regenerating .sqlx/. Pinned to the sqlx version in Cargo.lock: `prepare`
# writes the query data in the macros' format, which changes between releases. Postgres only,
# rustls so no OpenSSL headers are needed; built once, skipped when that version is installed.
SQLX_CLI_VERSION="0.9.0"
ensure_sqlx_cli() {
  if cargo sqlx --version 2>/dev/null | grep -q " $SQLX_CLI_VERSION$"; then return 0; fi
  say "installing sqlx-cli $SQLX_CLI_VERSION (once; a few minutes)"
  cargo install sqlx-cli --version "$SQLX_CLI_VERSION" --locked --quiet \
    --no-default-features --features postgres,rustls
}

# Fails when .sqlx/ no longer matches the queries in the code (a query added or changed without
# `cargo sqlx prepare`): offline builds would then fail, or check against stale column types.
# `prepare --check` recompiles every crate that uses the macros online against a database, so
# it gets a fresh one with migrations/ applied, dropped afterwards. sqlx-cli 0.9.0 wants
# DATABASE_URL for --check even though --check writes nothing (transact-rs/sqlx#4297); this one
# is real anyway. Needs ensure_postgres first.
#
# The result depends only on the files sqlx_check_inputs hashes, so in a git checkout a run
# whose inputs equal those of the last passing run (stamp in the target directory) is skipped:
# the check also touches every crate that uses the macros, which costs the next build a
# recompile of the workspace's crates.
check_sqlx_offline_data() {
  ensure_sqlx_cli
  local stamp="$CARGO_TARGET_DIR/nexus-sqlx-check.stamp" inputs=""
  if git -C "$NEXUS_ROOT" rev-parse --git-dir >/dev/null 2>&1; then inputs="$(sqlx_check_inputs)"; fi
  if [ -n "$inputs" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
    say ".sqlx/ was checked with these very sources, migrations and manifests; not again"
    return 0
  fi
  local server_url="${NEXUS_DATABASE__URL%/*}"
  local database="nexus_sqlx_check_$$"
  local status=0 log
  log="$(mktemp)"
  psql "$server_url/postgres" -qc "CREATE DATABASE $database" >/dev/null
  if cargo sqlx migrate run --source migrations --database-url "$server_url/$database" >/dev/null; then
    # Streamed and kept: --check only warns about query files no query uses any more, and
    # those make .sqlx/ stale too.
    { local check_status=0
      DATABASE_URL="$server_url/$database" cargo sqlx prepare --workspace --check -- --all-targets 2>&1 ||
        check_status=$?
      echo "$check_status" > "$log.status"; } | tee "$log"
    status="$(cat "$log.status" 2>/dev/null || echo 1)"
    if [ "$status" -eq 0 ] && grep -q "potentially unused queries" "$log"; then status=1; fi
  else
    status=1
  fi
  rm -f "$log" "$log.status"
  psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
  if [ "$status" -ne 0 ]; then
    say ".sqlx/ is stale: with DATABASE_URL set to a migrated database, run"
    say "  cargo sqlx prepare --workspace -- --all-targets   and commit .sqlx/"
  elif [ -n "$inputs" ]; then
    mkdir -p "$CARGO_TARGET_DIR" && printf '%s\n' "$inputs" > "$stamp"
  fi
  return "$status"
}

# A hash of what check_sqlx_offline_data's result depends on: every source, manifest and query
# data file of the workspace (tracked or new, not ignored), the migrations, and the sqlx-cli
# version.
sqlx_check_inputs() {
  {
    echo "sqlx-cli $SQLX_CLI_VERSION"
    git -C "$NEXUS_ROOT" ls-files -co --exclude-standard -z -- \
      crates services tests migrations .sqlx .cargo Cargo.toml Cargo.lock |
      sort -z | (cd "$NEXUS_ROOT" && xargs -0 sha256sum 2>/dev/null || true)
  } | sha256sum | cut -d' ' -f1
}

# Exports NEXUS_DATABASE__URL: the one given, the local server on 5432, or a private instance
# started from the installed PostgreSQL binaries in .nexus/postgres on port 55432.
ensure_postgres() {
  command -v psql >/dev/null || ensure_apt postgresql-client
  if [ -z "${NEXUS_DATABASE__URL:-}" ]; then
    if tcp_open 127.0.0.1 5432 && psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1; then
      export NEXUS_DATABASE__URL="postgres://postgres@127.0.0.1:5432/nexus"
    else
      start_private_postgres
      export NEXUS_DATABASE__URL="postgres://postgres@127.0.0.1:55432/nexus"
    fi
  fi
  local server_url="${NEXUS_DATABASE__URL%/*}/postgres"
  psql "$server_url" -Atqc 'SELECT 1' >/dev/null 2>&1 || die "PostgreSQL at ${server_url%%@*}@… does not accept connections"
  if [ "$(psql "$server_url" -Atqc "SELECT 1 FROM pg_database WHERE datname = 'nexus'")" != "1" ]; then
    psql "$server_url" -qc 'CREATE DATABASE nexus' >/dev/null
  fi
  export TEST_NEXUS_DATABASE_URL="${TEST_NEXUS_DATABASE_URL:-$server_url}"
}

start_private_postgres() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bin" ]; then ensure_apt postgresql; bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"; fi
  local data="$NEXUS_STATE/postgres" run_as=()
  mkdir -p "$data"
  # initdb refuses to run as root; the postgres system user comes with the package.
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$data"; chmod 700 "$data"; run_as=(runuser -u postgres --); fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initialising a private PostgreSQL in $data"
    "${run_as[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  if ! tcp_open 127.0.0.1 55432; then
    say "starting PostgreSQL on 127.0.0.1:55432"
    "${run_as[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p 55432 -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
    STARTED_POSTGRES="$bin/pg_ctl -D $data"
    [ "$(id -u)" -eq 0 ] && STARTED_POSTGRES="runuser -u postgres -- $STARTED_POSTGRES"
  fi
}

# Exports NEXUS_REDIS__URL: the one given, the local server on 6379, or a private redis-server
# on port 56379. redis-server is installed either way (tests start private ones).
#
# The private server requires a password: a random one made on first use and kept in
# .nexus/redis/password (owner-only), handed to redis-server in an owner-only config file (never
# on its command line, where `ps` would show it) and to the services in NEXUS_REDIS__URL. A
# server already on 6379 is used as it is: its configuration is not ours to change, so when it
# answers without a password a warning says so (local development only); when it wants one,
# set NEXUS_REDIS__URL=redis://:<password>@127.0.0.1:6379.
ensure_redis() {
  command -v redis-server >/dev/null || ensure_apt redis-server
  if [ -z "${NEXUS_REDIS__URL:-}" ]; then
    if tcp_open 127.0.0.1 6379; then
      case "$(redis_ping 6379 "")" in
        PONG) say "warning: using the Redis on 127.0.0.1:6379, which has NO PASSWORD: anything that can reach it can read and change every key. Fine for local development only; never like this in a shared or deployed environment." ;;
        *NOAUTH*|*WRONGPASS*|*"Authentication required"*) die "the Redis on 127.0.0.1:6379 requires a password: set NEXUS_REDIS__URL=redis://:<password>@127.0.0.1:6379 (or stop it, and a private Redis with a generated password is started)" ;;
        *) say "warning: using the Redis on 127.0.0.1:6379 without a password (it did not answer PING); local development only" ;;
      esac
      export NEXUS_REDIS__URL="redis://127.0.0.1:6379"
    else
      local password
      password="$(private_redis_password)"
      start_private_redis "$password"
      export NEXUS_REDIS__URL="redis://:$password@127.0.0.1:56379"
    fi
  elif [[ "$NEXUS_REDIS__URL" != *@* ]]; then
    say "warning: NEXUS_REDIS__URL names a Redis without a password; local development only"
  fi
  export TEST_NEXUS_REDIS_URL="${TEST_NEXUS_REDIS_URL:-$NEXUS_REDIS__URL}"
}

# redis_ping PORT PASSWORD : what the Redis on 127.0.0.1:PORT answers to PING (after AUTH
# when PASSWORD is set; passed in the environment, not on a command line).
redis_ping() {
  command -v redis-cli >/dev/null || ensure_apt redis-tools
  if [ -n "$2" ]; then
    REDISCLI_AUTH="$2" redis-cli -h 127.0.0.1 -p "$1" ping 2>&1 || true
  else
    redis-cli -h 127.0.0.1 -p "$1" ping 2>&1 || true
  fi
}

# The private Redis's password: .nexus/redis/password, made once (48 hex digits: safe in a URL).
private_redis_password() {
  local file="$NEXUS_STATE/redis/password"
  mkdir -p "$NEXUS_STATE/redis"
  if [ ! -s "$file" ]; then
    (umask 077; od -An -N24 -tx1 /dev/urandom | tr -d ' \n' > "$file")
  fi
  chmod 600 "$file"
  cat "$file"
}

# start_private_redis PASSWORD : redis-server on 127.0.0.1:56379 requiring PASSWORD, without
# persistence. One left running by an earlier run is reused when it takes the password; an older
# one without it (started before passwords, its pid file ours) is stopped and started again.
start_private_redis() {
  local password="$1" dir="$NEXUS_STATE/redis"
  local pid=""
  [ -f "$dir/redis.pid" ] && pid="$(cat "$dir/redis.pid")"
  # Only a pid that is still a redis-server is ours to stop (pids are reused).
  if [ -n "$pid" ] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" != redis-server ]; then pid=""; fi
  if tcp_open 127.0.0.1 56379; then
    if [ "$(redis_ping 56379 "$password")" = PONG ]; then
      [ -n "$pid" ] && STARTED_REDIS="$dir/redis.pid"
      return 0
    fi
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      say "stopping the private Redis on 127.0.0.1:56379 started without this password"
      for _ in $(seq 50); do tcp_open 127.0.0.1 56379 || break; sleep 0.1; done
    fi
    tcp_open 127.0.0.1 56379 && die "something else listens on 127.0.0.1:56379 and does not take the password in ${dir#"$NEXUS_ROOT/"}/password; stop it or set NEXUS_REDIS__URL"
  fi
  (umask 077; printf 'requirepass %s\n' "$password" > "$dir/redis.conf")
  say "starting Redis on 127.0.0.1:56379 (password in ${dir#"$NEXUS_ROOT/"}/password)"
  redis-server "$dir/redis.conf" --port 56379 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 50); do tcp_open 127.0.0.1 56379 && break; sleep 0.1; done
  STARTED_REDIS="$dir/redis.pid"
}

# redact_url URL : URL with the password replaced by *** (for printing).
redact_url() { sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#' <<<"$1"; }

# Stops what ensure_postgres/ensure_redis started (nothing they merely found running).
stop_started_dependencies() {
  if [ -n "$STARTED_REDIS" ] && [ -f "$STARTED_REDIS" ]; then kill "$(cat "$STARTED_REDIS")" 2>/dev/null || true; fi
  if [ -n "$STARTED_POSTGRES" ]; then $STARTED_POSTGRES stop -m fast >/dev/null 2>&1 || true; fi
}

NEXUS_SERVICES=(gateway auth analysis bounty user reputation notification scanner chain-listener)
