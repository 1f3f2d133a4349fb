//! Pure logic: no I/O, no clock of its own (time is passed in), unit-tested here.
//!
//! - [`totp`]: RFC 6238 codes, base32 secrets, `otpauth://` URIs, replay-safe verification.
//! - [`lockout`]: the per-account progressive delay and soft lock.
//! - [`secrets`]: random tokens, API keys and recovery codes, and how they are hashed.
//! - [`envelope`]: AES-256-GCM encryption of TOTP secrets under rotatable named keys.

pub mod envelope;
pub mod lockout;
pub mod secrets;
pub mod totp;
