//! Pure rules of the user service: no I/O, unit- and property-tested.
//!
//! - [`email`]: email validation and normalisation.
//! - [`username`]: the username alphabet and length.
//! - [`password_policy`]: length bounds and the zxcvbn strength check with its feedback.
//! - [`profile`]: bounds on profile fields.
//! - [`referral_code`]: generating and normalising referral codes.
//! - [`siwe`]: a strict parser and renderer for EIP-4361 "Sign-In with Ethereum" messages.
//! - [`wallet`]: wallet addresses and chain ids.
//! - [`ws_key`]: decoding and vetting Ed25519 public keys.

pub mod email;
pub mod password_policy;
pub mod profile;
pub mod referral_code;
pub mod siwe;
pub mod username;
pub mod wallet;
pub mod ws_key;
