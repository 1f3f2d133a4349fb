//! The life-cycle phase (`nexus_core::bounty::Phase`) and its wire twin
//! (`nexus_proto::bounty::BountyStatus`), one to one; and the stored artifact kind's wire twin.

use nexus_core::bounty::{ArtifactKind as CoreKind, Phase};
use nexus_proto::bounty::{ArtifactKind, BountyStatus};

/// The wire kind of a stored `artifact_kind` (nexus-core's names); `None` for any other text.
pub fn artifact_kind(name: &str) -> Option<ArtifactKind> {
    CoreKind::parse(name).map(|kind| match kind {
        CoreKind::File => ArtifactKind::File,
        CoreKind::Url => ArtifactKind::Url,
        CoreKind::Contract => ArtifactKind::Contract,
    })
}

/// `phase` on the wire.
pub fn wire(phase: Phase) -> BountyStatus {
    match phase {
        Phase::Draft => BountyStatus::Draft,
        Phase::Pending => BountyStatus::Pending,
        Phase::Open => BountyStatus::Open,
        Phase::Revealing => BountyStatus::Revealing,
        Phase::Resolving => BountyStatus::Resolving,
        Phase::Resolved => BountyStatus::Resolved,
        Phase::Disputed => BountyStatus::Disputed,
        Phase::Decided => BountyStatus::Decided,
        Phase::Expired => BountyStatus::Expired,
        Phase::Refunded => BountyStatus::Refunded,
    }
}

/// The phase `status` names.
pub fn phase(status: BountyStatus) -> Phase {
    match status {
        BountyStatus::Draft => Phase::Draft,
        BountyStatus::Pending => Phase::Pending,
        BountyStatus::Open => Phase::Open,
        BountyStatus::Revealing => Phase::Revealing,
        BountyStatus::Resolving => Phase::Resolving,
        BountyStatus::Resolved => Phase::Resolved,
        BountyStatus::Disputed => Phase::Disputed,
        BountyStatus::Decided => Phase::Decided,
        BountyStatus::Expired => Phase::Expired,
        BountyStatus::Refunded => Phase::Refunded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_round_trips_and_keeps_its_name() {
        for each in Phase::ALL {
            assert_eq!(phase(wire(each)), each);
            let json = serde_json::to_value(wire(each)).unwrap_or_default();
            assert_eq!(json.as_str(), Some(each.as_str()));
        }
    }
}
