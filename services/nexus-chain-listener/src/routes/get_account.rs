//! `GET /v1/chain/accounts/{address}`.

use actix_web::{HttpResponse, web};
use alloy::primitives::Address;
use nexus_core::ChainAddress;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::chain::{AccountSource, AccountView};
use nexus_runtime::Caller;

use crate::ChainListenerService;
use crate::domain::decode::address_hex;
use crate::error::ChainListenerError;
use crate::routes::{authorize_read, chain_id};

/// An account's NXS: its balance (read from the token at the latest block; `null` when the node
/// cannot be reached) and its stake (staked, cooling down, unlock time) from the listener's
/// projection of confirmed logs, or, for an account the projection never saw stake, from the
/// token at the latest block. Anyone may read it, guests included (`chain:read`): it is public
/// on the chain.
#[utoipa::path(
    get,
    path = "/v1/chain/accounts/{address}",
    params(("address" = String, Path, description = "The account: 0x and 40 hex digits (any case)", pattern = "^0x[0-9a-fA-F]{40}$")),
    tag = "chain",
    responses(
        (status = 200, description = "The account's NXS", body = AccountView),
        (status = 400, description = "Not an address (`invalid_address`)", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "Refused by the policies (an API key whose scopes leave out chain:read)", body = ErrorBody),
        (status = 503, description = "The chain was never reached, and the projection has nothing (`chain_unavailable`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_account(
    service: web::Data<ChainListenerService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    authorize_read(&caller)?;
    let text = path.into_inner();
    let address = parse_address(&text)?;
    let chain_id = chain_id(&service)?;
    let account = address_hex(address);
    let reader = service.follower.reader();
    let balance = match &reader {
        Some(reader) => reader.balance(address).await.ok(),
        None => None,
    };
    let stake = service
        .store
        .stake(chain_id, &account)
        .await
        .map_err(ChainListenerError::from)?;
    let view = match stake {
        Some(stake) => AccountView {
            address: account,
            balance,
            staked: stake.staked,
            unstaking: stake.unstaking,
            unlock_time: stake.unlock_time,
            source: AccountSource::Projection,
        },
        None => {
            let reader = reader.ok_or_else(|| {
                ChainListenerError::ChainUnavailable("not connected yet".to_owned())
            })?;
            let (staked, unstaking, unlock_time) = reader
                .stake_now(address)
                .await
                .map_err(|error| ChainListenerError::ChainUnavailable(error.to_string()))?;
            AccountView {
                address: account,
                balance,
                staked,
                unstaking,
                unlock_time,
                source: AccountSource::Chain,
            }
        }
    };
    Ok(HttpResponse::Ok().json(view))
}

/// `0x` and 40 hex digits in one case, or mixed case carrying the EIP-55 checksum (nexus-core's
/// rules for every address the platform takes: a mixed-case typo is refused, not read as another
/// account).
fn parse_address(text: &str) -> Result<Address, ChainListenerError> {
    text.parse::<ChainAddress>()
        .map(|address| Address::from(address.to_bytes()))
        .map_err(|reason| {
            ChainListenerError::InvalidAddress(format!("{text:?} is not an address: {reason}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_one_case_or_checksummed_parse_and_anything_else_is_refused() {
        let lower = parse_address("0x00000000000000000000000000000000000000ab");
        let upper = parse_address("0x00000000000000000000000000000000000000AB");
        assert!(lower.is_ok() && lower.ok() == upper.ok());
        // EIP-55's own example, and the same address with one letter's case flipped.
        let checksummed = parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        assert_eq!(
            checksummed.ok(),
            parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").ok()
        );
        let typo = parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
        assert!(
            matches!(&typo, Err(ChainListenerError::InvalidAddress(message)) if message.contains("checksum")),
            "{typo:?}"
        );
        for bad in [
            "",
            "0x",
            "00000000000000000000000000000000000000ab",
            "0xzz00000000000000000000000000000000000000",
            "0x00000000000000000000000000000000000000abc",
        ] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
    }
}
