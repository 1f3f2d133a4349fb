//! Integration tests of nexus-client against a real HTTP server on 127.0.0.1, port 0.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod breaker;
mod calls;
mod metrics;
mod retries;
mod server;
mod typed;
