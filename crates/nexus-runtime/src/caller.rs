//! [`Caller`]: who is asking, for every handler that reads or changes an object.
//!
//! One extractor for guests and signed-in users alike, so no handler decides access by hand:
//!
//! - no `Authorization` header: a [`Caller`] that is a guest (Cedar's `Guest` principal);
//! - a bearer token: validated by the shared validator (`nexus_http::token`, the same checks and
//!   401 codes as [`Authenticated`]); any invalid token is refused, never downgraded to a guest;
//! - [`Caller::authorize`] asks the process's live Cedar policies ([`LivePolicies`], registered
//!   as app data by the runtime) with the principal [`principal_of`] builds (role, banned status
//!   from the token) and, for API-key tokens, first checks the key's scopes: a token whose `amr`
//!   contains `api_key` may only perform the actions named in its `scope` claim.
//!
//! Denials are a [`Denied`] with a stable code: `unauthenticated` (401, a guest asked for
//! something that needs an account), `scope_insufficient` (403, an API key without the action's
//! scope) and `forbidden` (403, the policies said no). A service that hides whether an object
//! exists maps [`Denied::hides_existence`] denials to its own 404.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::{Ready, ready};
use nexus_http::token::{AccessClaims, Authenticated};
use nexus_http::{ApiError, HttpError};
use nexus_policy::{Action, Decision, LivePolicies, Principal, Request, RequestContext, Resource};

use crate::authz::{context_of, principal_of};

/// The `amr` value of tokens minted for API keys.
pub const API_KEY_METHOD: &str = "api_key";

/// Who sent the request: a guest or a signed-in account, with the policies to ask about it.
///
/// Cheap to clone (two `Arc`s). Extract it in a handler (`caller: Caller`) or build one with
/// [`Caller::guest`] / [`Caller::signed_in`] where the claims come from elsewhere (WebSocket).
#[derive(Clone)]
pub struct Caller {
    claims: Option<Arc<AccessClaims>>,
    policies: Arc<LivePolicies>,
    ip: Option<IpAddr>,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Only the subject: claims are not secret, but a log line needs no more.
        f.debug_struct("Caller")
            .field("subject", &self.subject())
            .field("api_key", &self.is_api_key())
            .finish_non_exhaustive()
    }
}

impl Caller {
    /// A caller who sent no token.
    pub fn guest(policies: Arc<LivePolicies>) -> Self {
        Self {
            claims: None,
            policies,
            ip: None,
        }
    }

    /// A caller whose token was already validated into `claims`.
    pub fn signed_in(claims: AccessClaims, policies: Arc<LivePolicies>) -> Self {
        Self {
            claims: Some(Arc::new(claims)),
            policies,
            ip: None,
        }
    }

    /// The same caller with the client address the policies may look at (`context.ip`).
    #[must_use]
    pub fn with_ip(mut self, ip: Option<IpAddr>) -> Self {
        self.ip = ip;
        self
    }

    /// True when no token was sent.
    pub fn is_guest(&self) -> bool {
        self.claims.is_none()
    }

    /// The validated claims of a signed-in caller.
    pub fn claims(&self) -> Option<&AccessClaims> {
        self.claims.as_deref()
    }

    /// The account id (`sub`) of a signed-in caller.
    pub fn subject(&self) -> Option<&str> {
        self.claims.as_deref().map(|claims| claims.sub.as_str())
    }

    /// True for a token minted for an API key (`amr` contains `api_key`).
    pub fn is_api_key(&self) -> bool {
        self.claims
            .as_deref()
            .is_some_and(|claims| claims.amr.iter().any(|method| method == API_KEY_METHOD))
    }

    /// The Cedar principal: `Guest`, or the account with its highest role and banned status.
    pub fn principal(&self) -> Principal {
        match self.claims.as_deref() {
            Some(claims) => principal_of(claims),
            None => Principal::Guest,
        }
    }

    /// The signed-in caller's claims, or `unauthenticated` (401) for a guest.
    pub fn require_signed_in(&self) -> Result<&AccessClaims, Denied> {
        self.claims
            .as_deref()
            .ok_or(Denied::Unauthenticated { action: None })
    }

    /// Whether the caller's token allows `action` at all: always for guests and user tokens
    /// (their role decides), only the listed actions for API-key tokens.
    pub fn has_scope(&self, action: Action) -> bool {
        match self.claims.as_deref() {
            Some(claims) if self.is_api_key() => {
                claims.scopes().any(|scope| scope == action.as_str())
            }
            _ => true,
        }
    }

