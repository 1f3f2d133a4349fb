//! The relayer: sends the transactions the bounty service queued (signed user intents wrapped in
//! calls to the contracts), paying the gas with the platform's relayer key; it never holds a
//! user's key. To be written with the marketplace (issue 15).

pub mod settings;

pub use settings::RelayerSettings;
