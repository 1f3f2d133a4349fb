//! `AccountSecurityEvent`s: written to the outbox inside the transaction of the change they
//! report, so a committed change is always told and a rolled-back one never is.

use chrono::Utc;
use nexus_core::UserId;
use nexus_db::DbError;
use nexus_proto::auth::{AccountSecurityEvent, SecurityEventKind};
use sqlx::PgConnection;
use uuid::Uuid;

use super::Store;
use super::audit::AuditRecord;

impl Store {
    /// Enqueues the `kind` event of `user_id` on `connection` (the change's transaction); the
    /// address and time come from the change's audit row, `api_key` is `(id, name)`.
    pub(crate) async fn enqueue_security_event(
        &self,
        connection: &mut PgConnection,
        user_id: UserId,
        kind: SecurityEventKind,
        audit: &AuditRecord,
        api_key: Option<(Uuid, &str)>,
    ) -> Result<(), DbError> {
        let event = AccountSecurityEvent {
            user_id: user_id.as_uuid(),
            kind,
            ip: audit.ip.clone(),
            api_key_id: api_key.map(|(id, _)| id),
            api_key_name: api_key.map(|(_, name)| name.to_owned()),
            at: audit.occurred_at.unwrap_or_else(Utc::now),
        };
        self.outbox.enqueue_event(connection, event, None).await
    }
}

/// What identifies an address in `auth.sign_in_addresses`: SHA-256 of a domain tag, the account
/// and the address (see the migration for why not the address itself).
fn address_hash(user_id: UserId, ip: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"nexus-auth sign-in address\0");
    hasher.update(user_id.as_uuid().as_bytes());
    hasher.update(ip.as_bytes());
    hasher.finalize().to_vec()
}

impl Store {
    /// Writes a successful sign-in's audit row and remembers its address, in one transaction;
    /// when the account had signed in before but never from this address, also its
    /// `new_sign_in_address` event. Returns whether the address was new to a known account.
    #[tracing::instrument(skip_all)]
    pub async fn record_sign_in(
        &self,
        user_id: UserId,
        audit: &AuditRecord,
    ) -> Result<bool, DbError> {
        let mut transaction = self.pool.begin().await?;
        super::audit::insert(&mut transaction, audit).await?;
        let Some(ip) = audit.ip.as_deref() else {
            transaction.commit().await?;
            return Ok(false);
        };
        let known_before = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM auth.sign_in_addresses WHERE user_id = $1) AS "known!""#,
            user_id.as_uuid(),
        )
        .fetch_one(&mut *transaction)
        .await?;
        let inserted = sqlx::query_scalar!(
            r#"INSERT INTO auth.sign_in_addresses (user_id, address_hash) VALUES ($1, $2)
             ON CONFLICT (user_id, address_hash) DO UPDATE SET last_seen_at = now()
             RETURNING (xmax = 0) AS "inserted!""#,
            user_id.as_uuid(),
            address_hash(user_id, ip),
        )
        .fetch_one(&mut *transaction)
        .await?;
        let new_address = known_before && inserted;
        if new_address {
            self.enqueue_security_event(
                &mut transaction,
                user_id,
                SecurityEventKind::NewSignInAddress,
                audit,
                None,
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(new_address)
    }

    /// Writes a lockout's audit row with the account's `account_locked` event, in one
    /// transaction.
    #[tracing::instrument(skip_all)]
    pub async fn record_lock(&self, user_id: UserId, audit: &AuditRecord) -> Result<(), DbError> {
        let mut transaction = self.pool.begin().await?;
        super::audit::insert(&mut transaction, audit).await?;
        self.enqueue_security_event(
            &mut transaction,
            user_id,
            SecurityEventKind::AccountLocked,
            audit,
            None,
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}
