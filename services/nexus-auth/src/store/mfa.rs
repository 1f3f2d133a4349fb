//! `auth.totp_secrets` and `auth.recovery_codes`.

use nexus_core::UserId;
use nexus_db::DbError;
use nexus_proto::auth::SecurityEventKind;

use super::Store;
use super::audit::{AuditRecord, insert};

/// A user's TOTP row, its secret decrypted.
#[derive(Clone)]
pub struct TotpRow {
    /// The shared secret.
    pub secret: Vec<u8>,
    /// Confirmed with a first code.
    pub confirmed: bool,
    /// The step of the last accepted code.
    pub last_used_step: Option<i64>,
}

impl std::fmt::Debug for TotpRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpRow")
            .field("secret", &"<redacted>")
            .field("confirmed", &self.confirmed)
            .field("last_used_step", &self.last_used_step)
            .finish()
    }
}

/// A TOTP row as stored: the secret encrypted (`kid`, `ciphertext`), or, for rows written
/// before encryption, in the clear until the re-encryption pass. The queries that read it name
/// its columns in this order (`confirmed` is `confirmed_at IS NOT NULL`).
#[derive(Clone)]
pub struct StoredTotp {
    /// The user.
    pub user_id: UserId,
    /// Plaintext secret (rows from before encryption only).
    pub secret: Option<Vec<u8>>,
    /// The envelope key's id.
    pub secret_kid: Option<String>,
    /// Nonce, ciphertext and tag.
    pub secret_ciphertext: Option<Vec<u8>>,
    /// Confirmed with a first code.
    pub confirmed: bool,
    /// The step of the last accepted code.
    pub last_used_step: Option<i64>,
}

