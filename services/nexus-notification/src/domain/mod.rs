//! Pure rules of the notification service: no I/O, no framework, unit- and property-tested next to
//! the code. Planned: preference resolution (which channels a notice goes to), unsubscribe tokens,
//! Standard Webhooks signatures, the retry schedule.
//!
//! One file per concept (`domain/<concept>.rs`), each with its own error type that
//! [`NotificationError`](crate::error::NotificationError) wraps.

pub mod notice;
