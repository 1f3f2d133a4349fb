//! `[notification]` settings (`NEXUS_NOTIFICATION__<KEY>`).
//!
//! None yet: each key arrives with the code that reads it, with its default here and its
//! checks in [`Validate`]. As in every section a service reads, an unknown key in
//! `[notification]` is refused at start (nexus-config's loader), not silently ignored.

use nexus_config::Validate;
use serde::Deserialize;

/// The notification service's own settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NotificationSettings {}

impl Validate for NotificationSettings {
    fn validate(&self, _problems: &mut Vec<String>) {}
}
