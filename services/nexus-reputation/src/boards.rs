//! The leaderboards in Redis: one sorted set per board (`nexus:reputation:leaderboard:<period>:
//! <bucket>:<kind>`, member the account id, score its points), a `:built` marker beside it and a
//! `:gen` counter. PostgreSQL is the truth; Redis is a cache that may be flushed at any time.
//!
//! - A board is read only when its `:built` marker exists; otherwise it is rebuilt first
//!   ([`Boards::rebuild`]: the sums from PostgreSQL written with `DEL` + `ZADD` + the marker in one
//!   `MULTI`). The `leaderboards` worker also rebuilds missing boards on its own, so a flushed
//!   board is back before anyone asks.
//! - After a change commits, the accounts it touched get their new sums written into every
//!   current board ([`Boards::update_users`]: `ZADD`, or `ZREM` when the account has no points
//!   there), and each board's `:gen` is incremented.
//! - Why `:gen`: a rebuild reads PostgreSQL, then writes. An update that commits and writes in
//!   between would be overwritten by the older sums; the rebuild reads `:gen` before and after and
//!   starts again when it moved, so the last write always reflects the last commit.
//!
//! Both paths compute the same rounded sums (`store::reads`), so a rebuilt board is identical to
//! the one updates maintained.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{DateTime, Utc};
use nexus_bus::KeyNamespace;
use redis::aio::ConnectionManager;
use uuid::Uuid;

use crate::domain::leaderboard::{Board, BoardKind, Period, bucket};
use crate::error::ReputationError;
use crate::metrics::ReputationMetrics;
use crate::store::Store;

/// How long a week or month board outlives its period (keys of past periods expire).
const PERIOD_KEY_TTL_SECONDS: i64 = 40 * 24 * 3600;
/// Members per `ZADD` in a rebuild.
const ZADD_CHUNK: usize = 5_000;
/// Rebuild attempts before giving up on a board updates keep moving (the next read retries).
const REBUILD_ATTEMPTS: usize = 5;

/// What one pipelined read of a board answers: the marker, the size, the top ranks, the
/// asking account's rank and points.
type BoardRead = (bool, u64, Vec<(String, f64)>, Option<u64>, Option<f64>);

/// One read of a board.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardPage {
    /// Accounts ranked.
    pub total: u64,
    /// `(account, points)`, best first.
    pub top: Vec<(String, f64)>,
    /// The asking account's `(rank from 0, points)`, when ranked.
    pub me: Option<(u64, f64)>,
}

/// The leaderboards of one deployment.
#[derive(Clone)]
pub struct Boards {
    connection: ConnectionManager,
    keys: KeyNamespace,
    store: Store,
    metrics: ReputationMetrics,
}

impl std::fmt::Debug for Boards {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Boards")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl Boards {
    /// The boards on `connection`, keyed in `keys`, rebuilt from `store`.
    pub fn new(
        connection: ConnectionManager,
        keys: KeyNamespace,
        store: Store,
        metrics: ReputationMetrics,
    ) -> Self {
        Self {
            connection,
            keys,
            store,
            metrics,
        }
    }

    fn key(&self, board: &Board) -> String {
        self.keys.key(&board.key_name())
    }

    /// Reads `limit` ranks of `board` and `me`'s own, rebuilding the board first when Redis lost
    /// it.
    #[tracing::instrument(skip_all, fields(board = %board.key_name()))]
    pub async fn read(
        &self,
        board: &Board,
        limit: usize,
        me: Option<&str>,
    ) -> Result<BoardPage, ReputationError> {
        for _ in 0..2 {
            if let Some(page) = self.try_read(board, limit, me).await? {
                return Ok(page);
            }
            self.rebuild(board).await?;
        }
        // Flushed again between the rebuild and the read: answer from what is there.
        Ok(self.try_read(board, limit, me).await?.unwrap_or(BoardPage {
            total: 0,
            top: Vec::new(),
            me: None,
        }))
    }

    async fn try_read(
        &self,
        board: &Board,
        limit: usize,
        me: Option<&str>,
    ) -> Result<Option<BoardPage>, ReputationError> {
        let key = self.key(board);
        let stop = isize::try_from(limit).unwrap_or(isize::MAX) - 1;
        let member = me.unwrap_or("");
        let (built, total, top, rank, score): BoardRead = redis::pipe()
            .atomic()
            .cmd("EXISTS")
            .arg(format!("{key}:built"))
            .cmd("ZCARD")
            .arg(&key)
            .cmd("ZREVRANGE")
            .arg(&key)
            .arg(0)
            .arg(stop)
            .arg("WITHSCORES")
            .cmd("ZREVRANK")
            .arg(&key)
            .arg(member)
            .cmd("ZSCORE")
            .arg(&key)
            .arg(member)
            .query_async(&mut self.connection.clone())
            .await?;
        if !built {
            return Ok(None);
        }
        let me = match (me, rank, score) {
            (Some(_), Some(rank), Some(score)) => Some((rank, score)),
            _ => None,
        };
        Ok(Some(BoardPage { total, top, me }))
    }

    /// Whether `board`'s marker exists.
    async fn is_built(&self, board: &Board) -> Result<bool, ReputationError> {
        let built: bool = redis::cmd("EXISTS")
            .arg(format!("{}:built", self.key(board)))
            .query_async(&mut self.connection.clone())
            .await?;
        Ok(built)
    }

