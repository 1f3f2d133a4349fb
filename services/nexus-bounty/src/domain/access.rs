//! A bounty as the policies see it (`nexus_policy::Resource::Bounty`).
//!
//! The policies' status vocabulary (`nexus_policy::BountyStatus`: open, revealing, resolved,
//! disputed, expired, cancelled) predates the life cycle's phases, so each phase is mapped to the
//! status whose rules fit it, never to one that grants more:
//!
//! | phase | policy status | why |
//! |---|---|---|
//! | draft, pending | `cancelled` | not on chain: nothing can be asserted, resolved or disputed; reading needs no status |
//! | open | `open` | |
//! | revealing | `revealing` | |
//! | resolving | `revealing` | the reveal window closed and resolution is due, which `bounty-resolve` grants on `revealing` |
//! | resolved | `resolved` | |
//! | disputed, decided | `disputed` | a bounty is disputed once at most, so neither may be disputed again |
//! | expired, refunded | `expired` | |
//!
//! Until nexus-policy gains the phases themselves, this table is the one place that decides.

use nexus_core::bounty::Phase;
use nexus_policy::{BountyStatus, Resource};

/// The policies' status for `phase` (see the table above).
pub fn policy_status(phase: Phase) -> BountyStatus {
    match phase {
        Phase::Draft | Phase::Pending => BountyStatus::Cancelled,
        Phase::Open => BountyStatus::Open,
        Phase::Revealing | Phase::Resolving => BountyStatus::Revealing,
        Phase::Resolved => BountyStatus::Resolved,
        Phase::Disputed | Phase::Decided => BountyStatus::Disputed,
        Phase::Expired | Phase::Refunded => BountyStatus::Expired,
    }
}

/// The resource for a bounty with these facts.
pub fn resource(id: &str, creator_id: &str, phase: Phase, is_public: bool) -> Resource {
    Resource::Bounty {
        id: id.to_owned(),
        owner: creator_id.to_owned(),
        status: policy_status(phase),
        is_public,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_phases_on_chain_map_to_statuses_that_allow_acting() {
        for phase in Phase::ALL {
            let status = policy_status(phase);
            let acting = matches!(
                status,
                BountyStatus::Open | BountyStatus::Revealing | BountyStatus::Resolved
            );
            let on_chain = !matches!(phase, Phase::Draft | Phase::Pending);
            assert!(!acting || on_chain, "{phase} maps to {status:?}");
        }
    }
}
