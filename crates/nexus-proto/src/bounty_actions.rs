//! Wire types of the bounty service's relayed actions: commitments, reveals, disputes, resolve,
//! claims, refunds and stakes (`POST /v1/bounties/{id}/...`, `POST /v1/bounties/stakes`).
//!
//! Every request is strict (`deny_unknown_fields`): a misspelt field is a 400, not a silently
//! missing value. Every action answers `202` with the relayed transaction's job
//! ([`crate::bounty::BountyTransaction`]): the call is queued for the relayer, and the bounty
//! moves only when the chain confirms it. Amounts are wei as decimal strings.

use serde::{Deserialize, Serialize};

use crate::bounty::{SignedIntent, SignedPermit};

/// `POST /v1/bounties/{id}/commitments`: a sealed assertion, signed as a `CommitAssertion` intent
/// (from `GET /v1/bounties/intents/commit`) with an EIP-2612 permit for the stake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitRequest {
    /// `keccak256(abi.encode(bountyId, analyst, verdict, confidence, metadataHash, salt))`,
    /// computed by the analyst (`0x` + 64 hex digits); the salt stays with the analyst until the
    /// reveal.
    pub commitment: String,
    /// The stake escrowed with the assertion, wei (decimal string), at least the bounty's minimum.
    pub stake: String,
    /// The signed `CommitAssertion` intent.
    pub intent: SignedIntent,
    /// The permit for `stake`; without it the wallet must have approved the bounty contract.
    #[serde(default)]
    pub permit: Option<SignedPermit>,
}

/// A verdict as an analyst reveals it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevealVerdict {
    /// The artifact is benign.
    Benign,
    /// The artifact is malicious.
    Malicious,
}

/// `POST /v1/bounties/{id}/reveals`: the preimage of an analyst's commitment. Not signed: the
/// contract accepts only values that hash to that analyst's own commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// The analyst's wallet that committed (`0x` + 40 hex digits), linked to the caller.
    pub analyst: String,
    /// The committed verdict.
    pub verdict: RevealVerdict,
    /// The committed confidence, percent (0–100).
    pub confidence: u8,
    /// The committed metadata hash (`0x` + 64 hex digits).
    pub metadata_hash: String,
    /// The committed salt (`0x` + 64 hex digits).
    pub salt: String,
}

/// `POST /v1/bounties/{id}/disputes`: an `OpenDispute` intent (from
/// `GET /v1/bounties/intents/dispute`), by the creator or an analyst who revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeRequest {
    /// The signed `OpenDispute` intent.
    pub intent: SignedIntent,
}

/// `POST /v1/bounties/{id}/resolve` and `POST /v1/bounties/{id}/refunds`: nothing to say (the
/// call names only the bounty); the body is `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyRequest {}

/// `POST /v1/bounties/{id}/claims`: pay `analyst` what the final bounty owes it. Anyone signed in
/// may ask; the money only ever goes to the analyst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The analyst's wallet (`0x` + 40 hex digits).
    pub analyst: String,
}

/// `POST /v1/bounties/stakes` (a `Stake` intent) and `POST /v1/bounties/unstakes` (a
/// `RequestUnstake` intent), from `GET /v1/bounties/intents/stake` or `.../unstake`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StakeRequest {
    /// NXS to stake (or to start unstaking), wei (decimal string).
    pub amount: String,
    /// The signed intent, in the NXS token's domain.
    pub intent: SignedIntent,
}

/// `POST /v1/bounties/unstakes/withdrawals`: release `account`'s cooled-down unstake back to its
/// free balance (`withdrawUnstakedFor`). Anyone signed in may ask; only that account's own lock
/// shrinks, no tokens move to anyone else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalRequest {
    /// The account whose unstake is released (`0x` + 40 hex digits).
    pub account: String,
}

/// `GET /v1/bounties/intents/commit` query: what the analyst will commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CommitIntentQuery {
    /// The bounty's id (the platform's UUID).
    pub bounty: uuid::Uuid,
    /// The analyst's wallet that signs (linked to the caller).
    pub signer: String,
    /// The sealed assertion's commitment (`0x` + 64 hex digits).
    pub commitment: String,
    /// The stake, wei (decimal string).
    pub stake: String,
}

/// `GET /v1/bounties/intents/reveal` and `.../dispute` query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BountyIntentQuery {
    /// The bounty's id (the platform's UUID).
    pub bounty: uuid::Uuid,
    /// The wallet that signs (or reveals), linked to the caller.
    pub signer: String,
}

/// `GET /v1/bounties/intents/stake` and `.../unstake` query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StakeIntentQuery {
    /// The wallet that signs, linked to the caller.
    pub signer: String,
    /// NXS, wei (decimal string).
    pub amount: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_refuse_unknown_fields_and_read_verdicts_by_name() {
        let reveal = serde_json::json!({
            "analyst": "0x00000000000000000000000000000000000000aa",
            "verdict": "malicious",
            "confidence": 90,
            "metadata_hash": format!("0x{}", "11".repeat(32)),
            "salt": format!("0x{}", "22".repeat(32)),
        });
        let parsed: RevealRequest = serde_json::from_value(reveal.clone()).unwrap_or_else(|e| {
            panic!("{e}");
        });
        assert_eq!(parsed.verdict, RevealVerdict::Malicious);
        let mut extra = reveal;
        extra["stake"] = "1".into();
        assert!(serde_json::from_value::<RevealRequest>(extra).is_err());
        assert!(serde_json::from_value::<EmptyRequest>(serde_json::json!({})).is_ok());
        assert!(serde_json::from_value::<EmptyRequest>(serde_json::json!({"x": 1})).is_err());
    }
}
