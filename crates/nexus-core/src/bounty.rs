//! Bounties: what a bounty is about ([`artifact`]), the terms a creator may ask for under the
//! governed parameters ([`terms`]), and its life cycle as a state machine driven by confirmed chain
//! events ([`lifecycle`]).
//!
//! Shared by the bounty service (its read model and its checks before anything is queued for the
//! chain) and by whoever else reasons about bounties (the chain listener, reputation), so the rules
//! exist once. Everything here mirrors `contracts/src/BountyContract.sol`: the contract is the
//! authority, this module predicts and follows it.

pub mod artifact;
pub mod lifecycle;
pub mod terms;

pub use artifact::{Artifact, ArtifactError, ArtifactKind};
pub use lifecycle::{Account, Effect, Lifecycle, LifecycleError, LifecycleEvent, Phase};
pub use terms::{GovernedParameters, Terms, TermsError};
