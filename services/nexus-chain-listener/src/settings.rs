//! `[chain_listener]` settings (`NEXUS_CHAIN_LISTENER__<KEY>`).
//!
//! None yet: each key arrives with the code that reads it, with its default here and its
//! checks in [`Validate`]. As in every section a service reads, an unknown key in
//! `[chain_listener]` is refused at start (nexus-config's loader), not silently ignored.

use nexus_config::Validate;
use serde::Deserialize;

/// The chain listener's own settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChainListenerSettings {}

impl Validate for ChainListenerSettings {
    fn validate(&self, _problems: &mut Vec<String>) {}
}
