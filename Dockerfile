# One image for the whole platform: the nine service binaries, `nexus-chain` (contract
# deployment) and the built dashboard, which nexus-gateway serves at `/`. A container runs one
# service, chosen by its command:
#
#   docker build -t nexus-security .
#   docker run nexus-security nexus-bounty          # a service (listens on 8080, metrics on 9090)
#   docker run nexus-security nexus-auth migrate    # apply the database migrations and exit
#   docker run nexus-security nexus-chain deploy --rpc-url ...   (key in NEXUS_DEPLOYER_PRIVATE_KEY)
#
# No secret is baked in: database and Redis URLs, the service token, signing keys, the relayer
# key and the chain RPC URL come from the environment and mounted files at run time
# (docker-compose.yml, deploy/k8s/, docs/OPERATIONS.md). The image runs as the unprivileged user
# 10001 and writes nothing outside /tmp and /var/lib/nexus, so it works with a read-only root
# file system. Not built in this repository's CI, whose machines have no Docker engine and cannot
# pull base images; docker-compose.yml and deploy/k8s/ are validated without it.

# --- the dashboard (static files) ---------------------------------------------------------------
FROM node:20-bookworm-slim AS dashboard
WORKDIR /dashboard
# The lockfile alone first, so a source change does not reinstall the packages.
COPY dashboard/package.json dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY dashboard/ ./
RUN npm run build

# --- the binaries -------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
# mold: .cargo/config.toml links with it.
RUN apt-get update && apt-get install -y --no-install-recommends mold \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The sqlx query macros compile against the committed .sqlx/ query data: no database at build time.
ENV SQLX_OFFLINE=true
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bins \
        -p nexus-gateway -p nexus-auth -p nexus-analysis -p nexus-bounty -p nexus-user \
        -p nexus-reputation -p nexus-notification -p nexus-scanner -p nexus-chain-listener \
        -p nexus-chain \
    && mkdir /out \
    && for binary in nexus-gateway nexus-auth nexus-analysis nexus-bounty nexus-user \
        nexus-reputation nexus-notification nexus-scanner nexus-chain-listener nexus-chain; do \
         cp "target/release/$binary" /out/; \
       done

# --- the runtime image --------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 nexus \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/nexus --shell /usr/sbin/nologin nexus \
    && mkdir -p /var/lib/nexus/auth /var/lib/nexus/samples /var/lib/nexus/chain /usr/share/nexus \
    && chown -R 10001:10001 /var/lib/nexus
COPY --from=build /out/ /usr/local/bin/
COPY --from=dashboard /dashboard/dist/ /usr/share/nexus/dashboard/
# Relative paths in the services' defaults (.nexus/...) resolve here; deployments set explicit
# paths (mounted volumes and secrets) instead. The directories exist owned by the service user so
# that a named volume mounted on one (docker-compose.yml: auth keys, samples, the chain's
# deployments file) starts out writable by it.
WORKDIR /var/lib/nexus
USER 10001:10001
ENV NEXUS_SERVER__HTTP_ADDR=0.0.0.0:8080 \
    NEXUS_SERVER__ADMIN_ADDR=0.0.0.0:9090 \
    NEXUS_TELEMETRY__LOG_FORMAT=json \
    NEXUS_GATEWAY__DASHBOARD__DIR=/usr/share/nexus/dashboard
EXPOSE 8080 9090
# No ENTRYPOINT: the command names the service (docker-compose.yml, deploy/k8s/).
CMD ["nexus-gateway"]
