//! The chain listener's wire types and confirmed chain events (to be written with the
//! marketplace, issue 15).
