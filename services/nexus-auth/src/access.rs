//! Who may call what: the caller's token, checked with the live Cedar policies where an action
//! exists for it (`admin:manage_policies`, `admin:view_audit`), and the client address.

use actix_web::{HttpRequest, web};
use nexus_core::UserId;
use nexus_http::service_auth::{SERVICE_TOKEN_HEADER, ServiceCredentials};
use nexus_http::token::AccessClaims;
use nexus_policy::{Action, Policies, Request, RequestContext, Resource};

use crate::AuthService;
use crate::error::AuthError;

use nexus_runtime::authz::principal_of;

/// Whether the policies that refused `request` would allow it from a session confirmed with a
/// second factor: then the answer is `mfa_required` (sign in again with TOTP), not a plain
/// refusal. The policies decide, not a role check beside them: a banned administrator, or an
/// action no second factor unlocks, is refused outright.
fn second_factor_would_allow(policies: &Policies, request: &Request) -> bool {
    !request.context.mfa
        && policies
            .authorize(&Request {
                context: RequestContext {
                    mfa: true,
                    ..request.context.clone()
                },
                ..request.clone()
            })
            .allowed
}

/// The header the gateway sets to the client address it determined.
pub const CLIENT_IP_HEADER: &str = "x-nexus-client-ip";

/// The caller's user id (`sub`).
pub fn user_id(claims: &AccessClaims) -> Result<UserId, AuthError> {
    claims
        .sub
        .parse::<UserId>()
        .map_err(|_| AuthError::Forbidden("the token's subject is not a user id".into()))
}

/// Refuses API-key tokens (they may not manage credentials).
pub fn require_interactive(claims: &AccessClaims) -> Result<(), AuthError> {
    if claims.amr.iter().any(|method| method == "api_key") {
        return Err(AuthError::ApiKeyNotAllowed);
    }
    Ok(())
}

impl AuthService {
    /// The caller's own account id, once the live policies allow `action` on that account:
    /// `user:read_private` to list its credentials, `user:update` to change them (so a banned
    /// account, read-only by `banned-read-only`, cannot mint keys or change its second factor).
    /// API-key tokens never manage credentials.
    pub fn own_account(&self, claims: &AccessClaims, action: Action) -> Result<UserId, AuthError> {
        require_interactive(claims)?;
        let id = user_id(claims)?;
        let resource = Resource::UserAccount { id: id.to_string() };
        if nexus_runtime::authz::decide(&self.policies, claims, action, resource).allowed {
            Ok(id)
        } else {
            Err(AuthError::Forbidden(format!(
                "your account may not {action} now (a banned account can read but not change its credentials)"
            )))
        }
    }

    /// Checks a platform administration action with the live policies.
    pub fn authorize_admin(
        &self,
        claims: &AccessClaims,
        action: Action,
        ip: Option<std::net::IpAddr>,
    ) -> Result<(), AuthError> {
        require_interactive(claims)?;
        let request = Request {
            principal: principal_of(claims),
            action,
            resource: Resource::Platform,
            context: nexus_runtime::authz::context_of(claims, ip),
        };
        let current = self.policies.current();
        if current.policies.authorize(&request).allowed {
            return Ok(());
        }
        if second_factor_would_allow(&current.policies, &request) {
            return Err(AuthError::MfaRequired);
        }
        Err(AuthError::Forbidden(format!(
            "you may not perform {action}; it needs an administrator"
        )))
    }

    /// The client address: the gateway's `X-Nexus-Client-Ip` when trusted (the default) and the
    /// request carries a valid service token, else the first `X-Forwarded-For` hop when
    /// trusted, else the peer.
    ///
    /// The service token is what makes the header the gateway's word: the gateway sends both on
    /// every request it forwards, while any other pod that can reach this port (or a request
    /// that came some other way) has no token, so its claimed address is ignored and its own
    /// address is the one limited.
    pub fn client_ip(&self, request: &HttpRequest) -> Option<std::net::IpAddr> {
        if self.settings.trust_gateway_client_ip
            && carries_service_token(request)
            && let Some(asserted) = request
                .headers()
                .get(CLIENT_IP_HEADER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse().ok())
        {
            return Some(asserted);
        }
        if self.settings.trust_forwarded_for
            && let Some(forwarded) = request
                .headers()
                .get("x-forwarded-for")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.split(',').next())
                .and_then(|first| first.trim().parse().ok())
        {
            return Some(forwarded);
        }
        request.peer_addr().map(|address| address.ip())
    }
}

/// Whether `request` carries one of the accepted service tokens (the runtime hands every app
/// the [`ServiceCredentials`] its `/internal/*` guard checks with).
fn carries_service_token(request: &HttpRequest) -> bool {
    request
        .app_data::<web::Data<ServiceCredentials>>()
        .zip(request.headers().get(SERVICE_TOKEN_HEADER))
        .and_then(|(credentials, value)| Some(credentials.accepts(value.to_str().ok()?)))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use nexus_core::Role;
    use nexus_policy::Principal;

    use super::*;

    fn manage_policies(role: Role, is_banned: bool, mfa: bool) -> Request {
        Request {
            principal: Principal::User {
                id: "u-1".to_owned(),
                role,
                is_banned,
            },
            action: Action::AdminManagePolicies,
            resource: Resource::Platform,
            context: RequestContext { mfa, ip: None },
        }
    }

    #[test]
    fn only_a_refusal_a_second_factor_would_lift_is_mfa_required() {
        let policies = Policies::shipped().unwrap();
        assert!(second_factor_would_allow(
            &policies,
            &manage_policies(Role::Admin, false, false)
        ));
        for (request, why) in [
            (manage_policies(Role::User, false, false), "a user"),
            (manage_policies(Role::Analyst, false, false), "an analyst"),
            (manage_policies(Role::Admin, true, false), "a banned admin"),
            (
                manage_policies(Role::Admin, false, true),
                "already with MFA",
            ),
        ] {
            assert!(!second_factor_would_allow(&policies, &request), "{why}");
        }
    }
}
