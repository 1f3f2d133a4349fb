//! Account security state: status (active, banned, disabled), the token revocation mark
//! (`tokens_not_before`), password changes and password reset tokens.
//!
//! Every change that voids the account's tokens sets `tokens_not_before = now()` in the same
//! statement; the caller then announces the mark (`nexus_runtime::revocation::publish`), and
//! [`Store::recent_revocations`] lets the reconcile loop push marks again after Redis lost them.

use chrono::{DateTime, Utc};
use nexus_core::{AccountStatus, UserId};
use nexus_proto::user::PasswordResetRequested;

use super::Store;
use super::accounts::{AccountRecord, AccountRow};
use crate::error::UserError;

/// A password reset token to store (its hash) and mail (the event carries the raw token).
#[derive(Clone)]
pub struct NewPasswordReset {
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// The event for the notification service.
    pub requested: PasswordResetRequested,
}

impl Store {
    /// Sets `target`'s status; a change voids its tokens. Returns the row.
    #[tracing::instrument(skip(self))]
    pub async fn set_status(
        &self,
        target: UserId,
        status: AccountStatus,
    ) -> Result<AccountRow, UserError> {
        sqlx::query_as!(
            AccountRecord,
            "UPDATE users.accounts SET status = $2, updated_at = now(), \
             tokens_not_before = CASE WHEN status = $2 THEN tokens_not_before ELSE now() END \
             WHERE id = $1 \
             RETURNING id, email, username, password_hash, role, status, referral_code, \
             display_name, bio, avatar_url, website, full_name, created_at, updated_at, \
             tokens_not_before",
            target.as_uuid(),
            status.as_str(),
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(UserError::UserNotFound)?
        .checked()
    }

    /// Voids every token and session of `user_id` issued before now (sign-out everywhere).
    #[tracing::instrument(skip(self))]
    pub async fn revoke_tokens(&self, user_id: UserId) -> Result<DateTime<Utc>, UserError> {
        sqlx::query_scalar!(
            r#"UPDATE users.accounts SET tokens_not_before = now() WHERE id = $1
             RETURNING tokens_not_before AS "tokens_not_before!""#,
            user_id.as_uuid(),
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(UserError::UserNotFound)
    }

    /// Replaces the password hash if it is still `previous` and voids every token; false when
    /// a concurrent change won.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    pub async fn change_password(
        &self,
        id: UserId,
        previous: &str,
        new_hash: &str,
    ) -> Result<Option<DateTime<Utc>>, UserError> {
        Ok(sqlx::query_scalar!(
            r#"UPDATE users.accounts SET password_hash = $3, updated_at = now(),
             tokens_not_before = now() WHERE id = $1 AND password_hash = $2
             RETURNING tokens_not_before AS "tokens_not_before!""#,
            id.as_uuid(),
            previous,
            new_hash,
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Stores a reset token's hash and its `PasswordResetRequested` event in one transaction.
    #[tracing::instrument(skip_all, fields(user_id = %reset.requested.user_id))]
    pub async fn create_password_reset(
        &self,
        reset: &NewPasswordReset,
        traceparent: Option<&str>,
    ) -> Result<(), UserError> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query!(
            "INSERT INTO users.password_resets (token_hash, user_id, expires_at) \
             VALUES ($1, $2, $3)",
            reset.token_hash,
            reset.requested.user_id.as_uuid(),
            reset.requested.expires_at,
        )
        .execute(&mut *transaction)
        .await?;
        self.outbox
            .enqueue_event(&mut transaction, reset.requested.clone(), traceparent)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Issues the token of the pending reset stored under `reset_id`: replaces the `reset_id`
    /// by `token_hash`, once (the `reset_id` is gone afterwards), while the reset is unused and
    /// unexpired. The reset's expiry, or None when there is no such pending reset.
    #[tracing::instrument(skip_all)]
    pub async fn issue_password_reset_token(
        &self,
        reset_id: &[u8],
        token_hash: &[u8],
    ) -> Result<Option<DateTime<Utc>>, UserError> {
        let expires_at = sqlx::query_scalar!(
            "UPDATE users.password_resets SET token_hash = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() \
             RETURNING expires_at",
            reset_id,
            token_hash,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(expires_at)
    }

    /// Uses a reset token (once, before it expires) to set `new_hash`, voiding every token
    /// and every other reset token of the account, in one transaction. None when the token is
    /// unknown, used or expired; otherwise the account id and the new revocation mark.
    #[tracing::instrument(skip_all)]
    pub async fn consume_password_reset(
        &self,
        token_hash: &[u8],
        new_hash: &str,
    ) -> Result<Option<(UserId, DateTime<Utc>)>, UserError> {
        let mut transaction = self.pool.begin().await?;
        let user_id = sqlx::query_scalar!(
            "UPDATE users.password_resets SET used_at = now() \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id",
            token_hash,
        )
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(user_id) = user_id else {
            return Ok(None);
        };
        let mark = sqlx::query_scalar!(
            r#"UPDATE users.accounts SET password_hash = $2, updated_at = now(),
             tokens_not_before = now() WHERE id = $1
             RETURNING tokens_not_before AS "tokens_not_before!""#,
            user_id,
            new_hash,
        )
        .fetch_one(&mut *transaction)
        .await?;
        sqlx::query!(
            "UPDATE users.password_resets SET used_at = now() \
             WHERE user_id = $1 AND used_at IS NULL",
            user_id,
        )
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(Some((UserId::from_uuid(user_id), mark)))
    }

    /// The account a reset token is for, while the token is unused and unexpired.
    pub async fn password_reset_account(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<AccountRow>, UserError> {
        sqlx::query_as!(
            AccountRecord,
            "SELECT a.id, a.email, a.username, a.password_hash, a.role, a.status, \
             a.referral_code, a.display_name, a.bio, a.avatar_url, a.website, a.full_name, \
             a.created_at, a.updated_at, a.tokens_not_before \
             FROM users.accounts a JOIN users.password_resets r ON r.user_id = a.id \
             WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now()",
            token_hash,
        )
        .fetch_optional(&self.pool)
        .await?
        .map(AccountRecord::checked)
        .transpose()
    }

    /// Reset tokens requested for `user_id` since `since` (the per-account request limit).
    pub async fn password_resets_since(
        &self,
        user_id: UserId,
        since: DateTime<Utc>,
    ) -> Result<i64, UserError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM users.password_resets
             WHERE user_id = $1 AND created_at > $2"#,
            user_id.as_uuid(),
            since,
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Revocation marks set since `since` (the reconcile loop pushes them to Redis again).
    pub async fn recent_revocations(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(UserId, DateTime<Utc>)>, UserError> {
        let rows = sqlx::query!(
            r#"SELECT id, tokens_not_before AS "tokens_not_before!" FROM users.accounts
             WHERE tokens_not_before > $1"#,
            since,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (UserId::from_uuid(row.id), row.tokens_not_before))
            .collect())
    }
}
