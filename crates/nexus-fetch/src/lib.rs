//! The one SSRF-safe outbound HTTP client of Nexus Security.
//!
//! Webhook deliveries and URL analysis send requests to addresses users choose. Without care such
//! a request reaches the platform's own network (databases, the cloud metadata service at
//! `169.254.169.254`, admin ports on loopback). Every outbound request to a user-chosen address
//! goes through [`Fetcher`], which (work in progress; see the module docs below).

mod address;
mod destination;
mod error;
mod fetcher;
mod policy;
mod resolve;

pub use error::FetchError;
pub use fetcher::{FetchRequest, FetchResponse, Fetcher};
pub use policy::FetchPolicy;
pub use resolve::{NameResolver, Resolving, StaticResolver, SystemResolver};
