//! Calls to nexus-user's internal API (docs/INTERNAL_API.md).

use nexus_client::{CallContext, ClientError, ServiceClient};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AuthError;

/// An account as nexus-user describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserAccount {
    /// Id.
    pub user_id: Uuid,
    /// User name.
    pub username: String,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Role names.
    #[serde(default)]
    pub roles: Vec<String>,
    /// `active`, `disabled`, `banned`, ...
    #[serde(default)]
    pub status: Option<String>,
}

impl UserAccount {
    /// Whether the account may sign in.
    pub fn is_active(&self) -> bool {
        self.status
            .as_deref()
            .is_none_or(|status| status == "active")
    }
}

#[derive(Serialize)]
struct VerifyBody<'a> {
    login: &'a str,
    password: &'a str,
}

/// The typed client of nexus-user.
#[derive(Debug, Clone)]
pub struct UserClient {
    client: ServiceClient,
}

impl UserClient {
    /// Wraps `client`.
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }

    /// Checks a login and password.
    #[tracing::instrument(skip_all)]
    pub async fn verify(
        &self,
        context: &CallContext,
        login: &str,
        password: &str,
    ) -> Result<UserAccount, AuthError> {
        let body = VerifyBody { login, password };
        match self
            .client
            .post::<_, UserAccount>(context, "/internal/v1/credentials/verify", &body)
            .await
        {
            Ok(account) => Ok(account),
            Err(ClientError::Api { status, .. }) if status.as_u16() == 401 => {
                Err(AuthError::InvalidCredentials)
            }
            Err(ClientError::Api { status, .. }) if status.as_u16() == 403 => {
                Err(AuthError::AccountDisabled)
            }
            Err(error) => Err(AuthError::UserServiceUnavailable(error)),
        }
    }

    /// Looks an account up; None when it does not exist.
    #[tracing::instrument(skip(self, context))]
    pub async fn get(
        &self,
        context: &CallContext,
        user_id: Uuid,
    ) -> Result<Option<UserAccount>, AuthError> {
        match self
            .client
            .get::<UserAccount>(context, &format!("/internal/v1/users/{user_id}"))
            .await
        {
            Ok(account) => Ok(Some(account)),
            Err(ClientError::Api { status, .. }) if status.as_u16() == 404 => Ok(None),
            Err(error) => Err(AuthError::UserServiceUnavailable(error)),
        }
    }
}
