//! Ed25519 WebSocket keys: register, list, revoke, and the gateway's lookup.

use chrono::{DateTime, Utc};
use nexus_core::UserId;
use nexus_db::DbError;
use nexus_proto::user::{Ed25519KeyRegistered, Ed25519KeyRevoked, WsKey, WsKeyOwner};
use uuid::Uuid;

use super::Store;
use super::wallets::lock_account;
use crate::error::UserError;

/// One active row of `users.ws_keys`.
#[derive(Debug, Clone)]
pub struct WsKeyRow {
    /// Key id.
    pub id: Uuid,
    /// 64 lower-case hex digits.
    pub public_key: String,
    /// The owner's name for the key, at most 64 characters.
    pub label: Option<String>,
    /// Registered at.
    pub created_at: DateTime<Utc>,
}

impl WsKeyRow {
    /// The wire form.
    pub fn to_wire(&self) -> WsKey {
        WsKey {
            key_id: self.id,
            public_key_hex: self.public_key.clone(),
            label: self.label.clone(),
            created_at: self.created_at,
        }
    }
}

/// A key to register.
#[derive(Debug, Clone)]
pub struct NewWsKey<'a> {
    /// Owner.
    pub user_id: UserId,
    /// 64 lower-case hex digits, already vetted.
    pub public_key_hex: &'a str,
    /// The owner's name for the key, at most 64 characters.
    pub label: Option<String>,
    /// Most active keys per account.
    pub max_per_user: i64,
}

impl Store {
    /// Registers a key and records `Ed25519KeyRegistered`; `ws_key_taken` when the key is
    /// active anywhere, `too_many_ws_keys` at the limit.
    #[tracing::instrument(skip_all, fields(user_id = %key.user_id))]
    pub async fn register_ws_key(
        &self,
        key: &NewWsKey<'_>,
        traceparent: Option<&str>,
    ) -> Result<WsKeyRow, UserError> {
        let mut transaction = self.pool.begin().await?;
        lock_account(&mut transaction, key.user_id).await?;
        let count = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM users.ws_keys
             WHERE user_id = $1 AND revoked_at IS NULL"#,
            key.user_id.as_uuid(),
        )
        .fetch_one(&mut *transaction)
        .await?;
        if count >= key.max_per_user {
            return Err(UserError::TooManyWsKeys(key.max_per_user));
        }
        let row = sqlx::query_as!(
            WsKeyRow,
            "INSERT INTO users.ws_keys (id, user_id, public_key, label) VALUES ($1, $2, $3, $4) \
             RETURNING id, public_key, label, created_at",
            Uuid::now_v7(),
            key.user_id.as_uuid(),
            key.public_key_hex,
            key.label,
        )
        .fetch_one(&mut *transaction)
        .await
        .map_err(|error| match DbError::from(error) {
            DbError::Conflict { constraint } if constraint == "ws_keys_active_public_key_key" => {
                UserError::WsKeyTaken
            }
            other => UserError::Db(other),
        })?;
        let registered = Ed25519KeyRegistered {
            key_id: row.id,
            user_id: key.user_id,
            public_key_hex: row.public_key.clone(),
        };
        self.outbox
            .enqueue_event(&mut transaction, registered, traceparent)
            .await?;
        transaction.commit().await?;
        Ok(row)
    }

    /// The account's active keys, oldest first.
    #[tracing::instrument(skip(self))]
    pub async fn list_ws_keys(&self, user_id: UserId) -> Result<Vec<WsKeyRow>, UserError> {
        Ok(sqlx::query_as!(
            WsKeyRow,
            "SELECT id, public_key, label, created_at FROM users.ws_keys \
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id",
            user_id.as_uuid(),
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes the caller's active key and records `Ed25519KeyRevoked`.
    #[tracing::instrument(skip(self, traceparent))]
    pub async fn revoke_ws_key(
        &self,
        user_id: UserId,
        key_id: Uuid,
        traceparent: Option<&str>,
    ) -> Result<(), UserError> {
        let mut transaction = self.pool.begin().await?;
        let revoked = sqlx::query_scalar!(
            "UPDATE users.ws_keys SET revoked_at = now() \
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING public_key",
            key_id,
            user_id.as_uuid(),
        )
        .fetch_optional(&mut *transaction)
        .await?;
        let public_key_hex = revoked.ok_or(UserError::WsKeyNotFound)?;
        let event = Ed25519KeyRevoked {
            key_id,
            user_id,
            public_key_hex,
        };
        self.outbox
            .enqueue_event(&mut transaction, event, traceparent)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Whose active key this is (the owner's account must be active too).
    #[tracing::instrument(skip(self))]
    pub async fn find_ws_key_owner(
        &self,
        public_key_hex: &str,
    ) -> Result<Option<WsKeyOwner>, UserError> {
        let row = sqlx::query!(
            "SELECT k.id, k.user_id, a.role FROM users.ws_keys k \
             JOIN users.accounts a ON a.id = k.user_id \
             WHERE k.public_key = $1 AND k.revoked_at IS NULL AND a.status = 'active'",
            public_key_hex,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| WsKeyOwner {
            key_id: row.id,
            user_id: UserId::from_uuid(row.user_id),
            roles: vec![row.role],
        }))
    }
}
