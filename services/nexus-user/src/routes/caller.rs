//! Who is calling: the user id and roles from the access token.

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
}

impl Caller {
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
            Ok(Caller { user_id, roles })
        })
    }
}
