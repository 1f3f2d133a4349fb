//! Cedar authorization policies shared by the gateway and the services for local decisions.
//!
//! Layout:
//! - `policies/nexus.cedarschema`: the entity model (principals `User` and `Guest`, role groups,
//!   resources `Bounty`, `Analysis`, `File`, `Ruleset`, `UserAccount`, `Notification`,
//!   `Platform`) and every action with the resource kind it applies to.
//! - `policies/*.cedar`: the default policies, one file per area, each policy named by `@id`.
//!   Both are embedded with `include_str!`; the role table they implement is in
//!   docs/AUTHORIZATION.md.
//! - [`Policies`]: a validated policy set with a [`PolicyVersion`] (SHA-256 of schema and
//!   sources) and [`Policies::authorize`], which takes our typed [`Request`] and returns a
//!   [`Decision`]. No Cedar type crosses the API.
//! - [`LivePolicies`]: the published set in use, swapped atomically (newer revisions only) when
//!   the auth service publishes a new version.
//! - [`DecisionCache`]: decisions remembered per revision (exact: a decision depends only on
//!   the request and the policy set).
//!
//! The crate is pure: no async runtime, no I/O. Storing policies in PostgreSQL, invalidating
//! caches over Redis pub/sub (keyed by [`PolicyVersion`]) and the HTTP endpoints belong to the
//! auth service; the gateway and services build a [`Policies`] from the published sources and
//! swap it when the version changes.
//!
//! ```
//! use nexus_core::Role;
//! use nexus_policy::{Action, Policies, Principal, Request, RequestContext, Resource};
//!
//! let policies = Policies::shipped()?;
//! let decision = policies.authorize(&Request {
//!     principal: Principal::user("alice", Role::User),
//!     action: Action::UserReadPrivate,
//!     resource: Resource::UserAccount { id: "bob".to_owned() },
//!     context: RequestContext::default(),
//! });
//! assert!(!decision.allowed);
//! # Ok::<(), nexus_policy::PolicyError>(())
//! ```

mod cache;
mod cedar;
mod decision;
mod error;
mod live;
mod policies;
mod request;

pub use cache::DecisionCache;
pub use decision::{Decision, DecisionError};
pub use error::{PolicyDiagnostic, PolicyError};
pub use live::{LivePolicies, PublishedPolicies};
pub use policies::{Policies, PolicySource, PolicyVersion, SCHEMA_TEXT, SHIPPED_POLICIES};
pub use request::{
    Action, BountyStatus, Principal, Request, RequestContext, Resource, ResourceKind,
    UnknownAction, Visibility,
};
