//! Local Cedar decisions from an access token: the glue between the shared token validator
//! (`nexus-http`) and the shared policies (`nexus-policy`), so no service builds principals by
//! hand.

use std::net::IpAddr;

use nexus_http::token::AccessClaims;
use nexus_policy::{Action, Decision, LivePolicies, Principal, Request, RequestContext, Resource};

/// The token's subject as a Cedar principal, with its most privileged role and whether the
/// account was banned when the token was issued.
pub fn principal_of(claims: &AccessClaims) -> Principal {
    Principal::User {
        id: claims.sub.clone(),
        role: claims.highest_role(),
        is_banned: claims.is_banned(),
    }
}

/// The request context a token gives: whether a second factor was used, and the client address.
pub fn context_of(claims: &AccessClaims, ip: Option<IpAddr>) -> RequestContext {
    RequestContext {
        mfa: claims.has_mfa(),
        ip,
    }
}

/// Decides whether the token's subject may perform `action` on `resource` with the process's
/// current policies.
pub fn decide(
    policies: &LivePolicies,
    claims: &AccessClaims,
    action: Action,
    resource: Resource,
) -> Decision {
    policies.current().policies.authorize(&Request {
        principal: principal_of(claims),
        action,
        resource,
        context: context_of(claims, None),
    })
}
