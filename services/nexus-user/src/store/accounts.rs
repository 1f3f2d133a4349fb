//! Accounts: registration, lookups, profile updates, role changes, password rehash.

use chrono::{DateTime, Utc};
use nexus_core::{AccountStatus, Role, UserId};
use nexus_db::DbError;
use nexus_proto::user::{
    AccountSummary, PrivateProfile, PublicProfile, ReferralRecorded, UserRegistered,
    UserRoleChanged,
};
use uuid::Uuid;

use super::Store;
use crate::domain::profile::ProfileUpdate;
use crate::domain::referral_code::generate_referral_code;
use crate::error::UserError;

/// How often registration draws a new referral code after a clash (50-bit codes clash
/// rarely; three clashes in a row mean something else is wrong).
const REFERRAL_CODE_ATTEMPTS: usize = 3;

/// One row of `users.accounts`, its names checked ([`AccountRecord`] is what the queries read).
#[derive(Clone)]
pub struct AccountRow {
    /// Account id (UUIDv7), the `sub` of its tokens.
    pub id: UserId,
    /// Normalised email.
    pub email: String,
    /// Stored as chosen; unique case-insensitively.
    pub username: String,
    /// PHC string.
    pub password_hash: String,
    /// The account's role (never `guest`: registration gives `user`).
    pub role: Role,
    /// Whether the account may sign in, and how far.
    pub status: AccountStatus,
    /// Ten base32 letters (`A-Z2-7`), unique, given at registration.
    pub referral_code: String,
    /// Shown to anyone; `None` until the owner sets it (the same for `bio`, `avatar_url` and
    /// `website`).
    pub display_name: Option<String>,
    /// Shown to anyone.
    pub bio: Option<String>,
    /// Shown to anyone (an https URL).
    pub avatar_url: Option<String>,
    /// Shown to anyone (an https URL).
    pub website: Option<String>,
    /// Shown to the owner only.
    pub full_name: Option<String>,
    /// When the account registered.
    pub created_at: DateTime<Utc>,
    /// The last change to the profile, role, status or password.
    pub updated_at: DateTime<Utc>,
    /// Tokens and sessions issued before this instant are void.
    pub tokens_not_before: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A `users.accounts` row as the database returns it. The queries that read it name every
/// column in this order (a `query_as!` string must be a literal, so the list is written out
/// at each one); [`AccountRecord::checked`] turns it into an [`AccountRow`], once, here.
pub(super) struct AccountRecord {
    /// Read as a Uuid; `query_as!` converts it (`From<Uuid>`).
    pub(super) id: UserId,
    pub(super) email: String,
    pub(super) username: String,
    pub(super) password_hash: String,
    pub(super) role: String,
    pub(super) status: String,
    pub(super) referral_code: String,
    pub(super) display_name: Option<String>,
    pub(super) bio: Option<String>,
    pub(super) avatar_url: Option<String>,
    pub(super) website: Option<String>,
    pub(super) full_name: Option<String>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) tokens_not_before: Option<DateTime<Utc>>,
}

impl AccountRecord {
    /// The row with its names parsed; a name the column's CHECK should have kept out is an
    /// internal error naming the account, not a value to pass on.
    pub(super) fn checked(self) -> Result<AccountRow, UserError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            UserError::Internal(format!("account {id} holds {error}"))
        };
        let status = self
            .status
            .parse::<AccountStatus>()
            .map_err(|error| corrupt(&error))?;
        let role = self.role.parse::<Role>().map_err(|error| corrupt(&error))?;
        Ok(AccountRow {
            id: self.id,
            email: self.email,
            username: self.username,
            password_hash: self.password_hash,
            role,
            status,
            referral_code: self.referral_code,
            display_name: self.display_name,
            bio: self.bio,
            avatar_url: self.avatar_url,
            website: self.website,
            full_name: self.full_name,
            created_at: self.created_at,
            updated_at: self.updated_at,
            tokens_not_before: self.tokens_not_before,
        })
    }
}

impl AccountRow {
    /// Whether the account may sign in: `active`, or `banned` (read-only: its tokens carry
    /// `status: banned`, which the Cedar forbid `banned-read-only` evaluates). Only `disabled`
    /// accounts are refused.
    pub fn is_active(&self) -> bool {
        self.status != AccountStatus::Disabled
    }

    /// What anyone may see.
    pub fn public_profile(&self) -> PublicProfile {
        PublicProfile {
            user_id: self.id,
            username: self.username.clone(),
            roles: vec![self.role],
            display_name: self.display_name.clone(),
            bio: self.bio.clone(),
            avatar_url: self.avatar_url.clone(),
            website: self.website.clone(),
            created_at: self.created_at,
        }
    }

