//! `POST /v1/auth/mfa/totp/disable`: removes the second factor after re-authentication with
//! the password.

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::token::Authenticated;
use nexus_http::{ApiError, RequestContext};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::auth::TotpDisableRequest;
use serde_json::json;

use super::{MAX_PASSWORD_CHARS, check_text};
use crate::AuthService;
use crate::error::AuthError;
use crate::kv::throttle::LockoutSubject;
use crate::store::audit::{AuditKind, AuditRecord};

/// Disables TOTP for the caller once the password checks out.
#[utoipa::path(
    post,
    path = "/v1/auth/mfa/totp/disable",
    tag = "auth",
    request_body = TotpDisableRequest,
    responses(
        (status = 204, description = "Disabled"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Not allowed (role, MFA or API-key token), or the current password is wrong (current_password_invalid)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn disable_totp(
    service: web::Data<AuthService>,
    request: HttpRequest,
    context: RequestContext,
    caller: Authenticated,
    body: nexus_http::Json<TotpDisableRequest>,
) -> Result<HttpResponse, ApiError> {
    let claims = caller.0;
    let user_id = service.own_account(&claims, Action::UserUpdate)?;
    let password = body.into_inner().password;
    check_text("password", &password, MAX_PASSWORD_CHARS)?;
    let ip = service.client_ip(&request).map(|ip| ip.to_string());
    let call = nexus_runtime::call_context(&context);
    let Some(account) = service.users.get(&call, user_id).await? else {
        return Err(AuthError::CurrentPasswordInvalid.into());
    };
    // Re-authentication goes through the same brute-force gates as a sign-in.
    let subject = LockoutSubject::Account(user_id);
    if let Err(refused) = service.admit_attempt(&subject, ip.as_deref()).await {
        return Ok(refused.into_response());
    }
    match service
        .users
        .verify(&call, &account.username, &password)
        .await
    {
        Ok(verified) if verified.user_id == user_id => {}
        Ok(_) | Err(AuthError::InvalidCredentials) => {
            service
                .record_failed_attempt(&subject, ip, "password")
                .await?;
            return Err(AuthError::CurrentPasswordInvalid.into());
        }
        Err(error) => return Err(error.into()),
    }
    let audit = AuditRecord::new(AuditKind::MfaDisabled)
        .actor(user_id.to_string())
        .subject(user_id.to_string())
        .ip(ip)
        .detail(json!({ "method": "totp" }));
    if !service
        .store
        .delete_totp(user_id, &audit)
        .await
        .map_err(AuthError::from)?
    {
        return Err(AuthError::MfaNotEnrolled.into());
    }
    Ok(HttpResponse::NoContent().finish())
}
