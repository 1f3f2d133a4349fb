//! Pure rules of the notification service: no I/O, no framework, unit- and property-tested next to
//! the code: the notice and its kinds, preference resolution (which channels a notice goes to),
//! unsubscribe tokens, and what each source event tells whom.
//!
//! One file per concept (`domain/<concept>.rs`), each with its own error type that
//! [`NotificationError`](crate::error::NotificationError) wraps.

pub mod notice;
pub mod preferences;
pub mod sources;
pub mod unsubscribe;
