//! Wire types shared by every Nexus process and its clients.
//!
//! Layout:
//! - [`error`]: the one JSON error body every endpoint returns on failure.
//! - [`event`]: the [`Event`] trait and the [`Envelope`] every bus message travels in.
//! - [`health`]: the bodies of `/health` and `/ready`.
//! - [`report`]: the versioned static-analysis report.
//! - [`analysis`], [`user`], [`auth`], [`reputation`]: each service's REST bodies and events;
//!   [`bounty`], [`notification`]: the streams of services whose events are not written yet.
//! - [`chain`], [`chain_proposals`]: the chain listener's events and read API.
//! - [`ws`]: the gateway's WebSocket messages.
//!
//! Architecture invariant: this crate depends on serde and plain data types only (no web framework,
//! no database, no async runtime). If a type is serializable, it is part of some IPC boundary and
//! belongs here.

pub mod analysis;
pub mod auth;
pub mod bounty;
pub mod bounty_actions;
pub mod bounty_intents;
pub mod bounty_me;
pub mod chain;
pub mod chain_proposals;
pub mod error;
pub mod event;
pub mod health;
pub mod notification;
pub mod report;
pub mod reputation;
pub mod user;
mod whole_number;
pub mod ws;

pub use error::ErrorBody;
pub use event::{Envelope, Event};
/// The domain newtypes wire fields are typed with (they serialize as the plain strings the
/// fields always were), re-exported so a client of these types needs no second dependency.
pub use nexus_core::{AccountStatus, ApiKeyTier, ChainAddress, Sha256, UserId};
