//! `auth.api_keys`.

use chrono::{DateTime, Utc};
use nexus_core::{ApiKeyTier, Role, UserId};
use nexus_db::DbError;
use nexus_proto::auth::{ApiKeyInfo, SecurityEventKind};
use uuid::Uuid;

use super::Store;
use super::audit::{AuditRecord, insert};

/// A key to store.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The key's id (UUIDv7), also its audit subject.
    pub id: Uuid,
    /// The account the key acts for.
    pub user_id: UserId,
    /// The owner's label for it.
    pub name: String,
    /// The key's first characters, shown in listings so an owner can tell keys apart.
    pub prefix: String,
    /// HMAC of the key.
    pub key_hash: Vec<u8>,
    /// Action names.
    pub scopes: Vec<String>,
    /// The holder's roles when the key was made, which its tokens carry.
    pub roles: Vec<Role>,
    /// Rate-limit tier.
    pub tier: ApiKeyTier,
    /// When the key stops working; `None` for no expiry.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A live key found by its hash.
#[derive(Debug, Clone)]
pub struct ActiveApiKey {
    /// The key's id.
    pub id: Uuid,
    /// The account the key acts for.
    pub user_id: UserId,
    /// Stored HMAC (compared again in constant time).
    pub key_hash: Vec<u8>,
    /// Action names.
    pub scopes: Vec<String>,
    /// The holder's roles when the key was made, which its tokens carry.
    pub roles: Vec<Role>,
    /// Rate-limit tier.
    pub tier: ApiKeyTier,
}

/// An [`ApiKeyInfo`] as the database returns it, before its tier is parsed.
struct ApiKeyRecord {
    key_id: Uuid,
    name: String,
    prefix: String,
    scopes: Vec<String>,
    tier: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyRecord {
    fn checked(self) -> Result<ApiKeyInfo, DbError> {
        Ok(ApiKeyInfo {
            key_id: self.key_id,
            name: self.name,
            prefix: self.prefix,
            scopes: self.scopes,
            tier: stored_tier(&self.tier)?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// A `tier` column's text as an [`ApiKeyTier`]; anything else is a value the column should
/// never hold, reported as an undecodable column (500, cause logged).
fn stored_tier(text: &str) -> Result<ApiKeyTier, DbError> {
    text.parse().map_err(|error: nexus_core::UnknownName| {
        DbError::Query(sqlx::Error::Decode(Box::new(error)))
    })
}

/// A `roles` element's text as a [`Role`]; it was written from a [`Role`], so anything else is
/// undecodable (500, cause logged), like [`stored_tier`].
fn stored_role(text: &str) -> Result<Role, DbError> {
    text.parse()
        .map_err(|error: nexus_core::role::UnknownRole| {
            DbError::Query(sqlx::Error::Decode(Box::new(error)))
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
        let roles: Vec<String> = key.roles.iter().map(Role::to_string).collect();
        let mut transaction = self.pool.begin().await?;
        let created = sqlx::query_as!(
            ApiKeyRecord,
            "INSERT INTO auth.api_keys \
             (id, user_id, name, prefix, key_hash, scopes, roles, tier, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id AS key_id, name, prefix, scopes, tier, created_at, last_used_at, \
             expires_at, revoked_at",
            key.id,
            key.user_id.as_uuid(),
            key.name,
            key.prefix,
            key.key_hash,
            &key.scopes,
            &roles,
            key.tier.as_str(),
            key.expires_at,
        )
        .fetch_one(&mut *transaction)
        .await?
        .checked()?;
        insert(&mut transaction, audit).await?;
        self.enqueue_security_event(
            &mut transaction,
            key.user_id,
            SecurityEventKind::ApiKeyCreated,
            audit,
            Some((key.id, &key.name)),
        )
        .await?;
        transaction.commit().await?;
        Ok(created)
    }

    /// The user's keys, newest first.
    #[tracing::instrument(skip(self))]
    pub async fn list_api_keys(&self, user_id: UserId) -> Result<Vec<ApiKeyInfo>, DbError> {
        sqlx::query_as!(
            ApiKeyRecord,
            "SELECT id AS key_id, name, prefix, scopes, tier, created_at, last_used_at, \
             expires_at, revoked_at \
             FROM auth.api_keys WHERE user_id = $1 ORDER BY created_at DESC LIMIT 100",
            user_id.as_uuid(),
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(ApiKeyRecord::checked)
        .collect()
    }

    /// Revokes one of the user's keys, with its audit row; returns when, or None when there is
    /// no such (unrevoked) key of this user.
    #[tracing::instrument(skip(self, audit))]
    pub async fn revoke_api_key(
        &self,
        user_id: UserId,
        key_id: Uuid,
        audit: &AuditRecord,
    ) -> Result<Option<DateTime<Utc>>, DbError> {
        let mut transaction = self.pool.begin().await?;
        let revoked = sqlx::query!(
            r#"UPDATE auth.api_keys SET revoked_at = now()
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
             RETURNING revoked_at AS "revoked_at!", name"#,
            key_id,
            user_id.as_uuid(),
        )
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(revoked) = revoked else {
            return Ok(None);
        };
        insert(&mut transaction, audit).await?;
        self.enqueue_security_event(
            &mut transaction,
            user_id,
            SecurityEventKind::ApiKeyRevoked,
            audit,
            Some((key_id, &revoked.name)),
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(revoked.revoked_at))
    }

    /// Finds a live (unrevoked, unexpired) key by its hash. Read-only: an unknown key (a flood
    /// of random ones) costs one index look-up and no write.
    #[tracing::instrument(skip_all)]
    pub async fn find_api_key(&self, key_hash: &[u8]) -> Result<Option<ActiveApiKey>, DbError> {
        let row = sqlx::query!(
            "SELECT id, user_id, key_hash, scopes, roles, tier FROM auth.api_keys \
             WHERE key_hash = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > now())",
            key_hash,
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(ActiveApiKey {
                id: row.id,
                user_id: UserId::from_uuid(row.user_id),
                key_hash: row.key_hash,
                scopes: row.scopes,
                roles: row
                    .roles
                    .iter()
                    .map(|name| stored_role(name))
                    .collect::<Result<_, _>>()?,
                tier: stored_tier(&row.tier)?,
            })
        })
        .transpose()
    }

    /// Records a key's use, at most once a minute (introspections are cached by the gateway,
    /// and `last_used_at` need not be more precise than that).
    #[tracing::instrument(skip(self))]
    pub async fn touch_api_key(&self, key_id: Uuid) -> Result<(), DbError> {
        sqlx::query!(
            "UPDATE auth.api_keys SET last_used_at = now() WHERE id = $1 \
             AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
            key_id,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keys revoked since `since`: (key id, holder, when), for pushing revocation marks again.
    pub async fn recently_revoked_api_keys(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(Uuid, UserId, DateTime<Utc>)>, DbError> {
        let rows = sqlx::query!(
            r#"SELECT id, user_id, revoked_at AS "revoked_at!" FROM auth.api_keys
             WHERE revoked_at > $1"#,
            since,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.id, UserId::from_uuid(row.user_id), row.revoked_at))
            .collect())
    }
}
