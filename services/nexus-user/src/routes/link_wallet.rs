//! `POST /v1/users/me/wallets`: link a wallet with a signed EIP-4361 challenge.

use nexus_proto::ErrorBody;
use nexus_proto::user::Wallet;
use std::str::FromStr;

use actix_web::{HttpResponse, web};
use alloy::primitives::Signature;
use chrono::Utc;
use nexus_http::{ApiError, RequestContext};
use nexus_proto::user::LinkWalletRequest;
use nexus_runtime::Caller;

use crate::UserService;
use crate::domain::siwe::SiweMessage;
use crate::domain::wallet::chain_address;
use crate::error::UserError;
use crate::routes::own_account::own_account;
use crate::store::wallets::NewWallet;

/// Checks, in order: the message parses strictly; it names this service's domain, URI and
/// statement; the signature is well-formed; the nonce exists and is consumed (`GETDEL`,
/// so it works once); it was issued to this caller for this address, chain and times; it
/// has not expired; the EIP-191 signature recovers to the message's address. Then links
/// the wallet (409 `wallet_taken` when any account has it) and records `WalletLinked`.
#[utoipa::path(
    post,
    path = "/v1/users/me/wallets",
    tag = "users",
    request_body = LinkWalletRequest,
    responses(
        (status = 201, description = "Linked", body = Wallet),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 409, description = "Address linked to another account (`wallet_taken`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn link_wallet(
    service: web::Data<UserService>,
    caller: Caller,
    context: RequestContext,
    body: nexus_http::Json<LinkWalletRequest>,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, nexus_policy::Action::UserUpdate)?;
    let message = SiweMessage::parse(&body.message).map_err(UserError::from)?;
    let settings = &service.settings.siwe;
    let mismatch = if message.scheme.is_some() {
        Some("scheme")
    } else if message.domain != settings.domain {
        Some("domain")
    } else if message.uri != settings.uri {
        Some("URI")
    } else if message.statement.as_deref() != Some(settings.statement.as_str()) {
        Some("statement")
    } else {
        None
    };
    if let Some(field) = mismatch {
        return Err(UserError::SiweMessageMismatch(field).into());
    }
    let signature = parse_signature(&body.signature)?;

    let issued = service
        .challenges
        .take(&message.nonce)
        .await?
        .ok_or(UserError::SiweNonceUnknown)?;
    let address = chain_address(message.address);
    if issued.user_id != user_id
        || issued.address != address.to_lower_hex()
        || issued.chain_id != message.chain_id
        || issued.issued_at != message.issued_at
        || Some(issued.expires_at) != message.expiration_time
        || message.not_before.is_some()
    {
        return Err(UserError::SiweChallengeMismatch.into());
    }
    if Utc::now() >= issued.expires_at {
        return Err(UserError::SiweChallengeExpired.into());
    }
    let signer = signature
        .recover_address_from_msg(body.message.as_bytes())
        .map_err(|_| UserError::WalletSignatureMismatch)?;
    if signer != message.address {
        return Err(UserError::WalletSignatureMismatch.into());
    }

    let traceparent = context.trace.to_string();
    let wallet = NewWallet {
        user_id,
        address,
        chain_id: message.chain_id,
        max_per_user: service.settings.limits.max_wallets_per_user,
    };
    let row = service
        .store
        .link_wallet(&wallet, Some(&traceparent))
        .await?;
    tracing::info!(user_id = %user_id, chain_id = message.chain_id, "A wallet was linked.");
    Ok(HttpResponse::Created().json(row.to_wire()))
}

/// 65 bytes (r, s, v) as 130 hex digits, `0x` optional.
fn parse_signature(text: &str) -> Result<Signature, UserError> {
    let digits = text.trim().trim_start_matches("0x");
    if digits.len() != 130 || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(UserError::MalformedSignature);
    }
    Signature::from_str(digits).map_err(|_| UserError::MalformedSignature)
}
