//! Domain types and rules of Nexus Security, with no I/O.
//!
//! Architecture invariant: this crate depends on no framework, database, network or async runtime
//! (checked by `tests/architecture.rs` in the end-to-end crate). Everything here is pure and
//! property-tested, so settlement and reputation rules can be trusted wherever they are used.

pub mod account;
pub mod bounty;
pub mod chain_address;
pub mod hex;
pub mod reputation;
pub mod role;
/// Bounty settlement: stake-weighted outcome, fee, shares and rounding, mirroring `BountyContract`.
pub mod settlement;
pub mod sha256;
pub mod user_id;

pub use account::{AccountStatus, ApiKeyTier, UnknownName};
pub use chain_address::{ChainAddress, ChainAddressError};
pub use role::Role;
pub use sha256::{Sha256, Sha256Error};
pub use user_id::{InvalidUserId, UserId};
