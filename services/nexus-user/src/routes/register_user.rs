//! `POST /v1/users`: create an account (role `user`), optionally with a referral code.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_proto::user::PrivateProfile;
use nexus_proto::user::RegisterRequest;

use crate::UserService;
use crate::domain::email::normalize_email;
use crate::domain::password_policy::{MAX_PASSWORD_BYTES, PasswordPolicyError};
use crate::domain::referral_code::normalize_referral_code;
use crate::domain::username::validate_username;
use crate::error::UserError;
use crate::store::accounts::NewAccount;

/// Validates, checks the password policy, hashes (blocking pool), then writes the account,
/// its pending referral and their events in one transaction. 201 with the private profile.
#[utoipa::path(
    post,
    path = "/v1/users",
    tag = "users",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered; the private profile", body = PrivateProfile),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 409, description = "Email or username taken (`email_taken`, `username_taken`)", body = ErrorBody)
    )
)]
pub async fn register_user(
    service: web::Data<UserService>,
    context: RequestContext,
    body: nexus_http::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let email = normalize_email(&request.email).map_err(UserError::from)?;
    let username = validate_username(&request.username).map_err(UserError::from)?;
    if request.password.len() > MAX_PASSWORD_BYTES {
        return Err(UserError::from(PasswordPolicyError::TooLong).into());
    }
    let referrer = match request.referral_code.as_deref() {
        None => None,
        Some(raw) => {
            let code = normalize_referral_code(raw).ok_or(UserError::UnknownReferralCode)?;
            let referrer = service.store.find_referrer(&code).await?;
            Some(referrer.ok_or(UserError::UnknownReferralCode)?)
        }
    };
    let password_hash = service
        .hasher
        .check_and_hash(request.password, vec![email.clone(), username.clone()])
        .await?
        .map_err(UserError::from)?;
    let traceparent = context.trace.to_string();
    let registered = service
        .store
        .register(
            &NewAccount {
                email,
                username,
                password_hash,
                referrer,
            },
            Some(&traceparent),
        )
        .await?;
    let account = registered.account;
    tracing::info!(user_id = %account.id, referred = referrer.is_some(), "An account was registered.");
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/v1/users/{}", account.id)))
        .json(account.private_profile()))
}
