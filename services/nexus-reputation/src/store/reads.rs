//! What the API reads: an account's wallets, their scored assertions and history, and the sums
//! leaderboards are built from (`domain::leaderboard`: undecayed points per period, rounded so
//! that a rebuild and an update agree to the last digit).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::scores::AssertionRecord;
use super::{Store, db};
use crate::domain::leaderboard::Bucket;
use crate::domain::projection::ScoredAssertion;
use crate::error::ReputationError;

/// One history row of an account's wallets.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// The entry id.
    pub id: i64,
    /// The wallet.
    pub analyst: String,
    /// The contract's bounty id.
    pub bounty_id: i64,
    /// The event that caused it.
    pub reason: String,
    /// The bounty's outcome after it.
    pub outcome: Option<String>,
    /// The analyst's outcome after it.
    pub analyst_outcome: Option<String>,
    /// Score change.
    pub delta: f64,
    /// Score after.
    pub score: f64,
    /// Trust level after.
    pub trust_level: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// One account's points on a board.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardScore {
    /// The account.
    pub user_id: Uuid,
    /// Its points.
    pub score: f64,
}

/// One account's points per file type (`None`: every type) in the current week, month and all
/// time; `None` where it has no judged assertion.
#[derive(Debug, Clone, PartialEq)]
pub struct UserBoardSums {
    /// The file type, or `None` for the row over every type.
    pub file_type: Option<String>,
    /// This week's points.
    pub week: Option<f64>,
    /// This month's points.
    pub month: Option<f64>,
    /// All-time points.
    pub all: Option<f64>,
}

impl Store {
    /// The wallets linked to `user_id` that reputation knows, with their last change.
    pub async fn wallets_of(
        &self,
        user_id: Uuid,
    ) -> Result<Vec<(String, DateTime<Utc>)>, ReputationError> {
        let rows = sqlx::query!(
            "SELECT analyst, updated_at FROM reputation.analysts WHERE user_id = $1 \
             ORDER BY analyst",
            user_id,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|row| (row.analyst, row.updated_at))
            .collect())
    }

    /// Every scored assertion of `wallets`.
    pub async fn assertions_of(
        &self,
        wallets: &[String],
    ) -> Result<Vec<ScoredAssertion>, ReputationError> {
        sqlx::query_as!(
            AssertionRecord,
            "SELECT bounty_id, analyst, artifact_kind, artifact_hash, file_type, family, verdict, \
             confidence, stake, outcome, analyst_outcome, correct, slashed, settled_at, points \
             FROM reputation.assertions WHERE analyst = ANY($1)",
            wallets,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .into_iter()
        .map(AssertionRecord::scored)
        .collect()
    }

    /// Up to `limit` history rows of `user_id`'s wallets, newest first, before entry `before`.
    pub async fn history_of(
        &self,
        user_id: Uuid,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<HistoryRow>, ReputationError> {
        sqlx::query_as!(
            HistoryRow,
            "SELECT h.id, h.analyst, h.bounty_id, h.reason, h.outcome, h.analyst_outcome, \
             h.delta, h.score, h.trust_level, h.recorded_at \
             FROM reputation.history h \
             WHERE h.analyst IN (SELECT analyst FROM reputation.analysts WHERE user_id = $1) \
               AND ($2::bigint IS NULL OR h.id < $2) \
             ORDER BY h.id DESC LIMIT $3",
            user_id,
            before,
            limit,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }

    /// Every account's points on the board of `bucket` and `file_type` (`None`: every type).
    pub async fn board_scores(
        &self,
        bucket: &Bucket,
        file_type: Option<&str>,
    ) -> Result<Vec<BoardScore>, ReputationError> {
        // Summed as numeric (exact, whatever the order) and rounded: the same number as
        // `user_board_sums` computes for one account.
        let rows = sqlx::query!(
            r#"SELECT a.user_id AS "user_id!",
                 round(sum(s.points::numeric), 6)::float8 AS "score!"
               FROM reputation.assertions s
               JOIN reputation.analysts a ON a.analyst = s.analyst
               WHERE a.user_id IS NOT NULL AND s.correct IS NOT NULL
                 AND s.settled_at >= $1 AND s.settled_at < $2
                 AND ($3::text IS NULL OR s.file_type = $3)
               GROUP BY a.user_id"#,
            bucket.starts_at,
            bucket.ends_at,
            file_type,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|row| BoardScore {
                user_id: row.user_id,
                score: row.score,
            })
            .collect())
    }

    /// `user_id`'s points per file type and overall, in `week`, `month` and all time.
    pub async fn user_board_sums(
        &self,
        user_id: Uuid,
        week: &Bucket,
        month: &Bucket,
    ) -> Result<Vec<UserBoardSums>, ReputationError> {
        // The account's wallets as an array evaluated once (an InitPlan), so the sums read the
        // assertions by their analyst index in the same round trip (a join on the account let
        // the planner scan every assertion: 20 ms at 100,000).
        let rows = sqlx::query!(
            r#"SELECT s.file_type AS "file_type?",
                 round(sum(s.points::numeric)
                   FILTER (WHERE s.settled_at >= $2 AND s.settled_at < $3), 6)::float8 AS week,
                 round(sum(s.points::numeric)
                   FILTER (WHERE s.settled_at >= $4 AND s.settled_at < $5), 6)::float8 AS month,
                 round(sum(s.points::numeric), 6)::float8 AS "all"
               FROM reputation.assertions s
               WHERE s.analyst = ANY(ARRAY(
                   SELECT analyst FROM reputation.analysts WHERE user_id = $1))
                 AND s.correct IS NOT NULL
               GROUP BY GROUPING SETS ((s.file_type), ())"#,
            user_id,
            week.starts_at,
            week.ends_at,
            month.starts_at,
            month.ends_at,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|row| UserBoardSums {
                file_type: row.file_type,
                week: row.week,
                month: row.month,
                all: row.all,
            })
            .collect())
    }
}