    /// What the owner sees.
    pub fn private_profile(&self) -> PrivateProfile {
        PrivateProfile {
            public: self.public_profile(),
            email: self.email.clone(),
            full_name: self.full_name.clone(),
            status: self.status,
            referral_code: self.referral_code.clone(),
            updated_at: self.updated_at,
        }
    }

    /// What other services see.
    pub fn summary(&self) -> AccountSummary {
        AccountSummary {
            user_id: self.id,
            username: self.username.clone(),
            email: self.email.clone(),
            roles: vec![self.role],
            status: self.status,
            tokens_not_before: self.tokens_not_before,
        }
    }
}

/// A validated registration.
#[derive(Clone)]
pub struct NewAccount {
    /// Normalised email.
    pub email: String,
    /// Validated username.
    pub username: String,
    /// PHC string.
    pub password_hash: String,
    /// The referrer, already resolved from the code.
    pub referrer: Option<UserId>,
}

/// What registration wrote.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The new account.
    pub account: AccountRow,
}

impl Store {
    /// Creates the account, its pending referral and their events in one transaction.
    #[tracing::instrument(skip_all, fields(username = %account.username))]
    pub async fn register(
        &self,
        account: &NewAccount,
        traceparent: Option<&str>,
    ) -> Result<Registered, UserError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_register(account, traceparent).await {
                Err(UserError::Db(DbError::Conflict { constraint }))
                    if constraint == "accounts_referral_code_key"
                        && attempt < REFERRAL_CODE_ATTEMPTS =>
                {
                    tracing::warn!(attempt, "A new referral code clashed; drawing another.");
                }
                Err(UserError::Db(DbError::Conflict { constraint })) => {
                    return Err(match constraint.as_str() {
                        "accounts_email_key" => UserError::EmailTaken,
                        "accounts_username_key" => UserError::UsernameTaken,
                        _ => UserError::Db(DbError::Conflict { constraint }),
                    });
                }
                other => return other,
            }
        }
    }

    async fn try_register(
        &self,
        account: &NewAccount,
        traceparent: Option<&str>,
    ) -> Result<Registered, UserError> {
        let mut transaction = self.pool.begin().await?;
        let row = sqlx::query_as!(
            AccountRecord,
            "INSERT INTO users.accounts (id, email, username, password_hash, role, referral_code) \
             VALUES ($1, $2, $3, $4, 'user', $5) \
             RETURNING id, email, username, password_hash, role, status, referral_code, \
             display_name, bio, avatar_url, website, full_name, created_at, updated_at, \
             tokens_not_before",
            Uuid::now_v7(),
            account.email,
            account.username,
            account.password_hash,
            generate_referral_code(),
        )
        .fetch_one(&mut *transaction)
        .await
        .map_err(DbError::from)?
        .checked()?;
        if let Some(referrer) = account.referrer {
            sqlx::query!(
                "INSERT INTO users.referrals (referred_id, referrer_id) VALUES ($1, $2)",
                row.id.as_uuid(),
                referrer.as_uuid(),
            )
            .execute(&mut *transaction)
            .await
            .map_err(DbError::from)?;
            let recorded = ReferralRecorded {
                referrer_id: referrer,
                referred_id: row.id,
            };
            self.outbox
                .enqueue_event(&mut transaction, recorded, traceparent)
                .await?;
        }
        let registered = UserRegistered {
            user_id: row.id,
            username: row.username.clone(),
            email: row.email.clone(),
            role: row.role,
            referred_by: account.referrer,
        };
        self.outbox
            .enqueue_event(&mut transaction, registered, traceparent)
            .await?;
        transaction.commit().await?;
        Ok(Registered { account: row })
    }

    /// The account with this referral code.
    #[tracing::instrument(skip_all)]
    pub async fn find_referrer(&self, code: &str) -> Result<Option<UserId>, UserError> {
        Ok(sqlx::query_scalar!(
            "SELECT id FROM users.accounts WHERE referral_code = $1",
            code
        )
        .fetch_optional(&self.pool)
        .await?
        .map(UserId::from_uuid))
    }

    /// The account whose normalised email is `email`.
    #[tracing::instrument(skip_all)]
    pub async fn find_by_email(&self, email: &str) -> Result<Option<AccountRow>, UserError> {
        sqlx::query_as!(
            AccountRecord,
            "SELECT id, email, username, password_hash, role, status, referral_code, display_name, \
             bio, avatar_url, website, full_name, created_at, updated_at, tokens_not_before \
             FROM users.accounts WHERE email = $1",
            email
        )
        .fetch_optional(&self.pool)
        .await?
        .map(AccountRecord::checked)
        .transpose()
    }

    /// The account whose username is `username` in any case.
    #[tracing::instrument(skip_all)]
    pub async fn find_by_username(&self, username: &str) -> Result<Option<AccountRow>, UserError> {
        sqlx::query_as!(
            AccountRecord,
            "SELECT id, email, username, password_hash, role, status, referral_code, display_name, \
             bio, avatar_url, website, full_name, created_at, updated_at, tokens_not_before \
             FROM users.accounts WHERE lower(username) = lower($1)",
            username
        )
        .fetch_optional(&self.pool)
        .await?
        .map(AccountRecord::checked)
        .transpose()
    }

    /// The account with this id.
    #[tracing::instrument(skip(self))]
    pub async fn find_by_id(&self, id: UserId) -> Result<Option<AccountRow>, UserError> {
        sqlx::query_as!(
            AccountRecord,
            "SELECT id, email, username, password_hash, role, status, referral_code, display_name, \
             bio, avatar_url, website, full_name, created_at, updated_at, tokens_not_before \
             FROM users.accounts WHERE id = $1",
            id.as_uuid()
        )
        .fetch_optional(&self.pool)
        .await?
        .map(AccountRecord::checked)
        .transpose()
    }

    /// The account with this id, or `user_not_found`.
    pub async fn get(&self, id: UserId) -> Result<AccountRow, UserError> {
        self.find_by_id(id).await?.ok_or(UserError::UserNotFound)
    }

    /// Replaces the password hash if it is still `previous` (a concurrent password change
    /// wins); returns whether it was replaced.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    pub async fn replace_password_hash(
        &self,
        id: UserId,
        previous: &str,
        new: &str,
    ) -> Result<bool, UserError> {
        let result = sqlx::query!(
            "UPDATE users.accounts SET password_hash = $3 WHERE id = $1 AND password_hash = $2",
            id.as_uuid(),
            previous,
            new,
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Applies a validated profile update; untouched fields keep their value.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    pub async fn update_profile(
        &self,
        id: UserId,
        update: &ProfileUpdate,
    ) -> Result<AccountRow, UserError> {
        let field = |value: &Option<Option<String>>| (value.is_some(), value.clone().flatten());
        let (set_display_name, display_name) = field(&update.display_name);
        let (set_bio, bio) = field(&update.bio);
        let (set_avatar, avatar_url) = field(&update.avatar_url);
        let (set_website, website) = field(&update.website);
        let (set_full_name, full_name) = field(&update.full_name);
        sqlx::query_as!(
            AccountRecord,
            "UPDATE users.accounts SET \
             display_name = CASE WHEN $2 THEN $3 ELSE display_name END, \
             bio = CASE WHEN $4 THEN $5 ELSE bio END, \
             avatar_url = CASE WHEN $6 THEN $7 ELSE avatar_url END, \
             website = CASE WHEN $8 THEN $9 ELSE website END, \
             full_name = CASE WHEN $10 THEN $11 ELSE full_name END, \
             updated_at = now() \
             WHERE id = $1 \
             RETURNING id, email, username, password_hash, role, status, referral_code, \
             display_name, bio, avatar_url, website, full_name, created_at, updated_at, \
             tokens_not_before",
            id.as_uuid(),
            set_display_name,
            display_name,
            set_bio,
            bio,
            set_avatar,
            avatar_url,
            set_website,
            website,
            set_full_name,
            full_name,
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(UserError::UserNotFound)?
        .checked()
    }

    /// Sets `target`'s role and records `UserRoleChanged` (only when it changes).
    #[tracing::instrument(skip(self, traceparent))]
    pub async fn change_role(
        &self,
        target: UserId,
        role: Role,
        changed_by: UserId,
        traceparent: Option<&str>,
    ) -> Result<AccountRow, UserError> {
        let mut transaction = self.pool.begin().await?;
        let previous = sqlx::query_scalar!(
            "SELECT role FROM users.accounts WHERE id = $1 FOR UPDATE",
            target.as_uuid()
        )
        .fetch_optional(&mut *transaction)
        .await?
        .ok_or(UserError::UserNotFound)?
        .parse::<Role>()
        .map_err(|error| UserError::Internal(format!("account {target} holds {error}")))?;
        // A new role voids the tokens that carry the old one.
        let row = sqlx::query_as!(
            AccountRecord,
            "UPDATE users.accounts SET role = $2, updated_at = now(), \
             tokens_not_before = CASE WHEN role = $2 THEN tokens_not_before ELSE now() END \
             WHERE id = $1 \
             RETURNING id, email, username, password_hash, role, status, referral_code, \
             display_name, bio, avatar_url, website, full_name, created_at, updated_at, \
             tokens_not_before",
            target.as_uuid(),
            role.as_str(),
        )
        .fetch_one(&mut *transaction)
        .await?
        .checked()?;
        if previous != role {
            let changed = UserRoleChanged {
                user_id: target,
                previous_role: previous,
                new_role: role,
                changed_by,
            };
            self.outbox
                .enqueue_event(&mut transaction, changed, traceparent)
                .await?;
        }
        transaction.commit().await?;
        Ok(row)
    }
}
