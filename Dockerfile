# One image per service: docker build --build-arg SERVICE=nexus-bounty -t nexus-bounty .
# (Not exercised in this repository's CI, whose machines have no Docker engine.)
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends mold && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ARG SERVICE
# The sqlx query macros compile against the committed .sqlx/ query data: no database at build time.
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked -p "${SERVICE}" && cp "target/release/${SERVICE}" /service

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 nexus
COPY --from=build /service /usr/local/bin/service
USER 10001
ENV NEXUS_SERVER__HTTP_ADDR=0.0.0.0:8080 NEXUS_SERVER__ADMIN_ADDR=0.0.0.0:9090 NEXUS_TELEMETRY__LOG_FORMAT=json
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/service"]
