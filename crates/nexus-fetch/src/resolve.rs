//! Name resolution, pluggable so tests can make any name resolve anywhere.
//!
//! The fetcher resolves a name once, checks every address, and then hands exactly those
//! addresses to the HTTP client for that request; the client itself never resolves. That is
//! what closes the DNS-rebinding window: there is no second lookup whose answer could differ.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;

/// The future a [`NameResolver`] returns.
pub type Resolving<'a> = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send + 'a>>;

/// Turns a host name into addresses. The fetcher checks whatever this returns.
pub trait NameResolver: Send + Sync + 'static {
    /// Every address of `host` (a DNS name, never an IP literal).
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a>;
}

/// The operating system's resolver (`getaddrinfo` through tokio): `/etc/hosts`, then DNS.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl NameResolver for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a> {
        Box::pin(async move {
            let addresses = tokio::net::lookup_host((host, 0)).await?;
            Ok(addresses.map(|address| address.ip()).collect())
        })
    }
}

/// A fixed table of names, for tests and local development: `evil.test` → `10.0.0.1`.
/// Names not in the table fail to resolve (`dns_failed`).
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    names: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `host` (matched case-insensitively, trailing dot ignored) with its addresses.
    pub fn with(mut self, host: &str, addresses: &[IpAddr]) -> Self {
        self.names.insert(normalized(host), addresses.to_vec());
        self
    }
}

impl NameResolver for StaticResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a> {
        let found = self.names.get(&normalized(host)).cloned();
        Box::pin(async move {
            found.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    "the name is not in the static table",
                )
            })
        })
    }
}

fn normalized(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The resolver the HTTP client is given: every name it could ask for was resolved and checked
/// already and overrides this, so any call here is a bug and is refused rather than resolved.
pub(crate) struct RefusingResolver;

impl reqwest::dns::Resolve for RefusingResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let message = format!("{} was not resolved and checked first", name.as_str());
        Box::pin(
            async move { Err(io::Error::new(io::ErrorKind::PermissionDenied, message).into()) },
        )
    }
}
