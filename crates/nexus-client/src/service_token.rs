//! [`ServiceToken`]: the credential a client sends on internal calls (`/internal/*`), so the
//! callee's service-authentication guard (`nexus_http::service_auth`) lets it through.

use secrecy::{ExposeSecret, SecretString};

/// The header carrying the service token; the same name `nexus_http::service_auth` checks.
pub const SERVICE_TOKEN_HEADER: &str = "x-nexus-service-token";

/// The service token a [`ServiceClient`](crate::ServiceClient) attaches to calls whose path
/// starts with `/internal/`, and to nothing else (public endpoints, or anything outside the
/// platform, never see it). `Debug` prints no part of it.
#[derive(Clone)]
pub struct ServiceToken(SecretString);

impl ServiceToken {
    /// Wraps the token.
    pub fn new(token: SecretString) -> Self {
        Self(token)
    }

    /// The token, for the header.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for ServiceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServiceToken([redacted])")
    }
}

impl PartialEq for ServiceToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.expose_secret() == other.0.expose_secret()
    }
}

impl Eq for ServiceToken {}

/// Whether a call to `path` is an internal one that carries the service token.
pub(crate) fn is_internal_call(path: &str) -> bool {
    path.trim_start_matches('/').starts_with("internal/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_internal_paths_carry_the_token_and_debug_hides_it() {
        assert!(is_internal_call("/internal/v1/users/1"));
        assert!(is_internal_call("internal/v1/ws-keys/ab"));
        assert!(!is_internal_call("/.well-known/jwks.json"));
        assert!(!is_internal_call("/v1/internal/x"));
        let token = ServiceToken::new(SecretString::from("s3cret-s3cret".to_owned()));
        assert!(!format!("{token:?}").contains("s3cret"));
    }
}
