//! The analysts' actions (commit, reveal, dispute, resolve, claim, refund, stake): what the
//! handlers read beyond the bounty row (the settlement facts the chain confirmed) and the
//! queueing of the relayed call, answered with its job.

use nexus_db::DbError;
use uuid::Uuid;

use super::Store;
use crate::error::BountyError;
use crate::relayer::NewTransaction;
use crate::relayer::job::TransactionView;

/// What the chain confirmed about a bounty's resolution and payouts (`bounty.lifecycle_inputs`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettlementFacts {
    /// The dispute deadline (unix seconds), once resolved.
    pub dispute_deadline: Option<i64>,
    /// The arbitration deadline (unix seconds), once disputed.
    pub arbitration_deadline: Option<i64>,
    /// An arbiter ruled.
    pub decided: bool,
    /// The creator's reward was refunded.
    pub creator_refunded: bool,
}

impl SettlementFacts {
    /// Whether payouts are open at chain time `now` (the contract's `isFinal`).
    pub fn is_final(&self, now: i64) -> bool {
        if self.decided {
            return true;
        }
        match (self.dispute_deadline, self.arbitration_deadline) {
            (Some(_), Some(arbitration)) => now > arbitration,
            (Some(dispute), None) => now > dispute,
            (None, _) => false,
        }
    }

    /// Whether the result may still be disputed at chain time `now`.
    pub fn is_disputable(&self, now: i64) -> bool {
        matches!(
            (self.dispute_deadline, self.arbitration_deadline, self.decided),
            (Some(dispute), None, false) if now <= dispute
        )
    }
}

impl Store {
    /// The settlement facts of bounty `id`.
    pub async fn settlement_facts(&self, id: Uuid) -> Result<SettlementFacts, BountyError> {
        let rows = sqlx::query!(
            "SELECT kind, first_deadline FROM bounty.lifecycle_inputs \
             WHERE bounty_id = $1 \
             AND kind IN ('resolved', 'dispute_opened', 'dispute_decided', 'creator_refunded') \
             ORDER BY seq",
            id,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        let mut facts = SettlementFacts::default();
        for row in rows {
            match row.kind.as_str() {
                "resolved" => facts.dispute_deadline = row.first_deadline,
                "dispute_opened" => facts.arbitration_deadline = row.first_deadline,
                "dispute_decided" => facts.decided = true,
                _ => facts.creator_refunded = true,
            }
        }
        Ok(facts)
    }

    /// Queues `new` (idempotent on its key: the same intent or call again returns the job queued
    /// first) and returns the job as the API shows it.
    pub async fn queue_action(&self, new: NewTransaction) -> Result<TransactionView, BountyError> {
        let id = self.queue(new).await?;
        self.transaction(id).await?.ok_or_else(|| {
            BountyError::Internal(format!("the job {id} just queued cannot be read"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payouts_open_after_the_dispute_window_or_the_arbitration_or_a_ruling() {
        let resolved = SettlementFacts {
            dispute_deadline: Some(100),
            ..SettlementFacts::default()
        };
        assert!(resolved.is_disputable(100) && !resolved.is_final(100));
        assert!(!resolved.is_disputable(101) && resolved.is_final(101));
        let disputed = SettlementFacts {
            arbitration_deadline: Some(200),
            ..resolved
        };
        assert!(!disputed.is_disputable(50) && !disputed.is_final(150));
        assert!(disputed.is_final(201));
        let decided = SettlementFacts {
            decided: true,
            ..disputed
        };
        assert!(decided.is_final(150));
        assert!(!SettlementFacts::default().is_final(i64::MAX));
    }
}
