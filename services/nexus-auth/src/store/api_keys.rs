//! `auth.api_keys`.

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::auth::ApiKeyInfo;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::Store;
use super::audit::{AuditRecord, insert};

/// A key to store.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// Key id.
    pub id: Uuid,
    /// Holder.
    pub user_id: Uuid,
    /// Label.
    pub name: String,
    /// Display prefix.
    pub prefix: String,
    /// HMAC of the key.
    pub key_hash: Vec<u8>,
    /// Action names.
    pub scopes: Vec<String>,
    /// Holder's roles.
    pub roles: Vec<String>,
    /// Tier.
    pub tier: String,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A live key found by its hash.
#[derive(Debug, Clone)]
pub struct ActiveApiKey {
    /// Key id.
    pub id: Uuid,
    /// Holder.
    pub user_id: Uuid,
    /// Stored HMAC (compared again in constant time).
    pub key_hash: Vec<u8>,
    /// Action names.
    pub scopes: Vec<String>,
    /// Holder's roles.
    pub roles: Vec<String>,
    /// Tier.
    pub tier: String,
}

fn info(row: &PgRow) -> Result<ApiKeyInfo, sqlx::Error> {
    Ok(ApiKeyInfo {
        key_id: row.try_get("id")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        scopes: row.try_get("scopes")?,
        tier: row.try_get("tier")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Stores a new key with its audit row.
    #[tracing::instrument(skip_all, fields(key_id = %key.id))]
    pub async fn create_api_key(
        &self,
        key: &NewApiKey,
        audit: &AuditRecord,
    ) -> Result<ApiKeyInfo, DbError> {
        let mut transaction = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO auth.api_keys (id, user_id, name, prefix, key_hash, scopes, roles, tier, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id, name, prefix, scopes, tier, created_at, last_used_at, expires_at, revoked_at",
        )
        .bind(key.id)
        .bind(key.user_id)
        .bind(&key.name)
        .bind(&key.prefix)
        .bind(&key.key_hash)
        .bind(&key.scopes)
        .bind(&key.roles)
        .bind(&key.tier)
        .bind(key.expires_at)
        .fetch_one(&mut *transaction)
        .await?;
        let created = info(&row)?;
        insert(&mut transaction, audit).await?;
        transaction.commit().await?;
        Ok(created)
    }

    /// The user's keys, newest first.
    #[tracing::instrument(skip(self))]
    pub async fn list_api_keys(&self, user_id: Uuid) -> Result<Vec<ApiKeyInfo>, DbError> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, scopes, tier, created_at, last_used_at, expires_at, revoked_at \
             FROM auth.api_keys WHERE user_id = $1 ORDER BY created_at DESC LIMIT 100",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(info)
            .collect::<Result<_, _>>()
            .map_err(DbError::from)
    }

    /// Revokes one of the user's keys, with its audit row; returns when, or None when there is
    /// no such (unrevoked) key of this user.
    #[tracing::instrument(skip(self, audit))]
    pub async fn revoke_api_key(
        &self,
        user_id: Uuid,
        key_id: Uuid,
        audit: &AuditRecord,
    ) -> Result<Option<DateTime<Utc>>, DbError> {
        let mut transaction = self.pool.begin().await?;
        let revoked_at: Option<DateTime<Utc>> = sqlx::query_scalar(
            "UPDATE auth.api_keys SET revoked_at = now() \
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING revoked_at",
        )
        .bind(key_id)
        .bind(user_id)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(revoked_at) = revoked_at else {
            return Ok(None);
        };
        insert(&mut transaction, audit).await?;
        transaction.commit().await?;
        Ok(Some(revoked_at))
    }

    /// Finds a live (unrevoked, unexpired) key by its hash. Read-only: an unknown key (a flood
    /// of random ones) costs one index look-up and no write.
    #[tracing::instrument(skip_all)]
    pub async fn find_api_key(&self, key_hash: &[u8]) -> Result<Option<ActiveApiKey>, DbError> {
        let row = sqlx::query(
            "SELECT id, user_id, key_hash, scopes, roles, tier FROM auth.api_keys \
             WHERE key_hash = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > now())",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(ActiveApiKey {
                id: row.try_get("id")?,
                user_id: row.try_get("user_id")?,
                key_hash: row.try_get("key_hash")?,
                scopes: row.try_get("scopes")?,
                roles: row.try_get("roles")?,
                tier: row.try_get("tier")?,
            })
        })
        .transpose()
        .map_err(|error: sqlx::Error| DbError::from(error))
    }

    /// Records a key's use, at most once a minute (introspections are cached by the gateway,
    /// and `last_used_at` need not be more precise than that).
    #[tracing::instrument(skip(self))]
    pub async fn touch_api_key(&self, key_id: Uuid) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE auth.api_keys SET last_used_at = now() WHERE id = $1 \
             AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        )
        .bind(key_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keys revoked since `since`: (key id, holder, when), for pushing revocation marks again.
    pub async fn recently_revoked_api_keys(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(Uuid, Uuid, DateTime<Utc>)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, user_id, revoked_at FROM auth.api_keys WHERE revoked_at > $1",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }
}
