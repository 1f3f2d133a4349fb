//! A relayed transaction job: what is queued ([`NewTransaction`]), its states
//! ([`TransactionStatus`]), what the API shows of it ([`TransactionView`]) and the retry schedule
//! of a failed try ([`backoff`]).

use std::fmt;
use std::time::Duration;

use alloy::primitives::{Address, B256, Bytes};
use uuid::Uuid;

use crate::relayer::fees::Fees;

/// A job's id in `bounty.transactions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(pub Uuid);

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A contract call to relay, as queued by the code that accepted the user's signed intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransaction {
    /// What the call does, lower snake case (`create_bounty`, `commit`, `reveal`, ...; the
    /// scheduler's `resolve`, `refund_creator`, `pay_treasury`, `slash_unrevealed` and
    /// `withdraw_unstaked`).
    pub kind: String,
    /// The bounty the call is about, when there is one (the API reads jobs by bounty).
    pub bounty_id: Option<Uuid>,
    /// The contract called.
    pub to: Address,
    /// The ABI-encoded call (nexus-chain's relay-call builders make it).
    pub calldata: Bytes,
    /// The intent's EIP-712 digest (or, for calls without an intent, a digest naming the action
    /// once, e.g. "resolve bounty N"): the same key is queued once.
    pub idempotency_key: B256,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    /// Waiting to be signed (the node may be unreachable; it goes out when it returns).
    Queued,
    /// Signed with a nonce and recorded; whether the node received it is not known yet.
    Sending,
    /// The node accepted it; waiting for a receipt (replaced with higher fees when stuck).
    Sent,
    /// Mined and succeeded.
    Confirmed,
    /// Reverted on chain, or refused until the attempts ran out; `last_error` says which.
    Failed,
}

impl TransactionStatus {
    /// The column value.
    pub fn as_str(self) -> &'static str {
        match self {
            TransactionStatus::Queued => "queued",
            TransactionStatus::Sending => "sending",
            TransactionStatus::Sent => "sent",
            TransactionStatus::Confirmed => "confirmed",
            TransactionStatus::Failed => "failed",
        }
    }

    /// The status a column value names (`None` for anything else).
    pub fn parse(text: &str) -> Option<Self> {
        [
            TransactionStatus::Queued,
            TransactionStatus::Sending,
            TransactionStatus::Sent,
            TransactionStatus::Confirmed,
            TransactionStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// A job as the API shows it (a bounty's transaction status with its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionView {
    /// The job.
    pub id: TransactionId,
    /// What the call does.
    pub kind: String,
    /// Where it is.
    pub status: TransactionStatus,
    /// The hash to look up: the mined transaction's once mined, else the last broadcast one.
    pub tx_hash: Option<B256>,
    /// The block it was mined in.
    pub block_number: Option<u64>,
    /// Failed tries so far.
    pub attempts: u32,
    /// Why it failed (or why its last try did).
    pub last_error: Option<String>,
}

/// A queued job the sender signs now.
#[derive(Debug, Clone)]
pub struct DueTransaction {
    /// The job.
    pub id: TransactionId,
    /// The contract called.
    pub to: Address,
    /// The call.
    pub calldata: Bytes,
    /// Failed tries so far.
    pub attempts: u32,
}

/// A signed transaction, recorded before it is broadcast.
#[derive(Debug, Clone)]
pub struct SignedRecord {
    /// The relayer that signed it.
    pub relayer: Address,
    /// Its nonce.
    pub nonce: u64,
    /// Its gas limit.
    pub gas_limit: u64,
    /// Its fees.
    pub fees: Fees,
    /// Its hash.
    pub hash: B256,
    /// Its EIP-2718 bytes, as broadcast.
    pub raw: Bytes,
}

/// A job's transaction found mined.
#[derive(Debug, Clone)]
pub struct MinedRecord {
    /// The job.
    pub id: TransactionId,
    /// The mined transaction.
    pub tx_hash: B256,
    /// Its block.
    pub block: u64,
    /// Why it failed when it reverted; `None` when it succeeded.
    pub error: Option<String>,
}

/// A job signed with a nonce and not mined yet (`sending` or `sent`).
#[derive(Debug, Clone)]
pub struct InFlightTransaction {
    /// The job.
    pub id: TransactionId,
    /// `Sending` (broadcast outcome unknown) or `Sent`.
    pub status: TransactionStatus,
    /// Its nonce.
    pub nonce: u64,
    /// The contract called (for a replacement).
    pub to: Address,
    /// The call (for a replacement).
    pub calldata: Bytes,
    /// Gas limit of the signed transactions.
    pub gas_limit: u64,
    /// Fees of the last signed transaction.
    pub fees: Fees,
    /// Every signed transaction's hash, oldest first.
    pub tx_hashes: Vec<B256>,
    /// The last signed transaction.
    pub raw: Bytes,
    /// Seconds since the last one was signed.
    pub seconds_since_sent: f64,
    /// Whether its next try (a broadcast again after an error) is due.
    pub due: bool,
}

/// The wait before the next try after `attempts` failed ones: `base`, doubled per further
/// failure, at most `max`.
pub fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    base.saturating_mul(1u32 << doublings).min(max)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let base = Duration::from_secs(2);
        let max = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=7)
            .map(|attempts| backoff(attempts, base, max).as_secs())
            .collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(u32::MAX, base, max), max, "no overflow");
    }

    #[test]
    fn every_status_round_trips_through_its_column_value() {
        for text in ["queued", "sending", "sent", "confirmed", "failed"] {
            assert_eq!(TransactionStatus::parse(text).unwrap().as_str(), text);
        }
        assert_eq!(TransactionStatus::parse("mined"), None);
    }
}