impl std::fmt::Debug for StoredTotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTotp")
            .field("user_id", &self.user_id)
            .field("secret_kid", &self.secret_kid)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The user's stored TOTP row, if any.
    #[tracing::instrument(skip(self))]
    pub async fn totp(&self, user_id: UserId) -> Result<Option<StoredTotp>, DbError> {
        Ok(sqlx::query_as!(
            StoredTotp,
            r#"SELECT user_id, secret, secret_kid, secret_ciphertext,
             confirmed_at IS NOT NULL AS "confirmed!", last_used_step
             FROM auth.totp_secrets WHERE user_id = $1"#,
            user_id.as_uuid(),
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Starts (or restarts) an unconfirmed enrolment with an encrypted secret; false when a
    /// confirmed one exists.
    #[tracing::instrument(skip_all)]
    pub async fn start_totp(
        &self,
        user_id: UserId,
        kid: &str,
        ciphertext: &[u8],
    ) -> Result<bool, DbError> {
        let result = sqlx::query!(
            "INSERT INTO auth.totp_secrets (user_id, secret_kid, secret_ciphertext) \
             VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET secret = NULL, secret_kid = EXCLUDED.secret_kid, \
             secret_ciphertext = EXCLUDED.secret_ciphertext, created_at = now(), \
             last_used_step = NULL WHERE auth.totp_secrets.confirmed_at IS NULL",
            user_id.as_uuid(),
            kid,
            ciphertext,
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Rows whose secret is in the clear or under another key than `active_kid`.
    pub async fn totp_to_reencrypt(&self, active_kid: &str) -> Result<Vec<StoredTotp>, DbError> {
        Ok(sqlx::query_as!(
            StoredTotp,
            r#"SELECT user_id, secret, secret_kid, secret_ciphertext,
             confirmed_at IS NOT NULL AS "confirmed!", last_used_step
             FROM auth.totp_secrets WHERE secret IS NOT NULL OR secret_kid <> $1 LIMIT 1000"#,
            active_kid,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces a row's secret with its re-encryption if the row still holds what was read
    /// (a concurrent enrolment wins); returns whether it was replaced.
    pub async fn replace_totp_secret(
        &self,
        read: &StoredTotp,
        kid: &str,
        ciphertext: &[u8],
    ) -> Result<bool, DbError> {
        let result = sqlx::query!(
            "UPDATE auth.totp_secrets SET secret = NULL, secret_kid = $4, secret_ciphertext = $5 \
             WHERE user_id = $1 AND secret IS NOT DISTINCT FROM $2 \
             AND secret_ciphertext IS NOT DISTINCT FROM $3",
            read.user_id.as_uuid(),
            read.secret,
            read.secret_ciphertext,
            kid,
            ciphertext,
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Records `step` as used if it is later than the last used step; false when another
    /// request used this or a later step first (a replay).
    #[tracing::instrument(skip(self))]
    pub async fn use_totp_step(&self, user_id: UserId, step: i64) -> Result<bool, DbError> {
        let result = sqlx::query!(
            "UPDATE auth.totp_secrets SET last_used_step = $2 \
             WHERE user_id = $1 AND (last_used_step IS NULL OR last_used_step < $2)",
            user_id.as_uuid(),
            step,
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Confirms the enrolment (its first code used `step`) and replaces the recovery codes,
    /// with the audit row, in one transaction; false when there was nothing to confirm or the
    /// step was already used.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_totp(
        &self,
        user_id: UserId,
        step: i64,
        recovery_hashes: &[Vec<u8>],
        audit: &AuditRecord,
    ) -> Result<bool, DbError> {
        let mut transaction = self.pool.begin().await?;
        let result = sqlx::query!(
            "UPDATE auth.totp_secrets SET confirmed_at = now(), last_used_step = $2 \
             WHERE user_id = $1 AND confirmed_at IS NULL \
             AND (last_used_step IS NULL OR last_used_step < $2)",
            user_id.as_uuid(),
            step,
        )
        .execute(&mut *transaction)
        .await?;
        if result.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query!(
            "DELETE FROM auth.recovery_codes WHERE user_id = $1",
            user_id.as_uuid()
        )
        .execute(&mut *transaction)
        .await?;
        sqlx::query!(
            "INSERT INTO auth.recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])",
            user_id.as_uuid(),
            recovery_hashes,
        )
        .execute(&mut *transaction)
        .await?;
        insert(&mut transaction, audit).await?;
        self.enqueue_security_event(
            &mut transaction,
            user_id,
            SecurityEventKind::MfaEnrolled,
            audit,
            None,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Removes the user's TOTP secret and recovery codes, with the audit row; false when there
    /// was none.
    #[tracing::instrument(skip_all)]
    pub async fn delete_totp(&self, user_id: UserId, audit: &AuditRecord) -> Result<bool, DbError> {
        let mut transaction = self.pool.begin().await?;
        let result = sqlx::query!(
            "DELETE FROM auth.totp_secrets WHERE user_id = $1",
            user_id.as_uuid()
        )
        .execute(&mut *transaction)
        .await?;
        if result.rows_affected() == 0 {
            return Ok(false);
        }
        insert(&mut transaction, audit).await?;
        self.enqueue_security_event(
            &mut transaction,
            user_id,
            SecurityEventKind::MfaDisabled,
            audit,
            None,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Uses one recovery code (atomically: a code works once even under concurrency), with the
    /// audit row; false when the code is unknown or used.
    #[tracing::instrument(skip_all)]
    pub async fn use_recovery_code(
        &self,
        user_id: UserId,
        code_hash: &[u8],
        audit: &AuditRecord,
    ) -> Result<bool, DbError> {
        let mut transaction = self.pool.begin().await?;
        let result = sqlx::query!(
            "UPDATE auth.recovery_codes SET used_at = now() \
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            user_id.as_uuid(),
            code_hash,
        )
        .execute(&mut *transaction)
        .await?;
        if result.rows_affected() != 1 {
            return Ok(false);
        }
        insert(&mut transaction, audit).await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Unused recovery codes left.
    pub async fn recovery_codes_left(&self, user_id: UserId) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM auth.recovery_codes
             WHERE user_id = $1 AND used_at IS NULL"#,
            user_id.as_uuid(),
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
