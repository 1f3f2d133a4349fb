//! The check every URL passes before anything is sent to it: scheme, userinfo, port, and every
//! address its host stands for.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::address::forbidden_range;
use crate::resolve::NameResolver;
use crate::{FetchError, FetchPolicy};

/// A URL that passed the check: where the client may connect for it.
#[derive(Debug)]
pub(crate) struct Destination {
    /// The host as the URL writes it (a name, or an IP literal).
    pub(crate) host: String,
    /// Every checked address, with the URL's port.
    pub(crate) addresses: Vec<SocketAddr>,
    /// Whether the host is a name (the client then needs the addresses handed to it).
    pub(crate) is_name: bool,
}

/// Checks `url` against `policy`, resolving a host name with `resolver` (within the connect
/// timeout). Any forbidden address refuses the whole name: a resolver answering one public and
/// one private address is exactly the trick this exists to stop.
pub(crate) async fn check(
    url: &url::Url,
    policy: &FetchPolicy,
    resolver: &dyn NameResolver,
) -> Result<Destination, FetchError> {
    let default_port = match url.scheme() {
        "https" => 443,
        "http" if policy.allow_http => 80,
        scheme => {
            return Err(FetchError::SchemeForbidden {
                scheme: scheme.to_owned(),
            });
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::UserinfoForbidden);
    }
    let port = url.port().unwrap_or(default_port);
    if port != default_port && !policy.allowed_ports.contains(&port) {
        return Err(FetchError::PortForbidden { port });
    }
    let (host, is_name, ips) = match url.host() {
        None => {
            return Err(FetchError::InvalidUrl {
                reason: "it has no host".to_owned(),
            });
        }
        Some(url::Host::Ipv4(ip)) => (ip.to_string(), false, vec![IpAddr::V4(ip)]),
        Some(url::Host::Ipv6(ip)) => (ip.to_string(), false, vec![IpAddr::V6(ip)]),
        Some(url::Host::Domain(name)) => (
            name.to_owned(),
            true,
            resolve(name, policy, resolver).await?,
        ),
    };
    if ips.is_empty() {
        return Err(FetchError::NoAddresses { host });
    }
    for &address in &ips {
        if let Some(range) = forbidden_range(address, &policy.allow) {
            return Err(FetchError::DestinationForbidden {
                host,
                address,
                range,
            });
        }
    }
    Ok(Destination {
        host,
        addresses: ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect(),
        is_name,
    })
}

/// Resolves `name`; `localhost` and its subdomains are loopback by definition (RFC 6761) and
/// are answered without asking a resolver, whose handling of `localhost.` varies.
async fn resolve(
    name: &str,
    policy: &FetchPolicy,
    resolver: &dyn NameResolver,
) -> Result<Vec<IpAddr>, FetchError> {
    let bare = name.trim_end_matches('.').to_ascii_lowercase();
    if bare == "localhost" || bare.ends_with(".localhost") {
        return Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    }
    match tokio::time::timeout(policy.connect_timeout, resolver.resolve(name)).await {
        Err(_) => Err(FetchError::TimedOut),
        Ok(Err(source)) => Err(FetchError::DnsFailed {
            host: name.to_owned(),
            source,
        }),
        Ok(Ok(addresses)) => Ok(addresses),
    }
}
