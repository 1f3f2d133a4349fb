//! The contract calls the relayer sends: a signed intent (with its permit where tokens move), or a
//! call anyone may make (resolve, claim, refund, slash), turned into the `to` address and calldata
//! of a transaction. The relayer pays the gas; the contract acts for the intent's signer or pays
//! only the named account, so whoever sends these cannot redirect anything.
//!
//! Nothing here talks to the chain: the bounty service stores a [`RelayCall`] in its transaction
//! queue and the relayer sends it later (value 0, its own nonce, gas and fees).

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::SolCall;

use crate::bindings::bounty::BountyContract;
use crate::bindings::token::ReputationToken;
use crate::commitment::SealedAssertion;
use crate::deploy::Deployment;

/// A transaction for the relayer: send `data` to `to`, with no value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RelayCall {
    /// The contract called (the bounty contract or the NXS token).
    pub to: Address,
    /// ABI-encoded calldata (selector and arguments).
    pub data: Bytes,
}

impl RelayCall {
    fn new(to: Address, call: &impl SolCall) -> Self {
        Self {
            to,
            data: call.abi_encode().into(),
        }
    }

    /// `keccak256(to ‖ data)`: equal for the same call, so a queue keyed on it accepts a call once.
    /// For intents the calldata holds the signer, nonce and signature, so a resubmitted intent has
    /// the same key; the contract's nonce refuses a second execution regardless.
    pub fn key(&self) -> B256 {
        keccak256([self.to.as_slice(), self.data.as_ref()].concat())
    }

    /// `(to, data)`, for a queue that stores the two columns.
    pub fn into_parts(self) -> (Address, Bytes) {
        (self.to, self.data)
    }

    /// A transaction request with `to` and the input set; the sender fills in from, nonce, gas and
    /// fees.
    pub fn transaction_request(&self) -> TransactionRequest {
        TransactionRequest::default()
            .to(self.to)
            .input(self.data.clone().into())
    }
}

/// `createBountyBySig(request, intent, permit)`: a bounty for the intent's signer, the reward
/// pulled with the permit (or a prior approval when `permit.deadline` is 0).
pub fn create_bounty_call(
    deployment: &Deployment,
    request: BountyContract::CreateBountyRequest,
    intent: BountyContract::Intent,
    permit: BountyContract::PermitSignature,
) -> RelayCall {
    let call = BountyContract::createBountyBySigCall {
        request,
        intent,
        permit,
    };
    RelayCall::new(deployment.bounty, &call)
}

/// `commitBySig(bountyId, commitment, stake, intent, permit)`: the signer's sealed assertion, the
/// stake pulled with the permit.
pub fn commit_call(
    deployment: &Deployment,
    bounty_id: U256,
    commitment: B256,
    stake: u128,
    intent: BountyContract::Intent,
    permit: BountyContract::PermitSignature,
) -> RelayCall {
    let call = BountyContract::commitBySigCall {
        bountyId: bounty_id,
        commitment,
        stake,
        intent,
        permit,
    };
    RelayCall::new(deployment.bounty, &call)
}

/// `reveal(bountyId, analyst, verdict, confidence, metadataHash, salt)`: not signed; the contract
/// accepts only the values that hash to the analyst's own commitment.
pub fn reveal_call(
    deployment: &Deployment,
    bounty_id: U256,
    analyst: Address,
    assertion: &SealedAssertion,
) -> RelayCall {
    let call = BountyContract::revealCall {
        bountyId: bounty_id,
        analyst,
        verdict: assertion.verdict as u8,
        confidence: assertion.confidence,
        metadataHash: assertion.metadata_hash,
        salt: assertion.salt,
    };
    RelayCall::new(deployment.bounty, &call)
}

/// `openDisputeBySig(bountyId, intent)`: a dispute by the signer.
pub fn open_dispute_call(
    deployment: &Deployment,
    bounty_id: U256,
    intent: BountyContract::Intent,
) -> RelayCall {
    let call = BountyContract::openDisputeBySigCall {
        bountyId: bounty_id,
        intent,
    };
    RelayCall::new(deployment.bounty, &call)
}

/// NXS `stakeBySig(amount, intent)`: the signer stakes `amount` of its own NXS.
pub fn stake_call(
    deployment: &Deployment,
    amount: U256,
    intent: ReputationToken::Intent,
) -> RelayCall {
    let call = ReputationToken::stakeBySigCall { amount, intent };
    RelayCall::new(deployment.reputation_token, &call)
}

/// NXS `requestUnstakeBySig(amount, intent)`: the signer starts the cooldown of `amount`.
pub fn request_unstake_call(
    deployment: &Deployment,
    amount: U256,
    intent: ReputationToken::Intent,
) -> RelayCall {
    let call = ReputationToken::requestUnstakeBySigCall { amount, intent };
    RelayCall::new(deployment.reputation_token, &call)
}

/// NXS `withdrawUnstakedFor(account)`: releases `account`'s cooled-down amount (after the cooldown).
pub fn withdraw_unstaked_call(deployment: &Deployment, account: Address) -> RelayCall {
    let call = ReputationToken::withdrawUnstakedForCall { account };
    RelayCall::new(deployment.reputation_token, &call)
}

/// `resolve(bountyId)`, after the reveal deadline.
pub fn resolve_call(deployment: &Deployment, bounty_id: U256) -> RelayCall {
    let call = BountyContract::resolveCall {
        bountyId: bounty_id,
    };
    RelayCall::new(deployment.bounty, &call)
}

/// `claim(bountyId, analyst)`: pays `analyst` what the final bounty owes it.
pub fn claim_call(deployment: &Deployment, bounty_id: U256, analyst: Address) -> RelayCall {
    let call = BountyContract::claimCall {
        bountyId: bounty_id,
        analyst,
    };
    RelayCall::new(deployment.bounty, &call)
}

/// `refundCreator(bountyId)`: returns the reward of a final, Invalid bounty to its creator.
pub fn refund_creator_call(deployment: &Deployment, bounty_id: U256) -> RelayCall {
    let call = BountyContract::refundCreatorCall {
        bountyId: bounty_id,
    };
    RelayCall::new(deployment.bounty, &call)
}

/// `payTreasury(bountyId)`: pays the fee, or an Invalid bounty's forfeited stakes, to the treasury.
pub fn pay_treasury_call(deployment: &Deployment, bounty_id: U256) -> RelayCall {
    let call = BountyContract::payTreasuryCall {
        bountyId: bounty_id,
    };
    RelayCall::new(deployment.bounty, &call)
}

/// `slashUnrevealed(bountyId, analyst)`: after resolution, slashes an analyst who never revealed.
pub fn slash_unrevealed_call(
    deployment: &Deployment,
    bounty_id: U256,
    analyst: Address,
) -> RelayCall {
    let call = BountyContract::slashUnrevealedCall {
        bountyId: bounty_id,
        analyst,
    };
    RelayCall::new(deployment.bounty, &call)
}

/// The "no permit" value (`deadline` 0): the signer approved the bounty contract beforehand.
pub fn no_permit() -> BountyContract::PermitSignature {
    BountyContract::PermitSignature {
        deadline: U256::ZERO,
        v: 0,
        r: B256::ZERO,
        s: B256::ZERO,
    }
}
