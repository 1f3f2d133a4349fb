//! Who is calling: the user id and roles from the access token, and, for API-key tokens, the
//! scopes that bound what the key may do in this service (defence in depth behind the gateway,
//! which refuses the same requests first).

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::future::LocalBoxFuture;
use nexus_core::Role;
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use uuid::Uuid;

use crate::error::UserError;

/// A signed-in caller: `sub` parsed as a user id, roles parsed.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user id (`sub`).
    pub user_id: Uuid,
    /// The token's roles.
    pub roles: Vec<Role>,
    /// The scopes of an API-key token (`None` for user tokens, whose roles decide).
    pub api_key_scopes: Option<Vec<String>>,
}

impl Caller {
    /// `scope_insufficient` (403) when an API-key token's scopes do not list `action`.
    pub fn require_scope(&self, action: nexus_policy::Action) -> Result<(), UserError> {
        match &self.api_key_scopes {
            Some(scopes) if !scopes.iter().any(|scope| scope == action.as_str()) => Err(
                UserError::Denied(nexus_runtime::caller::Denied::ScopeInsufficient { action }),
            ),
            _ => Ok(()),
        }
    }

    /// Whether the token carries the admin role.
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authenticated = Authenticated::from_request(request, payload);
        Box::pin(async move {
            let Authenticated(claims) = authenticated.await?;
            let user_id = Uuid::parse_str(&claims.sub).map_err(|_| UserError::InvalidSubject)?;
            let roles = claims.roles()?;
            let api_key_scopes = claims
                .is_api_key()
                .then(|| claims.scopes().map(str::to_owned).collect());
            Ok(Caller {
                user_id,
                roles,
                api_key_scopes,
            })
        })
    }
}
