//! The webhook channel, Standard Webhooks 1.0 (<https://www.standardwebhooks.com>): each notice a
//! user's endpoint subscribes to becomes one message, signed with the endpoint's `whsec_` secret,
//! same `webhook-id` until the endpoint answers 2xx (docs/NOTIFICATIONS.md, "Webhooks").
//!
//! - [`payload`]: the body and the `webhook-id`, fixed when the message is queued.

pub mod payload;
