#!/usr/bin/env bash
# Fails when a shipped configuration (docker-compose.yml, deploy/**/*.yaml) carries a password,
# a Secret with values, or a Redis that accepts clients without authentication.
#   deploy/check-manifests.sh [file...]     (default: every shipped configuration)
# Placeholders are fine: ${VAR...}, $VAR, <...>. Comments are checked too: a password in an
# example command is a password in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  files=("$@")
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
