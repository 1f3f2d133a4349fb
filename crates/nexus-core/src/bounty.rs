//! The bounty lifecycle (to be written with the marketplace, issue 15).
