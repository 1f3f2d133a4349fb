//! `POST /v1/auth/login`: password sign-in; an MFA challenge when a second factor is enrolled.

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_proto::auth::{LoginRequest, LoginResponse, MfaChallenge};
use serde_json::json;

use super::{MAX_LOGIN_CHARS, MAX_PASSWORD_CHARS, check_text};
use crate::AuthService;
use crate::domain::lockout::Gate;
use crate::error::AuthError;
use crate::kv::challenges::Challenge;
use crate::kv::throttle::LockoutSubject;
use crate::store::audit::{AuditKind, AuditRecord};
use crate::tokens::{AMR_PASSWORD, SessionAccount, methods};
use crate::users::AccountStanding;

/// Signs in with a login name and password.
#[utoipa::path(
    post,
    path = "/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Tokens, or an MFA challenge when TOTP is enrolled", body = LoginResponse),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Wrong login or password (`invalid_credentials`)", body = ErrorBody),
        (status = 429, description = "Throttled or locked (`login_throttled`, `account_locked`, `too_many_login_attempts`); see Retry-After", body = ErrorBody)
    )
)]
pub async fn login(
    service: web::Data<AuthService>,
    request: HttpRequest,
    context: RequestContext,
    body: nexus_http::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { login, password } = body.into_inner();
    check_text("login", &login, MAX_LOGIN_CHARS * 4)?;
    // No account name holds one, and PostgreSQL text cannot: refused here, not a 500 there.
    if login.contains('\0') {
        return Err(AuthError::field("login", "must not contain NUL characters").into());
    }
    if login.chars().count() > MAX_LOGIN_CHARS {
        return Err(AuthError::field(
            "login",
            format!("must be at most {MAX_LOGIN_CHARS} characters"),
        )
        .into());
    }
    check_text("password", &password, MAX_PASSWORD_CHARS)?;
    let ip = service.client_ip(&request).map(|ip| ip.to_string());
    let call = nexus_runtime::call_context(&context);
    // Failures count against the account, whichever of its names was typed.
    let subject = LockoutSubject::of(&login, service.users.resolve(&call, &login).await?);
    if let Err(refused) = service.admit_attempt(&subject, ip.as_deref()).await {
        return Ok(refused.into_response());
    }

    let account = match service.users.verify(&call, &login, &password).await {
        Ok(account) => account,
        Err(AuthError::InvalidCredentials) => {
            service
                .record_failed_attempt(&subject, ip.clone(), "password")
                .await?;
            return Err(AuthError::InvalidCredentials.into());
        }
        Err(error) => return Err(error.into()),
    };
    if !account.is_active() {
        return Err(AuthError::AccountDisabled.into());
    }

    if service
        .store
        .totp(account.user_id)
        .await
        .map_err(AuthError::from)?
        .is_some_and(|totp| totp.confirmed)
    {
        let challenge = Challenge {
            user_id: account.user_id,
            login: login.clone(),
            roles: account.roles.clone(),
            status: account.token_status(),
        };
        let mfa_token = service
            .challenges
            .create(&challenge)
            .await
            .map_err(AuthError::from)?;
        service.metrics.sign_in("mfa_required");
        return Ok(
            HttpResponse::Ok().json(LoginResponse::MfaRequired(MfaChallenge {
                mfa_required: true,
                mfa_token,
                expires_in: service.challenges.ttl().as_secs(),
            })),
        );
    }

    service
        .throttle
        .reset(&LockoutSubject::Account(account.user_id))
        .await
        .map_err(AuthError::from)?;
    let amr = methods(AMR_PASSWORD);
    let session = SessionAccount {
        user_id: account.user_id,
        roles: &account.roles,
        status: account.token_status(),
    };
    let pair = service.new_session(&session, &amr).await?;
    service
        .store
        .record_sign_in(
            account.user_id,
            &AuditRecord::new(AuditKind::LoginSucceeded)
                .actor(account.user_id.to_string())
                .subject(account.user_id.to_string())
                .ip(ip)
                .detail(json!({ "amr": amr })),
        )
        .await
        .map_err(AuthError::from)?;
    service.metrics.sign_in("succeeded");
    Ok(HttpResponse::Ok().json(LoginResponse::Tokens(pair)))
}

impl AuthService {
    /// The brute-force gates in front of a credential check: the per-IP limit, then the
    /// subject's (account's) lock or delay.
    pub async fn admit_attempt(
        &self,
        subject: &LockoutSubject,
        ip: Option<&str>,
    ) -> Result<(), AuthError> {
        let now = self.settings.clock.now();
        let refusal = if let Some(ip) = ip
            && let Some(retry_after) = self.throttle.hit_ip(ip, now).await?
        {
            AuthError::IpRateLimited(retry_after)
        } else {
            match self.throttle.gate(subject, now).await? {
                Gate::Open => return Ok(()),
                Gate::Throttled { retry_after } => AuthError::LoginThrottled(retry_after),
                Gate::Locked { retry_after } => AuthError::AccountLocked(retry_after),
            }
        };
        self.metrics.sign_in_refused(&refusal);
        Err(refusal)
    }

    /// Counts a failed credential (password or second factor) against `subject`, auditing the
    /// failure and any lock it starts.
    pub async fn record_failed_attempt(
        &self,
        subject: &LockoutSubject,
        ip: Option<String>,
        factor: &str,
    ) -> Result<(), AuthError> {
        let now = self.settings.clock.now();
        let locked_for = self.throttle.record_failure(subject, now).await?;
        self.metrics.sign_in("failed");
        let audit_subject = subject.audit_name();
        self.store
            .audit(
                &AuditRecord::new(AuditKind::LoginFailed)
                    .subject(audit_subject.clone())
                    .ip(ip.clone())
                    .detail(json!({ "factor": factor })),
            )
            .await?;
        if let Some(locked_for) = locked_for {
            self.metrics.account_locked();
            tracing::warn!(lockout_subject = %audit_subject, seconds = locked_for.as_secs(), "Locked an account after repeated failures.");
            let record = AuditRecord::new(AuditKind::AccountLocked)
                .actor("system")
                .subject(audit_subject)
                .ip(ip)
                .detail(json!({
                    "locked_for_seconds": locked_for.as_secs(),
                    "locked_until": crate::domain::lockout::after(now, locked_for),
                }));
            // A lock on a login name no account has tells nobody.
            match subject {
                LockoutSubject::Account(user_id) => {
                    self.store.record_lock(*user_id, &record).await?;
                }
                LockoutSubject::UnknownLogin(_) => self.store.audit(&record).await?,
            }
        }
        Ok(())
    }
}
