//! Integration tests of nexus-bus against the real Redis (`TEST_NEXUS_REDIS_URL`, default
//! `redis://127.0.0.1:6379`). Every test uses its own key prefix and deletes its keys at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
mod crash_recovery;
mod dead_letter_hook;
mod dead_letters;
mod failures;
mod handlers;
mod idempotency;
mod live;
mod outstanding;
mod streams;
