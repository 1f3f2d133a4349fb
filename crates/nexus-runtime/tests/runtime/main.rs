//! The runtime against real PostgreSQL and Redis: readiness, graceful shutdown, workers,
//! the outbox relay and exactly-once effects.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod caller;
mod document_server;
mod not_ready;
mod openapi;
mod outbox;
mod policies;
mod probe;
mod readiness;
mod redis_keys;
mod settings_policy;
mod shutdown;
mod tokens;
mod workers_hook;
