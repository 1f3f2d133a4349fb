#!/usr/bin/env bash
# Checks every shipped deployment configuration; run by scripts/test.sh, fast (under a minute
# warm) and offline. Without arguments:
#
# 1. secrets: no configuration (docker-compose*.yml, compose*.yaml, deploy/**/*.yaml|yml,
#    config/*.toml) carries a password, a default password (`${VAR:-secret}`), a Secret with
#    values, a Redis that accepts clients without authentication, or a Redis URL without a
#    password. These checks test themselves first on known-bad and known-good lines (a check
#    that reports nothing on its bad cases fails the run);
# 2. Kubernetes: both overlays build (`kubectl kustomize`), every object validates against the
#    Kubernetes schemas offline (kubernetes-validate), every service in services/ has its
#    Deployment, Service, PodDisruptionBudget and NetworkPolicy, and the wiring holds
#    (deploy/tests/check_k8s.py);
# 3. docker-compose.yml: `docker compose config` when a Docker engine is here, and always the
#    structural checks of deploy/tests/check_compose.py (this repository's CI has no Docker);
# 4. observability: Prometheus config and alert rules (`promtool check`), the rules' unit tests
#    (`promtool test rules`), and every metric a dashboard or rule queries exported by the code
#    (deploy/tests/check_observability.py).
#
# The Python checks run their own self-tests (known breakages must be reported), so they cannot
# pass by checking nothing. Missing tools are installed the project's way (scripts/lib.sh):
# kubectl (or Debian's kubernetes-client) and promtool (Debian package `prometheus`) with apt-get, kubernetes-validate with pip
# into .nexus/deploy-venv when the system Python lacks it. Never a binary download.
#
#   deploy/check-manifests.sh            everything
#   deploy/check-manifests.sh FILE...    only the secret checks (1), on these files
#
# Placeholders are fine in step 1: $VAR, ${VAR}, ${VAR:?message}, $(command), <...>; a default
# (${VAR:-value}, ${VAR-value}, ${VAR:=value}) is a literal password that ships whenever the
# variable is unset. Comments are checked too: a password in an example command is a password in
# the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
only_secrets=""
if [ $# -gt 0 ]; then
  files=("$@")
  only_secrets=1
else
  mapfile -t files < <(ls docker-compose*.yml docker-compose*.yaml compose*.yml compose*.yaml config/*.toml 2>/dev/null
                       find deploy -name '*.yaml' -o -name '*.yml' | sort)
fi
problems=0
problem() { echo "check-manifests: $1" >&2; problems=$((problems + 1)); }

# is_placeholder VALUE : true when VALUE names a secret kept elsewhere instead of holding one.
# Quotes and backslashes around it are ignored; compose's `$$VAR` is a shell variable.
is_placeholder() {
  local value="${1//\\/}"
  value="${value//\"/}"
  value="${value//\'/}"
  [[ "$value" =~ ^\$\$?[A-Za-z_][A-Za-z0-9_]*$ ]] ||
    [[ "$value" =~ ^\$\$?\{[A-Za-z_][A-Za-z0-9_]*(\}$|:?\?) ]] ||
    [[ "$value" =~ ^\$\(.*\)$ ]] ||
    [[ "$value" =~ ^\<[^\>]+\>$ ]]
}

# trimmed LINE : LINE without its leading blanks (for messages).
trimmed() { printf '%s' "${1#"${1%%[![:space:]]*}"}"; }

check_secrets() {
  local file="$1" line password value
  # 1. Secrets are created by the operator, never shipped with values.
  if grep -Eq '^kind:[[:space:]]*Secret' "$file"; then
    problem "$file ships a Secret; document the kubectl command that creates it instead"
  fi
  # 2. Credentials in URLs must be placeholders: scheme://user:password@ or scheme://:password@.
  while IFS= read -r line; do
    password=$(sed -E 's#.*://[^:/@[:space:]]*:([^@[:space:]]*)@.*#\1#' <<<"$line")
    if [ -n "$password" ] && ! is_placeholder "$password"; then
      problem "$file has a literal password in a URL: $(trimmed "$line")"
    fi
  done < <(grep -E '[a-z]+://[^:/@[:space:]]*:[^@[:space:]]+@' "$file" || true)
  # 3. Password settings must be placeholders, and no database may trust every client.
  while IFS= read -r line; do
    value=$(sed -E 's#^[^:=]*[:=][[:space:]]*"?([^"[:space:]]*)"?.*#\1#' <<<"$line")
    if [ -n "$value" ] && ! is_placeholder "$value"; then
      problem "$file sets a literal password: $(trimmed "$line")"
    fi
  done < <(grep -Ei '^[[:space:]#-]*[A-Za-z_]*PASSWORD[A-Za-z_]*[[:space:]]*[:=]' "$file" | grep -Eiv 'valueFrom|secretKeyRef|PASSWORD=\$\(' || true)
  if grep -Eiq 'HOST_AUTH_METHOD[[:space:]]*[:=][[:space:]]*"?trust' "$file"; then
    problem "$file lets PostgreSQL trust every client"
  fi
  # 4. Redis: every redis-server requires a password (or an ACL file) that is not written here,
  #    and every Redis URL outside comments carries a password.
  if grep -Eq 'image:[[:space:]]*"?redis' "$file" && ! grep -Eq -- '--requirepass|--aclfile' "$file"; then
    problem "$file runs Redis without --requirepass or --aclfile"
  fi
  while IFS= read -r line; do
    value=$(sed -E "s#.*requirepass[\"',[:space:]=]+##; s#[]\",[:space:]]*\$##" <<<"$line")
    if ! is_placeholder "$value"; then
      problem "$file gives Redis a literal password: $(trimmed "$line")"
    fi
  done < <(grep -E -- "--requirepass[\"',[:space:]=]+[^[:space:])]|^[[:space:]#]*requirepass[[:space:]]+[^[:space:]]" "$file" || true)
  while IFS= read -r line; do
    problem "$file has a Redis URL without credentials: $(trimmed "$line")"
  done < <(grep -E 'rediss?://[^@[:space:]"]*($|[[:space:]"])' "$file" | grep -Ev 'rediss?://[^[:space:]"]*@' || true)
  while IFS= read -r line; do
    problem "$file has a Redis URL with a user but no password: $(trimmed "$line")"
  done < <(grep -E 'rediss?://([^:@/[:space:]"]*|[^:@/[:space:]"]*:)@' "$file" || true)
}

# The checks above on lines they must refuse and lines they must accept, so a broken pattern
# cannot pass every file by reporting nothing.
self_test_secrets() {
  local dir case_file expected output failed=0 index=0
  dir="$(mktemp -d)"
  while IFS='|' read -r expected line; do
    index=$((index + 1))
    case_file="$dir/case$index.yaml"
    printf '%s\n' "$line" >"$case_file"
    output="$( (problems=0; check_secrets "$case_file"; echo "problems=$problems") 2>&1 )"
    if [ "$expected" = ok ]; then
      [[ "$output" == *"problems=0"* ]] || { echo "check-manifests: self-test: refused a good line: $line ($output)" >&2; failed=1; }
    else
      [[ "$output" == *"$expected"* ]] || { echo "check-manifests: self-test: missed \"$expected\" in: $line" >&2; failed=1; }
    fi
  done <<'CASES'
a literal password in a URL|  NEXUS_DATABASE__URL: postgres://postgres:hunter2@postgres:5432/nexus
a literal password in a URL|  NEXUS_REDIS__URL: redis://:${NEXUS_REDIS_PASSWORD:-changeme}@redis:6379
a literal password in a URL|#   NEXUS_REDIS__URL="redis://:foobared@127.0.0.1:6379" scripts/dev.sh
Redis URL without credentials|  NEXUS_REDIS__URL: redis://redis:6379
Redis URL without credentials|url = "redis://127.0.0.1:6379"
a user but no password|  NEXUS_REDIS__URL: redis://default@redis:6379
a user but no password|  NEXUS_REDIS__URL: rediss://:@redis:6379
sets a literal password|      POSTGRES_PASSWORD: postgres
sets a literal password|      REDIS_PASSWORD: ${NEXUS_REDIS_PASSWORD:-redis}
sets a literal password|      GF_SECURITY_ADMIN_PASSWORD: ${NEXUS_GRAFANA_PASSWORD-admin}
gives Redis a literal password|    command: ["redis-server", "--requirepass", "foobared"]
gives Redis a literal password|    command: ["sh", "-c", "exec redis-server --requirepass changeme"]
gives Redis a literal password|requirepass foobared
gives Redis a literal password|    command: ["sh", "-c", "exec redis-server --requirepass ${REDIS_PASSWORD:-redis}"]
runs Redis without --requirepass|    image: redis:7
trust every client|      POSTGRES_HOST_AUTH_METHOD: trust
ships a Secret|kind: Secret
ok|  NEXUS_REDIS__URL: redis://:${NEXUS_REDIS_PASSWORD}@redis:6379
ok|  NEXUS_REDIS__URL: redis://nexus:$REDIS_PASSWORD@redis:6379
ok|  NEXUS_REDIS__URL: "redis://:<password>@redis.example:6379"
ok|      REDIS_PASSWORD: ${NEXUS_REDIS_PASSWORD:?set NEXUS_REDIS_PASSWORD (run deploy/compose-env.sh)}
ok|    command: ["sh", "-c", "exec redis-server --appendonly yes --requirepass \"$$REDIS_PASSWORD\""]
ok|          command: ["sh", "-c", "exec redis-server --requirepass \"$REDIS_PASSWORD\""]
ok|#   nexus-redis            password (Redis's own --requirepass)
ok|              valueFrom: {secretKeyRef: {name: nexus-redis, key: password}}
ok|  NEXUS_TELEMETRY__OTLP_ENDPOINT: http://otel-collector:4318
CASES
  rm -rf "$dir"
  if [ "$failed" -ne 0 ]; then
    echo "check-manifests: the secret checks failed their self-test" >&2
    exit 1
  fi
}

self_test_secrets
for file in "${files[@]}"; do
  check_secrets "$file"
done

if [ "$problems" -gt 0 ]; then
  echo "check-manifests: $problems problem(s) in the shipped configurations" >&2
  exit 1
fi
echo "check-manifests: ${#files[@]} files, no passwords, every Redis authenticated"
[ -n "$only_secrets" ] && exit 0

source scripts/lib.sh

# Python with PyYAML and kubernetes-validate (pinned: its bundled schemas are the check).
KUBERNETES_VALIDATE="kubernetes-validate==1.37.0"
python=python3
if ! python3 -c 'import yaml, kubernetes_validate' 2>/dev/null; then
  venv="$NEXUS_STATE/deploy-venv"
  if ! "$venv/bin/python" -c 'import yaml, kubernetes_validate' 2>/dev/null; then
    command -v python3 >/dev/null || ensure_apt python3
    python3 -m venv "$venv" 2>/dev/null || { ensure_apt python3-venv; python3 -m venv "$venv"; }
    say "installing $KUBERNETES_VALIDATE (pip, into ${venv#"$NEXUS_ROOT/"})"
    "$venv/bin/pip" install -q "$KUBERNETES_VALIDATE" pyyaml
  fi
  python="$venv/bin/python"
fi
# kubectl: the Kubernetes project's package where its apt repository is configured, else
# Debian's own (older, but the overlays are written in the kustomize dialect it reads).
command -v kubectl >/dev/null || (ensure_apt kubectl) 2>/dev/null || ensure_apt kubernetes-client
if ! command -v promtool >/dev/null; then
  ensure_apt prometheus
  # Only promtool is wanted: the package also starts a Prometheus server on :9090, which is the
  # gateway's admin port under scripts/dev.sh.
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

failed=0
run() { "$@" || { echo "check-manifests: failed: $*" >&2; failed=$((failed + 1)); }; }

run "$python" deploy/tests/check_k8s.py --self-test
if docker compose version >/dev/null 2>&1; then
  # Placeholder values for .env's variables: the file's structure is checked, not a stack.
  env_file="$(mktemp)"
  sed -n 's/^add \([A-Z_]*\) .*/\1=placeholder/p' deploy/compose-env.sh >"$env_file"
  run docker compose --env-file "$env_file" -f docker-compose.yml config --quiet
  rm -f "$env_file"
else
  echo "check-manifests: no \`docker compose\` here; docker-compose.yml gets the structural checks only"
fi
run "$python" deploy/tests/check_compose.py --self-test
run promtool check config --syntax-only deploy/prometheus/prometheus.yml
run promtool check rules deploy/prometheus/rules/*.yml
run promtool test rules deploy/prometheus/tests/*.yml
run "$python" deploy/tests/check_observability.py
# The cluster scrape job uses Kubernetes discovery, which Debian's promtool is built without:
# it is checked as YAML here.
run "$python" -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' deploy/prometheus/kubernetes-scrape.yml

if [ "$failed" -gt 0 ]; then
  echo "check-manifests: $failed check(s) failed" >&2
  exit 1
fi
echo "check-manifests: Kubernetes overlays, docker-compose.yml, alert rules and dashboards are consistent"
