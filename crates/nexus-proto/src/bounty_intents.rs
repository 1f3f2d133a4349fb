//! Wire types of the bounty service's intents and create endpoints:
//! `GET /v1/bounties/intents/{kind}` (the EIP-712 typed data a wallet signs) and
//! `POST /v1/bounties` (terms + signed intent + signed permit), plus nexus-analysis's internal
//! `POST /internal/v1/files/{sha256}/bounty-artifact` that the create asks about a file.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bounty::{ArtifactKind, BountyStatus, BountyTransaction, SignedIntent, SignedPermit};
use crate::{Sha256, UserId};

/// What a bounty is about, as a client names it: `kind` and the fields of that kind only
/// (`file`: `sha256`; `url`: `url`; `contract`: `chain_id` and `address`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArtifactInput {
    /// `file`, `url` or `contract`.
    pub kind: ArtifactKind,
    /// A file's SHA-256 (64 hex digits): a sample stored in nexus-analysis that the caller
    /// uploaded or that is public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub sha256: Option<String>,
    /// A URL: `http://` or `https://` with a host, printable ASCII, at most 2048 bytes, no
    /// user name or password in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2048, pattern = "^https?://")]
    pub url: Option<String>,
    /// A contract's EIP-155 chain id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub chain_id: Option<u64>,
    /// A contract's address (`0x` + 40 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^0x[0-9a-fA-F]{40}$")]
    pub address: Option<String>,
}

/// `GET /v1/bounties/intents/create` query: the signing wallet and the terms the typed data will
/// carry (the same values `POST /v1/bounties` then sends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CreateIntentQuery {
    /// The wallet that will sign (`0x` + 40 hex digits); one the caller linked.
    pub signer: String,
    /// `file`, `url` or `contract`.
    pub artifact_kind: ArtifactKind,
    /// A file's SHA-256.
    #[serde(default)]
    pub sha256: Option<String>,
    /// A URL.
    #[serde(default)]
    pub url: Option<String>,
    /// A contract's chain id.
    #[serde(default)]
    pub chain_id: Option<u64>,
    /// A contract's address.
    #[serde(default)]
    pub address: Option<String>,
    /// The reward, wei (decimal string).
    pub reward: String,
    /// The minimum stake per assertion, wei (decimal string).
    pub min_stake: String,
    /// The end of the commit window, unix seconds.
    pub assertion_deadline: u64,
}

impl CreateIntentQuery {
    /// The artifact the query names.
    pub fn artifact(&self) -> ArtifactInput {
        ArtifactInput {
            kind: self.artifact_kind,
            sha256: self.sha256.clone(),
            url: self.url.clone(),
            chain_id: self.chain_id,
            address: self.address.clone(),
        }
    }
}

/// `POST /v1/bounties`: the terms, and the create intent and reward permit the caller's wallet
/// signed over them (the typed data of `GET /v1/bounties/intents/create`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBountyRequest {
    /// What the bounty is about.
    pub artifact: ArtifactInput,
    /// The reward escrowed, wei (decimal string, below 2^128).
    #[schema(pattern = "^[0-9]{1,39}$")]
    pub reward: String,
    /// The smallest stake an assertion must carry, wei (decimal string, below 2^128).
    #[schema(pattern = "^[0-9]{1,39}$")]
    pub min_stake: String,
    /// The end of the commit window, unix seconds.
    pub assertion_deadline: u64,
    /// Listed for everyone (default: private, readable by its creator, analysts and admins).
    #[serde(default)]
    pub is_public: bool,
    /// The signed `CreateBounty` intent.
    pub intent: SignedIntent,
    /// The signed EIP-2612 permit for the reward.
    pub permit: SignedPermit,
}

/// `202` of `POST /v1/bounties`: the bounty and the chain call queued to create it. The same
/// signed intent sent again answers the same bounty (its status then may have moved on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BountyCreated {
    /// The bounty's id (`GET /v1/bounties/{id}`).
    pub id: Uuid,
    /// `pending` until the chain confirms the creation.
    pub status: BountyStatus,
    /// The relayed `createBountyBySig` call: `queued` until the relayer sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<BountyTransaction>,
}

/// nexus-analysis `POST /internal/v1/files/{sha256}/bounty-artifact`: the account that posts a
/// bounty on the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkBountyArtifact {
    /// The bounty's creator; they must have uploaded the file, or it must be public.
    #[schema(value_type = String)]
    pub user_id: UserId,
}

/// The file a bounty is about, now readable by analysts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BountyArtifact {
    /// The file's SHA-256.
    #[schema(value_type = String)]
    pub sha256: Sha256,
    /// Its length in bytes.
    pub size: u64,
}
