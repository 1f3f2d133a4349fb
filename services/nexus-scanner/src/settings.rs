//! `[scanner]` settings (`NEXUS_SCANNER__<KEY>`).
//!
//! None yet: each key arrives with the code that reads it, with its default here and its
//! checks in [`Validate`]. Like every section a service reads, an unknown key in `[scanner]`
//! is refused at start rather than silently ignored.

use nexus_config::Validate;
use serde::Deserialize;

/// The scanner service's own settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerSettings {}

impl Validate for ScannerSettings {
    fn validate(&self, _problems: &mut Vec<String>) {}
}