    /// `scope_insufficient` when an API-key token does not list `action`. Independent of any
    /// object, so a handler may call it before looking anything up.
    pub fn require_scope(&self, action: Action) -> Result<(), Denied> {
        if self.has_scope(action) {
            Ok(())
        } else {
            Err(Denied::ScopeInsufficient { action })
        }
    }

    /// The policies' decision on `action` over `resource` for this caller, scopes not
    /// considered (use [`Caller::authorize`] or [`Caller::allows`] to decide).
    pub fn decide(&self, action: Action, resource: Resource) -> Decision {
        let context = match self.claims.as_deref() {
            Some(claims) => context_of(claims, self.ip),
            None => RequestContext {
                mfa: false,
                ip: self.ip,
            },
        };
        let decision = self.policies.current().policies.authorize(&Request {
            principal: self.principal(),
            action,
            resource,
            context,
        });
        if !decision.errors.is_empty() {
            tracing::warn!(action = %action, errors = ?decision.errors, "A Cedar decision met errors.");
        }
        decision
    }

    /// True when the caller may perform `action` on `resource` (scope and policies); for
    /// filtering lists row by row.
    pub fn allows(&self, action: Action, resource: Resource) -> bool {
        self.has_scope(action) && self.decide(action, resource).allowed
    }

    /// `Ok` when the caller may perform `action` on `resource`; otherwise why not:
    /// `scope_insufficient` for an API key without the scope, `unauthenticated` for a guest,
    /// `forbidden` for an account the policies refuse.
    pub fn authorize(&self, action: Action, resource: Resource) -> Result<(), Denied> {
        self.require_scope(action)?;
        if self.decide(action, resource).allowed {
            Ok(())
        } else if self.is_guest() {
            Err(Denied::Unauthenticated {
                action: Some(action),
            })
        } else {
            Err(Denied::Forbidden { action })
        }
    }
}

/// Why [`Caller`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// A guest asked for something that needs an account.
    #[error("{}", unauthenticated_message(.action))]
    Unauthenticated {
        /// The action refused, when the refusal came from the policies.
        action: Option<Action>,
    },
    /// An API-key token does not list the action among its scopes.
    #[error(
        "this API key's scopes do not include {action}; create a key with the {action} scope \
         or sign in as the account"
    )]
    ScopeInsufficient {
        /// The action refused.
        action: Action,
    },
    /// The policies refuse the signed-in account.
    #[error("your account may not perform {action} on this object")]
    Forbidden {
        /// The action refused.
        action: Action,
    },
}

fn unauthenticated_message(action: &Option<Action>) -> String {
    match action {
        Some(action) => format!(
            "{action} needs a signed-in account: send an access token as `Authorization: Bearer <token>`"
        ),
        None => "this endpoint needs a signed-in account: send an access token as \
                 `Authorization: Bearer <token>`"
            .to_owned(),
    }
}

impl Denied {
    /// True when the refusal depends on the object (policies), so a service that hides which
    /// objects exist answers its own 404 instead; false for a missing scope, which says nothing
    /// about the object.
    pub fn hides_existence(&self) -> bool {
        !matches!(self, Denied::ScopeInsufficient { .. })
    }
}

impl HttpError for Denied {
    fn status(&self) -> StatusCode {
        match self {
            Denied::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Denied::ScopeInsufficient { .. } | Denied::Forbidden { .. } => StatusCode::FORBIDDEN,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Denied::Unauthenticated { .. } => "unauthenticated",
            Denied::ScopeInsufficient { .. } => "scope_insufficient",
            Denied::Forbidden { .. } => "forbidden",
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(extract(request, payload))
    }
}

fn extract(request: &HttpRequest, payload: &mut Payload) -> Result<Caller, ApiError> {
    let Some(policies) = request.app_data::<web::Data<LivePolicies>>() else {
        return Err(ApiError::internal(std::io::Error::other(
            "no LivePolicies are registered as app data",
        )));
    };
    let policies = policies.clone().into_inner();
    if !request.headers().contains_key(AUTHORIZATION) {
        return Ok(Caller::guest(policies));
    }
    // A sent token is validated exactly as `Authenticated` does (same checks, same 401 codes):
    // a bad token is an error, never a guest.
    let Authenticated(claims) = Authenticated::from_request(request, payload).into_inner()?;
    Ok(Caller::signed_in(claims, policies))
}
