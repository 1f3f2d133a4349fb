//! `POST /v1/users/me/wallets/challenge`: an EIP-4361 message for the caller to sign.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::{WalletChallenge, WalletChallengeRequest};
use nexus_runtime::Caller;
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::UserService;
use crate::challenges::IssuedChallenge;
use crate::domain::siwe::SiweMessage;
use crate::domain::wallet::{parse_wallet_address, valid_chain_id};
use crate::error::UserError;
use crate::routes::own_account::own_account;

/// Nonce length: 17 alphanumerics ≈ 101 bits from the CSPRNG.
const NONCE_LENGTH: usize = 17;

/// Issues a message naming this service's domain and URI, the address, chain, a fresh
/// single-use nonce (stored in Redis with what it was issued for) and an expiration time.
#[utoipa::path(
    post,
    path = "/v1/users/me/wallets/challenge",
    tag = "users",
    request_body = WalletChallengeRequest,
    responses(
        (status = 201, description = "EIP-4361 message to sign", body = WalletChallenge),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_wallet_challenge(
    service: web::Data<UserService>,
    caller: Caller,
    body: nexus_http::Json<WalletChallengeRequest>,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, nexus_policy::Action::UserUpdate)?;
    let address = parse_wallet_address(&body.address).map_err(UserError::from)?;
    if !valid_chain_id(body.chain_id) {
        return Err(UserError::InvalidChainId.into());
    }
    service.store.get(user_id).await?;
    let settings = &service.settings.siwe;
    let issued_at = whole_milliseconds(Utc::now());
    let ttl = chrono::Duration::from_std(settings.challenge_ttl)
        .map_err(|error| UserError::Internal(format!("challenge ttl: {error}")))?;
    let expires_at = issued_at + ttl;
    let nonce: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(NONCE_LENGTH)
        .map(char::from)
        .collect();
    let message = SiweMessage {
        scheme: None,
        domain: settings.domain.clone(),
        address: address.to_bytes().into(),
        statement: Some(settings.statement.clone()),
        uri: settings.uri.clone(),
        version: "1".into(),
        chain_id: body.chain_id,
        nonce: nonce.clone(),
        issued_at,
        expiration_time: Some(expires_at),
        not_before: None,
        request_id: None,
        resources: Vec::new(),
    };
    let issued = IssuedChallenge {
        user_id,
        address: address.to_lower_hex(),
        chain_id: body.chain_id,
        issued_at,
        expires_at,
    };
    service.challenges.put(&nonce, &issued).await?;
    Ok(HttpResponse::Created().json(WalletChallenge {
        message: message.to_string(),
        nonce,
        expires_at,
    }))
}

/// The message carries milliseconds; the stored record must compare equal after parsing.
fn whole_milliseconds(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(time.timestamp_millis()).unwrap_or(time)
}
