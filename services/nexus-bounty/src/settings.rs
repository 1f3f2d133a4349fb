//! `[bounty]` settings (`NEXUS_BOUNTY__<KEY>`), with two nested tables:
//!
//! - `[bounty.chain]` (`NEXUS_BOUNTY__CHAIN__<KEY>`): the node and deployments file the service
//!   reads and the relayer writes to ([`ChainSettings`], shared with every chain-facing service).
//! - `[bounty.relayer]` (`NEXUS_BOUNTY__RELAYER__<KEY>`): the relayer's key, fee caps and retry
//!   schedule ([`RelayerSettings`]).
//!
//! As in every section a service reads, an unknown key in `[bounty]` or its tables is refused at
//! start (nexus-config's loader), not silently ignored.

use nexus_chain::settings::ChainSettings;
use nexus_config::Validate;
use serde::Deserialize;

use crate::relayer::RelayerSettings;

/// The bounty service's own settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BountySettings {
    /// `[bounty.chain]`: the chain and the contracts' deployments file.
    pub chain: ChainSettings,
    /// `[bounty.relayer]`: the relayer that sends queued calls.
    pub relayer: RelayerSettings,
}

impl Validate for BountySettings {
    fn validate(&self, problems: &mut Vec<String>) {
        self.chain.validate_at("bounty.chain", problems);
        self.relayer.validate(problems);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_problems_name_the_nested_keys() {
        let mut problems = Vec::new();
        BountySettings::default().validate(&mut problems);
        assert_eq!(problems, Vec::<String>::new());
        let mut broken = BountySettings::default();
        broken.chain.deployment_file = std::path::PathBuf::new();
        broken.relayer.max_fee_per_gas = 0;
        broken.validate(&mut problems);
        assert!(
            problems
                .iter()
                .any(|problem| problem.starts_with("bounty.chain.deployment_file"))
        );
        assert!(
            problems
                .iter()
                .any(|problem| problem.starts_with("bounty.relayer.max_fee_per_gas"))
        );
    }
}
