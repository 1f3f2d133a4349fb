//! Why a fetch failed, with a stable code for each reason.

/// Why a fetch was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL cannot be fetched as written (no host, unparsable `Location`).
    #[error("the URL is not usable: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },
    /// The URL carries a user name or password; credentials are never sent in URLs.
    #[error("the URL contains a user name or password; put credentials in headers instead")]
    UserinfoForbidden,
    /// Only `http` and `https` (and `http` only when the policy allows it) are fetched.
    #[error("the scheme {scheme:?} is not allowed; use https")]
    SchemeForbidden {
        /// The refused scheme.
        scheme: String,
    },
    /// The port is neither the scheme's default nor in the policy's allowed ports.
    #[error("port {port} is not allowed; use the scheme's default port")]
    PortForbidden {
        /// The refused port.
        port: u16,
    },
    /// The host is, or resolves to, an address in a forbidden range.
    #[error("{host} resolves to {address}, a {range} address; only public addresses are reachable")]
    DestinationForbidden {
        /// The host as written in the URL.
        host: String,
        /// The first forbidden address found.
        address: std::net::IpAddr,
        /// The name of the forbidden range (e.g. "loopback", "cloud metadata").
        range: &'static str,
    },
    /// The name could not be resolved.
    #[error("the name {host} could not be resolved: {source}")]
    DnsFailed {
        /// The name.
        host: String,
        /// The resolver's error.
        #[source]
        source: std::io::Error,
    },
    /// The name resolved to no address at all.
    #[error("the name {host} has no addresses")]
    NoAddresses {
        /// The name.
        host: String,
    },
    /// No TCP connection could be opened to the checked addresses.
    #[error("could not connect: {detail}")]
    ConnectFailed {
        /// The cause chain, as text.
        detail: String,
    },
    /// The TLS handshake failed (bad certificate, wrong name, no common protocol).
    #[error("the TLS handshake failed: {detail}")]
    TlsFailed {
        /// The cause chain, as text.
        detail: String,
    },
    /// The connect timeout or the whole-request timeout passed.
    #[error("the request timed out")]
    TimedOut,
    /// More redirects than the policy's `max_redirects`.
    #[error("more than {max} redirects")]
    TooManyRedirects {
        /// The policy's limit.
        max: u8,
    },
    /// A redirect pointed somewhere the first URL could not have gone.
    #[error("the redirect to {location} was refused: {reason}")]
    RedirectForbidden {
        /// The `Location` as sent by the server.
        location: String,
        /// Why the hop was refused.
        #[source]
        reason: Box<FetchError>,
    },
    /// The policy cannot be used (e.g. the HTTP client cannot be built from it).
    #[error("the fetch policy is not usable: {reason}")]
    InvalidPolicy {
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing the exchange failed after the connection was open.
    #[error("the exchange failed: {detail}")]
    Io {
        /// The cause chain, as text.
        detail: String,
    },
}

impl FetchError {
    /// The stable snake_case code of this error (documented in docs/ERRORS.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUrl { .. } => "invalid_url",
            Self::UserinfoForbidden => "userinfo_forbidden",
            Self::SchemeForbidden { .. } => "scheme_forbidden",
            Self::PortForbidden { .. } => "port_forbidden",
            Self::DestinationForbidden { .. } => "destination_forbidden",
            Self::DnsFailed { .. } => "dns_failed",
            Self::NoAddresses { .. } => "no_addresses",
            Self::ConnectFailed { .. } => "connect_failed",
            Self::TlsFailed { .. } => "tls_failed",
            Self::TimedOut => "timed_out",
            Self::TooManyRedirects { .. } => "too_many_redirects",
            Self::RedirectForbidden { .. } => "redirect_forbidden",
            Self::InvalidPolicy { .. } => "invalid_policy",
            Self::Io { .. } => "io",
        }
    }
}
