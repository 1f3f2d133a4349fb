//! Who a retrohunt reads as: its owner's role and status now, not when the hunt was created.
//!
//! A hunt keeps the role its owner's token carried (`owner_role`) and the instant up to which
//! that role, and an active status, are known current (`owner_checked_at`: the token's issue
//! time, then each re-read). Every change that matters here (disable, ban, role change) raises
//! the owner's revocation mark (`nexus_runtime::revocation`, the Redis hash the gateways read).
//! So before each chunk [`HuntOwners::standing`] does one `HGET`:
//!
//! - no mark, or a mark not later than `owner_checked_at`: nothing changed, the chunk reads as
//!   `owner_role` (the common case costs one Redis round trip, no call to nexus-user);
//! - a later mark: the account is read from nexus-user (`GET /internal/v1/users/{id}`, the
//!   durable truth). Disabled, banned or gone: the hunt stops with a stable reason
//!   ([`OWNER_DISABLED`], [`OWNER_BANNED`], [`OWNER_NOT_FOUND`]). Active: its highest role now
//!   is recorded, and this chunk and the next read only what that role may read.
//!
//! nexus-user unreachable: the chunk fails and is retried (never scanned with a role that
//! may be stale); after `bus.max_deliveries` the hunt ends `failed`. A change takes effect at
//! the next chunk, so within half of `bus.handler_timeout`. Redis wiped of its marks: nexus-user
//! pushes them back within its reconcile interval (30 s).

use chrono::{DateTime, TimeDelta, Utc};
use nexus_client::{CallContext, ClientError, ClientSettings, ServiceClient, UserClient};
use nexus_core::{AccountStatus, Role, UserId};
use nexus_runtime::revocation::ACCOUNT_MARKS_KEY;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::store::RetrohuntJob;

/// The hunt's owner account is disabled.
pub const OWNER_DISABLED: &str = "owner_disabled: the hunt's owner account was disabled, so \
     the hunt stopped; the samples after the last one scanned were not searched";

/// The hunt's owner account is banned (read-only: it may not run new work).
pub const OWNER_BANNED: &str = "owner_banned: the hunt's owner account was banned, so the hunt \
     stopped; the samples after the last one scanned were not searched";

/// The hunt's owner account no longer exists.
pub const OWNER_NOT_FOUND: &str = "owner_not_found: the hunt's owner account does not exist \
     any more, so the hunt stopped";

/// Recorded read times are this much earlier than the read: a change committed just before
/// the read (its mark a moment older than the commit), or a clock a little ahead, is caught by
/// one more re-read instead of being missed.
const CHECK_MARGIN: TimeDelta = TimeDelta::seconds(5);

/// What a hunt's next chunk may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Read as this role.
    Active(Role),
    /// Stop the hunt with this reason.
    Stopped(&'static str),
}

/// Reads hunt owners' accounts from nexus-user.
#[derive(Debug, Clone)]
pub struct HuntOwners {
    users: UserClient,
}

impl HuntOwners {
    /// A client of nexus-user at `user_url`, sending the service token of `settings`.
    pub fn new(user_url: &str, settings: &ClientSettings) -> Result<Self, ClientError> {
        let client = ServiceClient::new("nexus-user", user_url, settings.clone())?;
        Ok(Self {
            users: UserClient::new(client),
        })
    }

    /// The owner's standing for the next chunk of hunt `id` (see the module docs); records a
    /// re-read role on the hunt.
    pub async fn standing(
        &self,
        service: &AnalysisService,
        id: Uuid,
        job: &RetrohuntJob,
    ) -> Result<Standing, AnalysisError> {
        let mark_ms: Option<i64> = redis::cmd("HGET")
            .arg(service.bus.key(ACCOUNT_MARKS_KEY))
            .arg(&job.owner)
            .query_async(&mut service.bus.connection())
            .await?;
        let Some(mark) = mark_ms.and_then(DateTime::<Utc>::from_timestamp_millis) else {
            return Ok(Standing::Active(job.owner_role));
        };
        if mark <= job.owner_checked_at {
            return Ok(Standing::Active(job.owner_role));
        }
        let read_at = Utc::now() - CHECK_MARGIN;
        let Ok(user_id) = job.owner.parse::<UserId>() else {
            return Ok(Standing::Stopped(OWNER_NOT_FOUND));
        };
        let account = match self.users.get_account(&CallContext::none(), user_id).await {
            Ok(account) => account,
            Err(ClientError::Api { status, .. }) if status.as_u16() == 404 => {
                return Ok(Standing::Stopped(OWNER_NOT_FOUND));
            }
            Err(error) => {
                return Err(AnalysisError::Task(format!(
                    "reading the hunt owner's account from nexus-user failed: {}",
                    nexus_http::error::cause_chain(&error)
                )));
            }
        };
        let standing = match account.status {
            AccountStatus::Disabled => Standing::Stopped(OWNER_DISABLED),
            AccountStatus::Banned => Standing::Stopped(OWNER_BANNED),
            AccountStatus::Active => {
                let role = account.roles.iter().copied().max().unwrap_or(Role::Guest);
                service
                    .store
                    .recheck_retrohunt_owner(id, role, read_at)
                    .await?;
                Standing::Active(role)
            }
        };
        tracing::info!(retrohunt_id = %id, standing = ?standing, "A retrohunt's owner changed since the hunt last checked; read the account again.");
        Ok(standing)
    }
}
