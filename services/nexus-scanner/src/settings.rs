//! `[scanner]` settings (`NEXUS_SCANNER__<KEY>`).
//!
//! None yet: each key arrives with the code that reads it, with its default here and its
//! checks in [`Validate`]. As in every section a service reads, an unknown key in
//! `[scanner]` is refused at start (nexus-config's loader), not silently ignored.

use nexus_config::Validate;
use serde::Deserialize;

/// The scanner service's own settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScannerSettings {}

impl Validate for ScannerSettings {
    fn validate(&self, _problems: &mut Vec<String>) {}
}