    /// Rebuilds `board` from PostgreSQL (see the module docs for why it may run twice).
    #[tracing::instrument(skip_all, fields(board = %board.key_name()))]
    pub async fn rebuild(&self, board: &Board) -> Result<(), ReputationError> {
        let key = self.key(board);
        let generation_key = format!("{key}:gen");
        let started = Instant::now();
        for _ in 0..REBUILD_ATTEMPTS {
            let before: Option<i64> = redis::cmd("GET")
                .arg(&generation_key)
                .query_async(&mut self.connection.clone())
                .await?;
            let scores = self
                .store
                .board_scores(
                    &board.bucket,
                    board.kind.file_type().map(|kind| kind.as_str()),
                )
                .await?;
            let mut pipe = redis::pipe();
            pipe.atomic().cmd("DEL").arg(&key).ignore();
            for chunk in scores.chunks(ZADD_CHUNK) {
                let command = pipe.cmd("ZADD").arg(&key);
                for entry in chunk {
                    command.arg(entry.score).arg(entry.user_id.to_string());
                }
                command.ignore();
            }
            pipe.cmd("SET").arg(format!("{key}:built")).arg(1).ignore();
            if board.period != Period::All {
                for name in [key.clone(), format!("{key}:built")] {
                    pipe.cmd("EXPIRE")
                        .arg(name)
                        .arg(PERIOD_KEY_TTL_SECONDS)
                        .ignore();
                }
            }
            pipe.query_async::<()>(&mut self.connection.clone()).await?;
            let after: Option<i64> = redis::cmd("GET")
                .arg(&generation_key)
                .query_async(&mut self.connection.clone())
                .await?;
            if before == after {
                self.metrics.rebuilt();
                tracing::debug!(
                    accounts = scores.len(),
                    seconds = started.elapsed().as_secs_f64(),
                    "A leaderboard was rebuilt from PostgreSQL."
                );
                return Ok(());
            }
        }
        // Updates kept landing: drop the marker so the next read or check rebuilds again.
        redis::cmd("DEL")
            .arg(format!("{key}:built"))
            .query_async::<()>(&mut self.connection.clone())
            .await?;
        Ok(())
    }

    /// Rebuilds every current board that Redis lost; returns how many.
    pub async fn rebuild_missing(&self, now: DateTime<Utc>) -> Result<usize, ReputationError> {
        let mut rebuilt = 0;
        for board in Board::every(now) {
            if !self.is_built(&board).await? {
                self.rebuild(&board).await?;
                rebuilt += 1;
            }
        }
        Ok(rebuilt)
    }

    /// Rebuilds every current board.
    pub async fn rebuild_all(&self, now: DateTime<Utc>) -> Result<(), ReputationError> {
        for board in Board::every(now) {
            self.rebuild(&board).await?;
        }
        Ok(())
    }

    /// Writes `users`' current sums into every current board (see the module docs).
    #[tracing::instrument(skip_all, fields(users = users.len()))]
    pub async fn update_users(
        &self,
        users: &BTreeSet<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), ReputationError> {
        if users.is_empty() {
            return Ok(());
        }
        let week = bucket(Period::Week, now);
        let month = bucket(Period::Month, now);
        let boards = Board::every(now);
        let mut pipe = redis::pipe();
        for user_id in users {
            let sums = self.store.user_board_sums(*user_id, &week, &month).await?;
            let member = user_id.to_string();
            for board in &boards {
                let kind = board.kind.file_type().map(|kind| kind.as_str());
                let row = sums.iter().find(|row| row.file_type.as_deref() == kind);
                let value = row.and_then(|row| match board.period {
                    Period::Week => row.week,
                    Period::Month => row.month,
                    Period::All => row.all,
                });
                let key = self.key(board);
                match value {
                    Some(score) => pipe.cmd("ZADD").arg(&key).arg(score).arg(&member).ignore(),
                    None => pipe.cmd("ZREM").arg(&key).arg(&member).ignore(),
                };
                if board.period != Period::All {
                    pipe.cmd("EXPIRE")
                        .arg(&key)
                        .arg(PERIOD_KEY_TTL_SECONDS)
                        .ignore();
                }
            }
        }
        for board in &boards {
            let generation = format!("{}:gen", self.key(board));
            pipe.cmd("INCR").arg(&generation).ignore();
            if board.period != Period::All {
                // Past periods' counters go with their boards.
                pipe.cmd("EXPIRE")
                    .arg(generation)
                    .arg(PERIOD_KEY_TTL_SECONDS)
                    .ignore();
            }
        }
        pipe.query_async::<()>(&mut self.connection.clone()).await?;
        Ok(())
    }

    /// Every board's key in this deployment (tests flush them).
    pub fn key_prefix(&self) -> String {
        self.keys.key("leaderboard:")
    }
}

/// The board a query names, at `now`.
pub fn board_of(
    period: Option<&str>,
    kind: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Board, ReputationError> {
    let period = match period {
        None => Period::All,
        Some(name) => Period::parse(name).ok_or_else(|| {
            ReputationError::InvalidQuery(format!("period {name:?} is not one of week, month, all"))
        })?,
    };
    let kind = match kind {
        None => BoardKind::All,
        Some(name) => BoardKind::parse(name).ok_or_else(|| {
            ReputationError::InvalidQuery(format!(
                "kind {name:?} is not one of all, pe, elf, macho, document, script, archive, url, contract, other"
            ))
        })?,
    };
    Ok(Board::at(period, kind, now))
}
