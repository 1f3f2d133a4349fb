//! Wire types shared by every Nexus process and its clients.
//!
//! Layout:
//! - [`error`]: the one JSON error body every endpoint returns on failure.
//! - [`event`]: the [`Event`] trait and the [`Envelope`] every bus message travels in.
//! - [`health`]: the bodies of `/health` and `/ready`.
//! - [`report`]: the versioned static-analysis report.
//!
//! Architecture invariant: this crate depends on serde and plain data types only (no web framework,
//! no database, no async runtime). If a type is serializable, it is part of some IPC boundary and
//! belongs here.

pub mod error;
pub mod event;
pub mod health;
pub mod report;

pub use error::ErrorBody;
pub use event::{Envelope, Event};
