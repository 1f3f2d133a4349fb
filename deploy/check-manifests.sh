#!/usr/bin/env bash
# Checks every shipped deployment configuration; run by scripts/test.sh, fast (under a minute
# warm) and offline. Without arguments:
#
# 1. secrets: no configuration (docker-compose.yml, deploy/**/*.yaml|yml) carries a password, a
#    Secret with values, or a Redis that accepts clients without authentication;
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
# Placeholders are fine in step 1: ${VAR...}, $VAR, <...>. Comments are checked too: a password
# in an example command is a password in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
only_secrets=""
if [ $# -gt 0 ]; then
  files=("$@")
  only_secrets=1
else
  mapfile -t files < <(ls docker-compose.yml 2>/dev/null; find deploy -name '*.yaml' -o -name '*.yml' | sort)
fi
problems=0
problem() { echo "check-manifests: $1" >&2; problems=$((problems + 1)); }

for file in "${files[@]}"; do
  # 1. Secrets are created by the operator, never shipped with values.
  if grep -Eq '^kind:[[:space:]]*Secret' "$file"; then
    problem "$file ships a Secret; document the kubectl command that creates it instead"
  fi
  # 2. Credentials in URLs must be placeholders: scheme://user:password@ or scheme://:password@.
  while IFS= read -r line; do
    password=$(sed -E 's#.*://[^:/@[:space:]]*:([^@[:space:]]*)@.*#\1#' <<<"$line")
    case "$password" in
      '$'*|'<'*'>'|'${'*) ;;
      *) problem "$file has a literal password in a URL: ${line#"${line%%[![:space:]]*}"}" ;;
    esac
  done < <(grep -E '[a-z]+://[^:/@[:space:]]*:[^@[:space:]]+@' "$file" || true)
  # 3. Password settings must be placeholders, and no database may trust every client.
  while IFS= read -r line; do
    value=$(sed -E 's#^[^:=]*[:=][[:space:]]*"?([^"[:space:]]*)"?.*#\1#' <<<"$line")
    case "$value" in
      '$'*|'<'*'>'|'${'*|'') ;;
      *) problem "$file sets a literal password: ${line#"${line%%[![:space:]]*}"}" ;;
    esac
  done < <(grep -Ei '^[[:space:]#-]*[A-Za-z_]*PASSWORD[A-Za-z_]*[[:space:]]*[:=]' "$file" | grep -Eiv 'valueFrom|secretKeyRef|PASSWORD=\$\(' || true)
  if grep -Eiq 'HOST_AUTH_METHOD[[:space:]]*[:=][[:space:]]*"?trust' "$file"; then
    problem "$file lets PostgreSQL trust every client"
  fi
  # 4. Redis: every redis-server requires a password (or an ACL file), and every Redis URL
  #    outside comments carries credentials.
  if grep -Eq 'image:[[:space:]]*"?redis' "$file" && ! grep -Eq -- '--requirepass|--aclfile' "$file"; then
    problem "$file runs Redis without --requirepass or --aclfile"
  fi
  while IFS= read -r line; do
    problem "$file has a Redis URL without credentials: ${line#"${line%%[![:space:]]*}"}"
  done < <(grep -E 'rediss?://[^@[:space:]"]*($|[[:space:]"])' "$file" | grep -Ev 'rediss?://[^[:space:]"]*@' || true)
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
