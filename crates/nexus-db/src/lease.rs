//! A lease held by one process among replicas: a PostgreSQL session-level advisory lock on a
//! connection of its own (outside the pool). The lock lives exactly as long as the session, so a
//! replica that dies (killed, partitioned, its connection cut) releases it without any timeout
//! to wait for, and the next replica takes it on its next try.
//!
//! Used where exactly one replica may act: the chain listener's follower (one writer of the
//! chain's checkpoint). The lock key is hashed from a name (`hashtextextended`), so services
//! pick readable names (`nexus-chain-listener.follower`) without coordinating integers.

use sqlx::{Connection, PgConnection, PgPool};

use crate::error::DbError;

/// A connection that may hold the advisory lock `name`.
#[derive(Debug)]
pub struct SessionLease {
    name: String,
    connection: Option<PgConnection>,
    held: bool,
}

impl SessionLease {
    /// A lease on `name`, not yet tried.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            connection: None,
            held: false,
        }
    }

    /// Whether this process held the lease at the last [`SessionLease::try_hold`].
    pub fn is_held(&self) -> bool {
        self.held
    }

    /// `true` while this process holds the lease: checks that the session holding it is still
    /// alive (one round trip), or tries to take it when not held (or when the session was lost,
    /// with a new connection from `pool`). `false` when another session holds it. An error is
    /// a database failure; the lease is then given up (its session closed), so another replica
    /// can take it.
    pub async fn try_hold(&mut self, pool: &PgPool) -> Result<bool, DbError> {
        let outcome = self.attempt(pool).await;
        match &outcome {
            Ok(held) => self.held = *held,
            Err(_) => self.give_up().await,
        }
        outcome
    }

    async fn attempt(&mut self, pool: &PgPool) -> Result<bool, DbError> {
        let connection = match &mut self.connection {
            Some(connection) => connection,
            None => self.connection.insert(pool.acquire().await?.detach()),
        };
        if self.held {
            // The session-level lock stays with its session: a live session still holds it.
            sqlx::query_scalar!(r#"SELECT 1 AS "alive!""#)
                .fetch_one(&mut *connection)
                .await?;
            return Ok(true);
        }
        let taken = sqlx::query_scalar!(
            r#"SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS "taken!""#,
            self.name
        )
        .fetch_one(&mut *connection)
        .await?;
        Ok(taken)
    }

    /// Gives the lease up: its session ends, which releases the lock.
    pub async fn give_up(&mut self) {
        self.held = false;
        if let Some(connection) = self.connection.take() {
            let _ = connection.close().await;
        }
    }
}
