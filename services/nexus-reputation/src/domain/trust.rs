//! Trust levels on the wire: nexus-core's levels (thresholds and unlocks are its data, written
//! up in docs/REPUTATION.md) as the API and the events show them.

use nexus_core::reputation::TrustLevel;
use nexus_proto::reputation::{self as wire, TrustUnlocks};

/// The wire form of `level`.
pub fn wire_level(level: TrustLevel) -> wire::TrustLevel {
    match level {
        TrustLevel::Newcomer => wire::TrustLevel::Newcomer,
        TrustLevel::Established => wire::TrustLevel::Established,
        TrustLevel::Trusted => wire::TrustLevel::Trusted,
        TrustLevel::Expert => wire::TrustLevel::Expert,
    }
}

/// What `level` unlocks, as the API shows it.
pub fn unlocks(level: TrustLevel) -> TrustUnlocks {
    let unlocks = level.unlocks();
    TrustUnlocks {
        rate_limit_tier: unlocks.rate_limit_tier.as_str().to_owned(),
        min_stake_discount_bps: u32::from(unlocks.min_stake_discount_bps),
        arbiter_eligible: unlocks.arbiter_eligible,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_keeps_its_name_on_the_wire() {
        for level in TrustLevel::ALL {
            assert_eq!(wire_level(level).as_str(), level.as_str());
        }
        assert!(unlocks(TrustLevel::Expert).arbiter_eligible);
        assert!(!unlocks(TrustLevel::Newcomer).arbiter_eligible);
    }
}
