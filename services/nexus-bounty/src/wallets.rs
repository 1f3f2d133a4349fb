//! Whose wallet signed: an intent is relayed only when its signer is a wallet the caller has
//! linked (nexus-user owns the links, asked over its internal API with the service token). The
//! platform never holds a user's key, so this is what ties a signature to an account.

use alloy::primitives::Address;
use nexus_client::{CallContext, ClientError};
use nexus_core::UserId;
use nexus_runtime::Caller;

use crate::BountyService;
use crate::error::BountyError;

/// The signed-in caller's account id (`sub`); guests and malformed subjects are refused.
pub fn caller_id(caller: &Caller) -> Result<UserId, BountyError> {
    let claims = caller.require_signed_in()?;
    claims
        .sub
        .parse()
        .map_err(|_| BountyError::Internal(format!("token subject {:?} is not an id", claims.sub)))
}

/// The wallets `user_id` has linked, oldest first.
pub async fn linked_wallets(
    service: &BountyService,
    user_id: UserId,
) -> Result<Vec<Address>, BountyError> {
    let list = service
        .users
        .wallets_of(&CallContext::none(), user_id)
        .await
        .map_err(|error| match error {
            ClientError::Api { status, .. } if status.as_u16() == 404 => {
                BountyError::Internal(format!("nexus-user does not know account {user_id}"))
            }
            other => BountyError::UserServiceUnavailable(other),
        })?;
    Ok(list
        .wallets
        .iter()
        .map(|wallet| Address::from(wallet.address.to_bytes()))
        .collect())
}

/// Ok when `signer` is one of the caller's linked wallets; 403 `wallet_not_linked` otherwise.
pub async fn require_linked(
    service: &BountyService,
    caller: &Caller,
    signer: Address,
) -> Result<UserId, BountyError> {
    let user_id = caller_id(caller)?;
    if linked_wallets(service, user_id).await?.contains(&signer) {
        Ok(user_id)
    } else {
        Err(BountyError::WalletNotLinked(signer))
    }
}
