//! Linked wallets: one account per address, a bounded number per account.

use chrono::{DateTime, Utc};
use nexus_core::{ChainAddress, UserId};
use nexus_db::DbError;
use nexus_proto::user::{Wallet, WalletLinked, WalletUnlinked};

use super::Store;
use crate::error::UserError;

/// One row of `users.wallets` (stored as `0x` + 40 lower-case hex digits, read back as a
/// [`ChainAddress`], which prints its checksummed form).
#[derive(Debug, Clone)]
pub struct WalletRow {
    /// The linked address.
    pub address: ChainAddress,
    /// Chain id signed for.
    pub chain_id: i64,
    /// When it was linked.
    pub linked_at: DateTime<Utc>,
}

impl WalletRow {
    /// The wire form (checksummed address).
    pub fn to_wire(&self) -> Wallet {
        Wallet {
            address: self.address,
            chain_id: u64::try_from(self.chain_id).unwrap_or_default(),
            linked_at: self.linked_at,
        }
    }
}

/// A `users.wallets` row as the database returns it.
struct WalletRecord {
    address: String,
    chain_id: i64,
    linked_at: DateTime<Utc>,
}

impl WalletRecord {
    fn checked(self) -> Result<WalletRow, UserError> {
        Ok(WalletRow {
            address: stored_address(&self.address)?,
            chain_id: self.chain_id,
            linked_at: self.linked_at,
        })
    }
}

/// An `address` column's text as a [`ChainAddress`]; the column only ever receives
/// [`ChainAddress::to_lower_hex`], so anything else is an internal error.
fn stored_address(text: &str) -> Result<ChainAddress, UserError> {
    text.parse()
        .map_err(|error| UserError::Internal(format!("a stored wallet address {text:?}: {error}")))
}

/// A wallet to link.
#[derive(Debug, Clone)]
pub struct NewWallet {
    /// The account.
    pub user_id: UserId,
    /// The address to link.
    pub address: ChainAddress,
    /// Chain id signed for.
    pub chain_id: u64,
    /// Most wallets per account.
    pub max_per_user: i64,
}

impl Store {
    /// Links a wallet and records `WalletLinked`; `wallet_taken` when any account has it,
    /// `too_many_wallets` at the limit (checked under the account's row lock).
    #[tracing::instrument(skip_all, fields(user_id = %wallet.user_id))]
    pub async fn link_wallet(
        &self,
        wallet: &NewWallet,
        traceparent: Option<&str>,
    ) -> Result<WalletRow, UserError> {
        let chain_id = i64::try_from(wallet.chain_id).map_err(|_| UserError::InvalidChainId)?;
        let mut transaction = self.pool.begin().await?;
        lock_account(&mut transaction, wallet.user_id).await?;
        let count = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM users.wallets WHERE user_id = $1"#,
            wallet.user_id.as_uuid(),
        )
        .fetch_one(&mut *transaction)
        .await?;
        if count >= wallet.max_per_user {
            return Err(UserError::TooManyWallets(wallet.max_per_user));
        }
        let row = sqlx::query_as!(
            WalletRecord,
            "INSERT INTO users.wallets (address, user_id, chain_id) VALUES ($1, $2, $3) \
             RETURNING address, chain_id, linked_at",
            wallet.address.to_lower_hex(),
            wallet.user_id.as_uuid(),
            chain_id,
        )
        .fetch_one(&mut *transaction)
        .await
        .map_err(|error| match DbError::from(error) {
            DbError::Conflict { constraint } if constraint == "wallets_address_key" => {
                UserError::WalletTaken
            }
            other => UserError::Db(other),
        })?
        .checked()?;
        let linked = WalletLinked {
            user_id: wallet.user_id,
            address: row.address,
            chain_id: wallet.chain_id,
        };
        self.outbox
            .enqueue_event(&mut transaction, linked, traceparent)
            .await?;
        transaction.commit().await?;
        Ok(row)
    }

    /// The account's wallets, oldest first.
    #[tracing::instrument(skip(self))]
    pub async fn list_wallets(&self, user_id: UserId) -> Result<Vec<WalletRow>, UserError> {
        sqlx::query_as!(
            WalletRecord,
            "SELECT address, chain_id, linked_at FROM users.wallets WHERE user_id = $1 \
             ORDER BY linked_at, address",
            user_id.as_uuid(),
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(WalletRecord::checked)
        .collect()
    }

    /// The account `address` is linked to, with the link; `None` when no account links it.
    #[tracing::instrument(skip(self))]
    pub async fn wallet_owner(
        &self,
        address: ChainAddress,
    ) -> Result<Option<(UserId, WalletRow)>, UserError> {
        let Some(row) = sqlx::query!(
            "SELECT user_id, address, chain_id, linked_at FROM users.wallets WHERE address = $1",
            address.to_lower_hex(),
        )
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let link = WalletRecord {
            address: row.address,
            chain_id: row.chain_id,
            linked_at: row.linked_at,
        }
        .checked()?;
        Ok(Some((UserId::from(row.user_id), link)))
    }

    /// Unlinks the caller's wallet and records `WalletUnlinked`.
    #[tracing::instrument(skip(self, traceparent))]
    pub async fn unlink_wallet(
        &self,
        user_id: UserId,
        address: ChainAddress,
        traceparent: Option<&str>,
    ) -> Result<(), UserError> {
        let mut transaction = self.pool.begin().await?;
        let deleted = sqlx::query_scalar!(
            "DELETE FROM users.wallets WHERE address = $1 AND user_id = $2 RETURNING address",
            address.to_lower_hex(),
            user_id.as_uuid(),
        )
        .fetch_optional(&mut *transaction)
        .await?;
        let address = stored_address(&deleted.ok_or(UserError::WalletNotFound)?)?;
        let unlinked = WalletUnlinked { user_id, address };
        self.outbox
            .enqueue_event(&mut transaction, unlinked, traceparent)
            .await?;
        transaction.commit().await?;
        Ok(())
    }
}

/// Locks the account row for the rest of the transaction (serialises per-account limits);
/// `user_not_found` when it does not exist.
pub(crate) async fn lock_account(
    connection: &mut sqlx::PgConnection,
    user_id: UserId,
) -> Result<(), UserError> {
    sqlx::query_scalar!(
        "SELECT id FROM users.accounts WHERE id = $1 FOR UPDATE",
        user_id.as_uuid()
    )
    .fetch_optional(&mut *connection)
    .await?
    .map(|_| ())
    .ok_or(UserError::UserNotFound)
}
