//! The relayer's transaction queue and nonces (schema `bounty`). To be written with the
//! marketplace (issue 15).
