//! The webhook channel, Standard Webhooks 1.0 (<https://www.standardwebhooks.com>): each notice a
//! user's endpoint subscribes to becomes one message, signed with the endpoint's `whsec_` secret,
//! POSTed through the SSRF-safe fetcher (nexus-fetch) and retried on a published schedule with the
//! same `webhook-id` until the endpoint answers 2xx (docs/NOTIFICATIONS.md, "Webhooks").
//!
//! - [`payload`]: the body and the `webhook-id`, fixed when the message is queued.
//! - [`signature`]: `whsec_` secrets and the `webhook-signature` header.
//! - [`schedule`]: the published retry schedule with jitter.
//! - [`delivery`]: the worker that claims, signs, sends and records.
//! - [`settings`]: `[notification.webhooks]`; [`clock`]: the injectable time source.
//! - [`error`]: the routes' refusals; [`metrics`]: deliveries by outcome, queue depth and age.

pub mod clock;
pub mod delivery;
pub mod error;
pub mod metrics;
pub mod payload;
pub mod schedule;
pub mod settings;
pub mod signature;
