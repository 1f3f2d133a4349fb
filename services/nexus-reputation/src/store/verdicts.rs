//! What the file verdict reads (`GET /v1/files/{sha256}/verdict`): the bounties that named a
//! file, each analyst's latest reveal on them, and how often pairs of those analysts revealed
//! the same verdict on the bounties they shared (docs/REPUTATION.md "The verdict endpoint").
//! Read from the stored chain facts, so unsettled bounties' reveals count too.

use super::{Store, db};
use crate::error::ReputationError;

/// One analyst's latest reveal on a bounty naming the file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReveal {
    /// The wallet, lower case.
    pub analyst: String,
    /// The account the wallet is linked to, when known.
    pub user_id: Option<uuid::Uuid>,
    /// The bounty the reveal is on.
    pub bounty_id: i64,
    /// `benign` or `malicious`.
    pub verdict: String,
    /// 0-100.
    pub confidence: i32,
}

/// Two analysts' revealed verdicts over the bounties both revealed on.
#[derive(Debug, Clone, PartialEq)]
pub struct PairRow {
    /// The lower of the two wallets.
    pub first: String,
    /// The other wallet.
    pub second: String,
    /// Bounties both revealed on.
    pub shared: i64,
    /// Of those, where they revealed the same verdict.
    pub agreed: i64,
}

/// How many of each analyst's latest reveals (by bounty id) the agreement table reads: far more
/// than the 20 shared bounties a one-voice pair needs, and a bound on the cost of one verdict.
pub const AGREEMENT_WINDOW: i64 = 1_000;

impl Store {
    /// The ids of the file bounties whose artifact is `sha256` (`0x` + 64 lower-case hex).
    pub async fn bounties_of_file(&self, sha256: &str) -> Result<Vec<i64>, ReputationError> {
        sqlx::query_scalar!(
            "SELECT DISTINCT bounty_id FROM reputation.chain_inputs \
             WHERE name = 'BountyOpened' \
               AND lower(payload->'payload'->>'artifact_hash') = $1 \
               AND payload->'payload'->>'artifact_kind' = 'file' \
             ORDER BY bounty_id",
            sha256,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }

    /// Each analyst's latest reveal (by chain position) on `bounties`, with the account its
    /// wallet is linked to.
    pub async fn latest_reveals(
        &self,
        bounties: &[i64],
    ) -> Result<Vec<FileReveal>, ReputationError> {
        sqlx::query_as!(
            FileReveal,
            r#"SELECT r.analyst AS "analyst!", a.user_id AS "user_id?", r.bounty_id AS "bounty_id!",
                 r.verdict AS "verdict!", r.confidence AS "confidence!"
               FROM (SELECT DISTINCT ON (lower(payload->'payload'->>'analyst'))
                       lower(payload->'payload'->>'analyst') AS analyst, bounty_id,
                       payload->'payload'->>'verdict' AS verdict,
                       (payload->'payload'->>'confidence')::int AS confidence
                     FROM reputation.chain_inputs
                     WHERE name = 'AssertionRevealed' AND bounty_id = ANY($1)
                     ORDER BY lower(payload->'payload'->>'analyst'), block_number DESC,
                       log_index DESC) r
               LEFT JOIN reputation.analysts a ON a.analyst = r.analyst
               ORDER BY r.analyst"#,
            bounties,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }

    /// For every pair of `analysts` that revealed on a common bounty among each one's latest
    /// [`AGREEMENT_WINDOW`] reveals (any bounty, not only this file's): how many bounties they
    /// shared and on how many they revealed the same verdict. Bounded by the analysts given and
    /// the window: each analyst's reveals are read backwards from the reveal index, so a prolific
    /// engine costs the window, not its whole history (6 analysts with 20,000 shared bounties
    /// each: 52 ms, against 680 ms for the unbounded join).
    pub async fn agreement_of(&self, analysts: &[String]) -> Result<Vec<PairRow>, ReputationError> {
        sqlx::query_as!(
            PairRow,
            r#"WITH r AS (
                 SELECT c.bounty_id, w.analyst, c.verdict
                 FROM unnest($1::text[]) AS w(analyst)
                 CROSS JOIN LATERAL (
                   SELECT bounty_id, payload->'payload'->>'verdict' AS verdict
                   FROM reputation.chain_inputs
                   WHERE name = 'AssertionRevealed'
                     AND lower(payload->'payload'->>'analyst') = w.analyst
                   ORDER BY bounty_id DESC LIMIT $2) c)
               SELECT x.analyst AS "first!", y.analyst AS "second!", count(*) AS "shared!",
                 count(*) FILTER (WHERE x.verdict = y.verdict) AS "agreed!"
               FROM r x JOIN r y ON x.bounty_id = y.bounty_id AND x.analyst < y.analyst
               GROUP BY x.analyst, y.analyst"#,
            analysts,
            AGREEMENT_WINDOW,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }
}
