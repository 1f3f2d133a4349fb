//! Calls to nexus-user's internal API (docs/INTERNAL_API.md), in nexus-user's wire types
//! (`nexus_proto::user`), and what auth reads from the account summary it answers with.

use chrono::{DateTime, Utc};
use nexus_client::{CallContext, ClientError, ServiceClient};
use nexus_core::AccountStatus;
use nexus_proto::UserId;
use nexus_proto::user::{AccountSummary, ResolveLoginRequest, VerifyCredentialsRequest};

use crate::error::AuthError;

/// What auth decides from nexus-user's account summary: whether the account may hold tokens,
/// the `status` claim they carry, and whether a session was revoked since it started.
pub trait AccountStanding {
    /// Whether the account may sign in and hold tokens: `active` or `banned` (read-only);
    /// `disabled` may not. (A status this build does not know fails to decode, so it never
    /// gets this far.)
    fn is_active(&self) -> bool;

    /// The `status` claim of its tokens: `banned`, or none for active accounts.
    fn token_status(&self) -> Option<String>;

    /// Whether a session started at `started_ms` (Unix ms) was revoked since.
    fn revoked_since(&self, started_ms: u64) -> bool;
}

impl AccountStanding for AccountSummary {
    fn is_active(&self) -> bool {
        matches!(self.status, AccountStatus::Active | AccountStatus::Banned)
    }

    fn token_status(&self) -> Option<String> {
        (self.status == AccountStatus::Banned).then(|| AccountStatus::Banned.to_string())
    }

    fn revoked_since(&self, started_ms: u64) -> bool {
        self.tokens_not_before.is_some_and(|mark| {
            u64::try_from(mark.timestamp_millis()).unwrap_or(u64::MAX) > started_ms
        })
    }
}

/// What a refused credential check means, decided by the answer's code and not its status
/// alone: a 401 that is not `invalid_credentials` (e.g. `service_authentication_required`, a
/// misconfigured service token) must not read as a wrong password and count towards the
/// account's lockout, and the user service's own attempt limit stays a 429 for the client.
fn verify_refusal(error: ClientError) -> AuthError {
    let (status, code) = match &error {
        ClientError::Api { status, body, .. } => (status.as_u16(), body.code.as_str()),
        _ => return AuthError::UserServiceUnavailable(error),
    };
    match (status, code) {
        (401, "invalid_credentials") => AuthError::InvalidCredentials,
        (403, "account_disabled") => AuthError::AccountDisabled,
        (429, "credential_checks_limited") => AuthError::CredentialChecksLimited,
        _ => AuthError::UserServiceUnavailable(error),
    }
}

/// nexus-user as auth calls it: nexus-client's typed client, with nexus-user's refusals read
/// as auth's errors.
#[derive(Debug, Clone)]
pub struct UserClient {
    client: nexus_client::UserClient,
}

impl UserClient {
    /// Wraps `client` (a client of nexus-user).
    pub fn new(client: ServiceClient) -> Self {
        Self {
            client: client.users(),
        }
    }

    /// Checks a login and password.
    #[tracing::instrument(skip_all)]
    pub async fn verify(
        &self,
        context: &CallContext,
        login: &str,
        password: &str,
    ) -> Result<AccountSummary, AuthError> {
        let body = VerifyCredentialsRequest {
            login: login.to_owned(),
            password: password.to_owned(),
        };
        match self.client.verify_credentials(context, &body).await {
            Ok(account) => Ok(account),
            Err(error) => Err(verify_refusal(error)),
        }
    }

    /// Looks an account up; None when it does not exist.
    #[tracing::instrument(skip(self, context))]
    pub async fn get(
        &self,
        context: &CallContext,
        user_id: UserId,
    ) -> Result<Option<AccountSummary>, AuthError> {
        match self.client.get_account(context, user_id).await {
            Ok(account) => Ok(Some(account)),
            Err(ClientError::Api { status, .. }) if status.as_u16() == 404 => Ok(None),
            Err(error) => Err(AuthError::UserServiceUnavailable(error)),
        }
    }

    /// The account id a login name (e-mail or username) belongs to, if any: lockout is
    /// counted per account, whichever name is typed.
    #[tracing::instrument(skip_all)]
    pub async fn resolve(
        &self,
        context: &CallContext,
        login: &str,
    ) -> Result<Option<UserId>, AuthError> {
        let body = ResolveLoginRequest {
            login: login.to_owned(),
        };
        match self.client.resolve_login(context, &body).await {
            Ok(resolved) => Ok(Some(resolved.user_id)),
            Err(ClientError::Api { status, .. }) if status.as_u16() == 404 => Ok(None),
            Err(error) => Err(AuthError::UserServiceUnavailable(error)),
        }
    }

    /// Voids every token and session of `user_id` issued before now (sign-out everywhere);
    /// returns the new mark.
    #[tracing::instrument(skip(self, context))]
    pub async fn revoke_tokens(
        &self,
        context: &CallContext,
        user_id: UserId,
    ) -> Result<DateTime<Utc>, AuthError> {
        self.client
            .revoke_tokens(context, user_id)
            .await
            .map(|revoked| revoked.tokens_not_before)
            .map_err(AuthError::UserServiceUnavailable)
    }
}

#[cfg(test)]
mod tests {
    use nexus_client::ClientError;
    use nexus_proto::ErrorBody;
    use reqwest::StatusCode;

    use super::verify_refusal;
    use crate::error::AuthError;

    fn refusal(status: u16, code: &str) -> AuthError {
        verify_refusal(ClientError::Api {
            service: "nexus-user".into(),
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body: ErrorBody {
                code: code.into(),
                message: String::new(),
                request_id: String::new(),
            },
        })
    }

    #[test]
    fn only_the_user_services_own_verdicts_become_sign_in_answers() {
        assert!(matches!(
            refusal(401, "invalid_credentials"),
            AuthError::InvalidCredentials
        ));
        assert!(matches!(
            refusal(403, "account_disabled"),
            AuthError::AccountDisabled
        ));
        assert!(matches!(
            refusal(429, "credential_checks_limited"),
            AuthError::CredentialChecksLimited
        ));
        // A service-token problem is an outage between services, never a wrong password.
        assert!(matches!(
            refusal(401, "service_authentication_required"),
            AuthError::UserServiceUnavailable(_)
        ));
        assert!(matches!(
            refusal(403, "forbidden"),
            AuthError::UserServiceUnavailable(_)
        ));
    }
}
