//! `POST /v1/auth/mfa/totp/confirm`: the first code turns the enrolment on and returns the
//! recovery codes (shown once).

use actix_web::{HttpRequest, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::auth::{RecoveryCodes, TotpConfirmRequest};
use serde_json::json;

use super::check_text;
use crate::AuthService;
use crate::domain::secrets::{
    RECOVERY_CODE_COUNT, keyed_hash, normalize_recovery_code, recovery_code,
};
use crate::domain::totp;
use crate::error::AuthError;
use crate::store::audit::{AuditKind, AuditRecord};

/// Confirms the caller's pending enrolment with a current code.
#[utoipa::path(
    post,
    path = "/v1/auth/mfa/totp/confirm",
    tag = "auth",
    request_body = TotpConfirmRequest,
    responses(
        (status = 200, description = "Recovery codes, shown once", body = RecoveryCodes),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Not allowed (API-key token), or the code is wrong or already used (mfa_confirmation_code_invalid)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn confirm_totp(
    service: web::Data<AuthService>,
    request: HttpRequest,
    caller: Authenticated,
    body: nexus_http::Json<TotpConfirmRequest>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    let claims = caller.0;
    let user_id = service.own_account(&claims, Action::UserUpdate)?;
    let code = body.into_inner().code;
    check_text("code", &code, 16)?;
    let Some(row) = service.totp_row(user_id).await? else {
        return Err(AuthError::MfaNotEnrolled.into());
    };
    if row.confirmed {
        return Err(AuthError::MfaAlreadyEnabled.into());
    }
    let now_step = totp::step_at(service.settings.clock.now().timestamp());
    let Some(step) = totp::verify(&row.secret, &code, now_step, row.last_used_step) else {
        return Err(AuthError::ConfirmationCodeInvalid.into());
    };
    let codes: Vec<String> = (0..RECOVERY_CODE_COUNT).map(|_| recovery_code()).collect();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|code| {
            keyed_hash(
                service.server_secret.bytes(),
                &normalize_recovery_code(code),
            )
        })
        .collect();
    let ip = service.client_ip(&request).map(|ip| ip.to_string());
    let audit = AuditRecord::new(AuditKind::MfaEnabled)
        .actor(user_id.to_string())
        .subject(user_id.to_string())
        .ip(ip)
        .detail(json!({ "method": "totp", "recovery_codes": codes.len() }));
    if !service
        .store
        .confirm_totp(user_id, step, &hashes, &audit)
        .await
        .map_err(AuthError::from)?
    {
        return Err(AuthError::ConfirmationCodeInvalid.into());
    }
    Ok(web::Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}
