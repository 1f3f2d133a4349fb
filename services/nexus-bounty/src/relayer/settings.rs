//! The relayer's settings, a part of `[bounty]`.

use nexus_config::Validate;
use serde::Deserialize;

/// The relayer's settings (none yet).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RelayerSettings {}

impl Validate for RelayerSettings {
    fn validate(&self, _problems: &mut Vec<String>) {}
}
