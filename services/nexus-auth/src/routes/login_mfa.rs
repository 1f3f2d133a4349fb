//! `POST /v1/auth/login/mfa`: the second step of a sign-in, with a TOTP code or a recovery
//! code.

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_proto::auth::MfaLoginRequest;
use nexus_proto::auth::TokenPair;
use serde_json::json;

use super::{MAX_TOKEN_CHARS, check_text};
use crate::AuthService;
use crate::domain::secrets::{keyed_hash, normalize_recovery_code};
use crate::domain::totp;
use crate::error::AuthError;
use crate::kv::challenges::Challenge;
use crate::kv::throttle::LockoutSubject;
use crate::store::audit::{AuditKind, AuditRecord};
use crate::tokens::{AMR_PASSWORD_OTP, SessionAccount, methods};
use crate::users::AccountStanding;

/// Finishes a sign-in that answered `mfa_required`.
#[utoipa::path(
    post,
    path = "/v1/auth/login/mfa",
    tag = "auth",
    request_body = MfaLoginRequest,
    responses(
        (status = 200, description = "Tokens", body = TokenPair),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Wrong code or expired challenge", body = ErrorBody)
    )
)]
pub async fn login_mfa(
    service: web::Data<AuthService>,
    request: HttpRequest,
    context: RequestContext,
    body: nexus_http::Json<MfaLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    check_text("mfa_token", &body.mfa_token, MAX_TOKEN_CHARS)?;
    let ip = service.client_ip(&request).map(|ip| ip.to_string());
    let Some(challenge) = service
        .challenges
        .get(&body.mfa_token)
        .await
        .map_err(AuthError::from)?
    else {
        return Err(AuthError::MfaTokenInvalid.into());
    };
    let subject = LockoutSubject::Account(challenge.user_id);
    if let Err(refused) = service.admit_attempt(&subject, ip.as_deref()).await {
        return Ok(refused.into_response());
    }

    let (accepted, factor) = match (&body.code, &body.recovery_code) {
        (Some(code), None) => (service.check_totp(&challenge, code).await?, "totp"),
        (None, Some(code)) => (
            service
                .check_recovery_code(&challenge, code, ip.clone())
                .await?,
            "recovery_code",
        ),
        _ => {
            return Err(
                AuthError::field("code", "send exactly one of code and recovery_code").into(),
            );
        }
    };
    if !accepted {
        service
            .challenges
            .record_failure(&body.mfa_token)
            .await
            .map_err(AuthError::from)?;
        service.record_failed_attempt(&subject, ip, factor).await?;
        return Err(AuthError::MfaCodeInvalid.into());
    }
    if !service
        .challenges
        .finish(&body.mfa_token)
        .await
        .map_err(AuthError::from)?
    {
        // Another request finished this challenge first.
        return Err(AuthError::MfaTokenInvalid.into());
    }
    service
        .throttle
        .reset(&subject)
        .await
        .map_err(AuthError::from)?;
    // The account as it is now: a status or role change since the password step (which
    // revoked earlier tokens) must not be undone by tokens carrying the old claims.
    let call = nexus_runtime::call_context(&context);
    let Some(account) = service
        .users
        .get(&call, challenge.user_id)
        .await?
        .filter(AccountStanding::is_active)
    else {
        return Err(AuthError::AccountDisabled.into());
    };
    let amr = methods(AMR_PASSWORD_OTP);
    let session = SessionAccount {
        user_id: challenge.user_id,
        roles: &account.roles,
        status: account.token_status(),
    };
    let pair = service.new_session(&session, &amr).await?;
    service
        .store
        .record_sign_in(
            challenge.user_id,
            &AuditRecord::new(AuditKind::LoginSucceeded)
                .actor(challenge.user_id.to_string())
                .subject(challenge.user_id.to_string())
                .ip(ip)
                .detail(json!({ "amr": amr, "factor": factor })),
        )
        .await
        .map_err(AuthError::from)?;
    service.metrics.sign_in("mfa_succeeded");
    Ok(HttpResponse::Ok().json(pair))
}

impl AuthService {
    /// Checks a TOTP code for the challenge's user and consumes its time step.
    async fn check_totp(&self, challenge: &Challenge, code: &str) -> Result<bool, AuthError> {
        let Some(row) = self.totp_row(challenge.user_id).await? else {
            return Ok(false);
        };
        if !row.confirmed {
            return Ok(false);
        }
        let now_step = totp::step_at(self.settings.clock.now().timestamp());
        let Some(step) = totp::verify(&row.secret, code, now_step, row.last_used_step) else {
            return Ok(false);
        };
        Ok(self.store.use_totp_step(challenge.user_id, step).await?)
    }

    /// Uses one recovery code of the challenge's user.
    async fn check_recovery_code(
        &self,
        challenge: &Challenge,
        code: &str,
        ip: Option<String>,
    ) -> Result<bool, AuthError> {
        let normalized = normalize_recovery_code(code);
        if normalized.len() != 10 {
            return Ok(false);
        }
        let hash = keyed_hash(self.server_secret.bytes(), &normalized);
        let audit = AuditRecord::new(AuditKind::RecoveryCodeUsed)
            .actor(challenge.user_id.to_string())
            .subject(challenge.user_id.to_string())
            .ip(ip);
        Ok(self
            .store
            .use_recovery_code(challenge.user_id, &hash, &audit)
            .await?)
    }
}
