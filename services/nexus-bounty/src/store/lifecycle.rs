//! The read model's writer (`bounty.lifecycle_inputs`, migration
//! `20261207151000_bounty_lifecycle_inputs.sql`): one confirmed chain event applied to one bounty,
//! with its inbox record and the bounty's `BountyUpdated` event, in one transaction; the
//! earnings facts the event carries (`store/earnings.rs`) join the same transaction.

use nexus_core::bounty::{Effect, Lifecycle, LifecycleError, LifecycleEvent, Phase};
use nexus_core::settlement::{Outcome, Verdict};
use nexus_db::DbError;
use nexus_proto::bounty::BountyUpdated;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Store, earnings};
use crate::domain::chain_events::OpenedTerms;
use crate::domain::earnings::Fact;
use crate::domain::status;
use crate::error::BountyError;

/// What applying a chain event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainApplied {
    /// The envelope was applied before: nothing changed.
    Duplicate,
    /// A bounty created outside the platform (its `BountyOpened` matched no pending bounty):
    /// recorded as seen, nothing else.
    UnknownBounty,
    /// Applied to bounty `bounty_id`.
    Applied {
        /// The platform's id.
        bounty_id: Uuid,
        /// What it did to the life cycle.
        effect: Effect,
    },
}

/// One chain event for the read model.
#[derive(Debug, Clone, Copy)]
pub struct ChainInput<'a> {
    /// The consumer group recording the envelope in the inbox.
    pub consumer: &'a str,
    /// The envelope id (applied once).
    pub envelope_id: Uuid,
    /// The event's name (`BountyOpened`, ...), announced as the cause.
    pub cause: &'a str,
    /// The contract's bounty id.
    pub chain_bounty_id: u64,
    /// The life-cycle input.
    pub input: LifecycleEvent,
    /// For `BountyOpened`: the terms a pending bounty is matched on.
    pub opened: Option<OpenedTerms>,
}

struct Target {
    id: Uuid,
    status: String,
    is_public: bool,
}

struct InputRow {
    kind: String,
    chain_bounty_id: Option<i64>,
    analyst: Option<Vec<u8>>,
    stake: Option<String>,
    verdict: Option<String>,
    outcome: Option<String>,
    first_deadline: Option<i64>,
    second_deadline: Option<i64>,
    at: i64,
}

fn corrupt(what: &str) -> BountyError {
    BountyError::Internal(format!("bounty.lifecycle_inputs holds an invalid {what}"))
}

fn unsigned(value: Option<i64>, what: &str) -> Result<u64, BountyError> {
    value
        .and_then(|value| u64::try_from(value).ok())
        .ok_or_else(|| corrupt(what))
}

fn signed(value: u64) -> Result<i64, BountyError> {
    i64::try_from(value).map_err(|_| BountyError::Internal(format!("{value} exceeds bigint")))
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Benign => "benign",
        Outcome::Malicious => "malicious",
        Outcome::Invalid => "invalid",
    }
}

fn parse_outcome(text: Option<&str>) -> Result<Outcome, BountyError> {
    match text {
        Some("benign") => Ok(Outcome::Benign),
        Some("malicious") => Ok(Outcome::Malicious),
        Some("invalid") => Ok(Outcome::Invalid),
        _ => Err(corrupt("outcome")),
    }
}

fn analyst(bytes: Option<&[u8]>) -> Result<[u8; 20], BountyError> {
    bytes
        .and_then(|bytes| <[u8; 20]>::try_from(bytes).ok())
        .ok_or_else(|| corrupt("analyst"))
}

impl InputRow {
    fn event(&self) -> Result<LifecycleEvent, BountyError> {
        let at = unsigned(Some(self.at), "time")?;
        Ok(match self.kind.as_str() {
            "opened" => LifecycleEvent::Opened {
                bounty_id: unsigned(self.chain_bounty_id, "chain id")?,
                assertion_deadline: unsigned(self.first_deadline, "deadline")?,
                reveal_deadline: unsigned(self.second_deadline, "deadline")?,
                at,
            },
            "committed" => LifecycleEvent::Committed {
                analyst: analyst(self.analyst.as_deref())?,
                stake: self
                    .stake
                    .as_deref()
                    .and_then(|stake| stake.parse().ok())
                    .ok_or_else(|| corrupt("stake"))?,
                at,
            },
            "revealed" => LifecycleEvent::Revealed {
                analyst: analyst(self.analyst.as_deref())?,
                verdict: match self.verdict.as_deref() {
                    Some("benign") => Verdict::Benign,
                    Some("malicious") => Verdict::Malicious,
                    _ => return Err(corrupt("verdict")),
                },
                at,
            },
            "resolved" => LifecycleEvent::Resolved {
                outcome: parse_outcome(self.outcome.as_deref())?,
                dispute_deadline: unsigned(self.first_deadline, "deadline")?,
                at,
            },
            "dispute_opened" => LifecycleEvent::DisputeOpened {
                arbitration_deadline: unsigned(self.first_deadline, "deadline")?,
                at,
            },
            "dispute_decided" => LifecycleEvent::DisputeDecided {
                outcome: parse_outcome(self.outcome.as_deref())?,
                at,
            },
            "claimed" => LifecycleEvent::Claimed {
                analyst: analyst(self.analyst.as_deref())?,
                at,
            },
            "creator_refunded" => LifecycleEvent::CreatorRefunded { at },
            _ => return Err(corrupt("kind")),
        })
    }
}

impl Store {
    /// Applies `event` to its bounty once per envelope: rebuilds the bounty's life cycle from
    /// the inputs it applied, applies this one, stores the input, the projection and (when
    /// something changed) `BountyUpdated`, and records the envelope, in one transaction. An
    /// event the chain could not have produced after what is known is `Ok(Err(..))` and
    /// changes nothing (not even the inbox, so a later delivery may apply it).
    pub async fn apply_chain_event(
        &self,
        event: ChainInput<'_>,
    ) -> Result<Result<ChainApplied, LifecycleError>, BountyError> {
        self.apply_chain_event_with(event, &[], None).await
    }

    /// [`Store::apply_chain_event`], storing the earnings `facts` the event carries
    /// (`bounty.earnings`, each with an `EarningsChanged` to publish) and, for a resolution or
    /// ruling, the `treasury_amount` its settlement owes the treasury (wei; what the scheduler's
    /// `payTreasury` waits for) in the same transaction when the input is stored.
    pub async fn apply_chain_event_with(
        &self,
        event: ChainInput<'_>,
        facts: &[Fact],
        treasury_amount: Option<u128>,
    ) -> Result<Result<ChainApplied, LifecycleError>, BountyError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let first = self
            .inbox()
            .record_once(&mut transaction, event.consumer, event.envelope_id)
            .await?;
        if !first {
            return Ok(Ok(ChainApplied::Duplicate));
        }
        let target = match target(&mut transaction, &event).await? {
            Found::Bounty(target) => target,
            Found::Foreign => {
                transaction.commit().await.map_err(DbError::from)?;
                return Ok(Ok(ChainApplied::UnknownBounty));
            }
            // Its BountyOpened has not been applied yet (delivered out of order): nothing is
            // recorded, so a later delivery applies it.
            Found::NotYetOpened => return Ok(Err(LifecycleError::NotOnChain)),
        };
        let before = Phase::parse(&target.status).ok_or_else(|| corrupt("status"))?;
        let mut lifecycle = rebuild(&mut transaction, &target).await?;
        let effect = match lifecycle.apply(event.input) {
            Ok(effect) => effect,
            Err(error) => return Ok(Err(error)),
        };
        if effect != Effect::Replayed {
            insert_input(
                &mut transaction,
                target.id,
                event.envelope_id,
                event.input,
                treasury_amount,
            )
            .await?;
            earnings::insert_facts(
                &mut transaction,
                target.id,
                event.envelope_id,
                facts,
                event.cause,
            )
            .await?;
            self.project(&mut transaction, &target, before, &lifecycle, event.cause)
                .await?;
        }
        transaction.commit().await.map_err(DbError::from)?;
        Ok(Ok(ChainApplied::Applied {
            bounty_id: target.id,
            effect,
        }))
    }
}

impl Store {
    /// Stores earnings `facts` that move no life cycle (a `Slashed` for not revealing on chain
    /// bounty `chain_bounty_id`) once per envelope, with their `EarningsChanged` to publish. A
    /// bounty created outside the platform is skipped; one whose `BountyOpened` was not applied
    /// yet is `Ok(Err(NotOnChain))` and records nothing, so a later delivery stores them.
    pub async fn apply_earnings_facts(
        &self,
        consumer: &str,
        envelope_id: Uuid,
        cause: &str,
        chain_bounty_id: u64,
        facts: &[Fact],
    ) -> Result<Result<ChainApplied, LifecycleError>, BountyError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let bounty_id = match self
            .off_cycle_target(&mut transaction, consumer, envelope_id, chain_bounty_id)
            .await?
        {
            OffCycle::Bounty(bounty_id) => bounty_id,
            OffCycle::Skipped(done) => return Ok(done),
            OffCycle::SkippedCommitted(done) => {
                transaction.commit().await.map_err(DbError::from)?;
                return Ok(done);
            }
        };
        earnings::insert_facts(&mut transaction, bounty_id, envelope_id, facts, cause).await?;
        transaction.commit().await.map_err(DbError::from)?;
        Ok(Ok(ChainApplied::Applied {
            bounty_id,
            effect: Effect::Replayed,
        }))
    }

    /// Undoes the inputs that `retracted` envelopes carried (a reorganisation deeper than the
    /// confirmation depth took their logs back), once per retraction envelope: the affected
    /// bounties are locked, the inputs deleted, each life cycle rebuilt from what remains and
    /// projected, with a `BountyUpdated` per bounty, in one transaction. Returns how many
    /// bounties changed.
    pub async fn retract_chain_events(
        &self,
        consumer: &str,
        envelope_id: Uuid,
        retracted: &[Uuid],
    ) -> Result<usize, BountyError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        if !self
            .inbox()
            .record_once(&mut transaction, consumer, envelope_id)
            .await?
        {
            return Ok(0);
        }
        let targets = sqlx::query_as!(
            Target,
            "SELECT id, status, is_public FROM bounty.bounties WHERE id IN \
             (SELECT bounty_id FROM bounty.lifecycle_inputs WHERE envelope_id = ANY($1)) \
             ORDER BY id FOR UPDATE",
            retracted,
        )
        .fetch_all(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        sqlx::query!(
            "DELETE FROM bounty.lifecycle_inputs WHERE envelope_id = ANY($1)",
            retracted,
        )
        .execute(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        earnings::retract_facts(&mut transaction, retracted).await?;
        super::schedule::retract_records(&mut transaction, retracted).await?;
        for target in &targets {
            let before = Phase::parse(&target.status).ok_or_else(|| corrupt("status"))?;
            let lifecycle = rebuild(&mut transaction, target).await?;
            self.project(
                &mut transaction,
                target,
                before,
                &lifecycle,
                "ChainEventsRetracted",
            )
            .await?;
        }
        transaction.commit().await.map_err(DbError::from)?;
        Ok(targets.len())
    }

    /// Moves the read model's clock to `at`, the timestamp of a block known to be confirmed
    /// (never backwards), and moves every bounty whose window that closes: open ones past the
    /// assertion deadline (to `revealing`, or `expired` without commitments) and revealing ones
    /// past the reveal deadline (to `resolving`), each with its `BountyUpdated` (cause
    /// `BlockTime`), in one transaction. Bounties another replica is moving are skipped
    /// (`SKIP LOCKED`): the next tick takes them. Returns how many bounties moved.
    pub async fn advance_chain_clock(&self, at: u64) -> Result<usize, BountyError> {
        let at = signed(at)?;
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let clock = sqlx::query_scalar!(
            "UPDATE bounty.chain_clock SET block_time = GREATEST(block_time, $1) \
             RETURNING block_time",
            at,
        )
        .fetch_one(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        let due = sqlx::query_as!(
            Target,
            "SELECT id, status, is_public FROM bounty.bounties \
             WHERE (status = 'open' AND assertion_deadline < to_timestamp($1)) \
                OR (status = 'revealing' AND reveal_deadline < to_timestamp($1)) \
             ORDER BY id FOR UPDATE SKIP LOCKED",
            clock as f64,
        )
        .fetch_all(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        let mut moved = 0;
        for target in &due {
            let before = Phase::parse(&target.status).ok_or_else(|| corrupt("status"))?;
            let lifecycle = rebuild(&mut transaction, target).await?;
            if lifecycle.phase() != before {
                self.project(&mut transaction, target, before, &lifecycle, "BlockTime")
                    .await?;
                moved += 1;
            }
        }
        transaction.commit().await.map_err(DbError::from)?;
        Ok(moved)
    }

    /// Writes `lifecycle` into the bounty's row and announces it (`BountyUpdated`).
    async fn project(
        &self,
        connection: &mut PgConnection,
        target: &Target,
        before: Phase,
        lifecycle: &Lifecycle,
        cause: &str,
    ) -> Result<(), BountyError> {
        let after = lifecycle.phase();
        let chain_bounty_id = lifecycle.chain_terms().map(|terms| terms.bounty_id);
        let commitments = lifecycle.commitments().len();
        let reveals = lifecycle.reveals().len();
        let outcome = lifecycle.outcome().map(outcome_name);
        let count = |count: usize| {
            i32::try_from(count).map_err(|_| BountyError::Internal("count overflow".into()))
        };
        let row = sqlx::query!(
            r#"UPDATE bounty.bounties SET status = $2, chain_bounty_id = $3,
                      commitment_count = $4, reveal_count = $5, outcome = $6, updated_at = now()
               WHERE id = $1
               RETURNING artifact_kind, reward::text AS "reward!", creator_id,
                         encode(artifact_hash, 'hex') AS "artifact_hash!""#,
            target.id,
            after.as_str(),
            chain_bounty_id.map(signed).transpose()?,
            count(commitments)?,
            count(reveals)?,
            outcome,
        )
        .fetch_one(&mut *connection)
        .await
        .map_err(DbError::from)?;
        let artifact_kind =
            status::artifact_kind(&row.artifact_kind).ok_or_else(|| corrupt("artifact kind"))?;
        let updated = BountyUpdated {
            bounty_id: target.id,
            chain_bounty_id,
            is_public: target.is_public,
            artifact_kind,
            reward: row.reward,
            previous_status: status::wire(before),
            status: status::wire(after),
            commitment_count: u32::try_from(commitments).unwrap_or(u32::MAX),
            reveal_count: u32::try_from(reveals).unwrap_or(u32::MAX),
            outcome: outcome.map(str::to_owned),
            cause: cause.to_owned(),
            creator_id: Some(row.creator_id),
            artifact_hash: Some(row.artifact_hash),
        };
        self.outbox()
            .enqueue_event(&mut *connection, updated, None)
            .await?;
        Ok(())
    }
}

impl Store {
    /// For an event about chain bounty `chain_bounty_id` that moves no life cycle (a slash, a
    /// treasury payment): records the envelope in the inbox on `connection` (the caller's
    /// transaction) and finds the bounty, locked.
    pub(super) async fn off_cycle_target(
        &self,
        connection: &mut PgConnection,
        consumer: &str,
        envelope_id: Uuid,
        chain_bounty_id: u64,
    ) -> Result<OffCycle, BountyError> {
        if !self
            .inbox()
            .record_once(&mut *connection, consumer, envelope_id)
            .await?
        {
            return Ok(OffCycle::Skipped(Ok(ChainApplied::Duplicate)));
        }
        let lookup = ChainInput {
            consumer,
            envelope_id,
            cause: "",
            chain_bounty_id,
            input: LifecycleEvent::CreatorRefunded { at: 0 },
            opened: None,
        };
        Ok(match target(connection, &lookup).await? {
            Found::Bounty(target) => OffCycle::Bounty(target.id),
            Found::Foreign => OffCycle::SkippedCommitted(Ok(ChainApplied::UnknownBounty)),
            Found::NotYetOpened => OffCycle::Skipped(Err(LifecycleError::NotOnChain)),
        })
    }
}

/// The bounty's life cycle from its stored inputs. Every bounty posted through the service was
/// queued (only the relayer giving up makes one a draft).
async fn rebuild(connection: &mut PgConnection, target: &Target) -> Result<Lifecycle, BountyError> {
    let rows = sqlx::query_as!(
        InputRow,
        r#"SELECT kind, chain_bounty_id, analyst, stake::text AS stake, verdict, outcome,
                  first_deadline, second_deadline, at
           FROM bounty.lifecycle_inputs WHERE bounty_id = $1 ORDER BY seq"#,
        target.id,
    )
    .fetch_all(&mut *connection)
    .await
    .map_err(DbError::from)?;
    let mut lifecycle = Lifecycle::new();
    if target.status != Phase::Draft.as_str() {
        let _ = lifecycle.apply(LifecycleEvent::Queued);
    }
    for row in &rows {
        lifecycle
            .apply(row.event()?)
            .map_err(|error| corrupt(&format!("history ({error})")))?;
    }
    // The newest confirmed block's time closes the windows it passed (see `chain_clock`).
    let clock = sqlx::query_scalar!("SELECT block_time FROM bounty.chain_clock")
        .fetch_optional(&mut *connection)
        .await
        .map_err(DbError::from)?;
    if let Some(at) = clock.filter(|at| *at > 0) {
        let at = unsigned(Some(at), "chain clock")?;
        lifecycle
            .apply(LifecycleEvent::Block { at })
            .map_err(|error| corrupt(&format!("chain clock ({error})")))?;
    }
    Ok(lifecycle)
}

/// What a chain bounty id stands for.
enum Found {
    /// A bounty of the platform, locked.
    Bounty(Target),
    /// A bounty created outside the platform.
    Foreign,
    /// Not known yet: its `BountyOpened` was not applied.
    NotYetOpened,
}

/// Where an event that moves no life cycle stands (see [`off_cycle_target`]).
pub(super) enum OffCycle {
    /// Record it for this bounty (the platform's id), then commit.
    Bounty(Uuid),
    /// Nothing to record; do not commit (a duplicate, or a bounty whose `BountyOpened` was not
    /// applied yet: the inbox must not keep the envelope, so a later delivery applies it).
    Skipped(Result<ChainApplied, LifecycleError>),
    /// Nothing to record, but commit (the inbox keeps the envelope of a foreign bounty).
    SkippedCommitted(Result<ChainApplied, LifecycleError>),
}

/// The bounty `event` is about, locked: by its chain id, or for `BountyOpened` the oldest
/// pending bounty with exactly the opened terms (none: the chain id is recorded as foreign).
async fn target(
    connection: &mut PgConnection,
    event: &ChainInput<'_>,
) -> Result<Found, BountyError> {
    let chain_id = signed(event.chain_bounty_id)?;
    let known = sqlx::query_as!(
        Target,
        "SELECT id, status, is_public FROM bounty.bounties WHERE chain_bounty_id = $1 FOR UPDATE",
        chain_id,
    )
    .fetch_optional(&mut *connection)
    .await
    .map_err(DbError::from)?;
    if let Some(known) = known {
        return Ok(Found::Bounty(known));
    }
    let Some(terms) = event.opened else {
        let foreign = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM bounty.foreign_chain_bounties
                              WHERE chain_bounty_id = $1) AS "foreign!""#,
            chain_id,
        )
        .fetch_one(&mut *connection)
        .await
        .map_err(DbError::from)?;
        return Ok(if foreign {
            Found::Foreign
        } else {
            Found::NotYetOpened
        });
    };
    let matched = sqlx::query_as!(
        Target,
        "SELECT id, status, is_public FROM bounty.bounties \
         WHERE chain_bounty_id IS NULL AND creator_address = $1 AND artifact_hash = $2 \
         AND reward = $3::text::numeric AND min_stake = $4::text::numeric \
         AND assertion_deadline = to_timestamp($5::bigint::double precision) \
         ORDER BY id LIMIT 1 FOR UPDATE",
        terms.creator.as_slice(),
        terms.artifact_hash.as_slice(),
        terms.reward.to_string(),
        terms.min_stake.to_string(),
        signed(terms.assertion_deadline)?,
    )
    .fetch_optional(&mut *connection)
    .await
    .map_err(DbError::from)?;
    if let Some(matched) = matched {
        return Ok(Found::Bounty(matched));
    }
    sqlx::query!(
        "INSERT INTO bounty.foreign_chain_bounties (chain_bounty_id) VALUES ($1) \
         ON CONFLICT DO NOTHING",
        chain_id,
    )
    .execute(&mut *connection)
    .await
    .map_err(DbError::from)?;
    Ok(Found::Foreign)
}

async fn insert_input(
    connection: &mut PgConnection,
    bounty_id: Uuid,
    envelope_id: Uuid,
    input: LifecycleEvent,
    treasury_amount: Option<u128>,
) -> Result<(), BountyError> {
    let (mut chain_id, mut who, mut stake, mut verdict, mut outcome) =
        (None, None, None, None, None);
    let (mut first, mut second) = (None, None);
    let (kind, at) = match input {
        LifecycleEvent::Opened {
            bounty_id,
            assertion_deadline,
            reveal_deadline,
            at,
        } => {
            chain_id = Some(signed(bounty_id)?);
            first = Some(signed(assertion_deadline)?);
            second = Some(signed(reveal_deadline)?);
            ("opened", at)
        }
        LifecycleEvent::Committed {
            analyst,
            stake: amount,
            at,
        } => {
            who = Some(analyst);
            stake = Some(amount.to_string());
            ("committed", at)
        }
        LifecycleEvent::Revealed {
            analyst,
            verdict: said,
            at,
        } => {
            who = Some(analyst);
            verdict = Some(match said {
                Verdict::Benign => "benign",
                Verdict::Malicious => "malicious",
            });
            ("revealed", at)
        }
        LifecycleEvent::Resolved {
            outcome: result,
            dispute_deadline,
            at,
        } => {
            outcome = Some(outcome_name(result));
            first = Some(signed(dispute_deadline)?);
            ("resolved", at)
        }
        LifecycleEvent::DisputeOpened {
            arbitration_deadline,
            at,
        } => {
            first = Some(signed(arbitration_deadline)?);
            ("dispute_opened", at)
        }
        LifecycleEvent::DisputeDecided {
            outcome: result,
            at,
        } => {
            outcome = Some(outcome_name(result));
            ("dispute_decided", at)
        }
        LifecycleEvent::Claimed { analyst, at } => {
            who = Some(analyst);
            ("claimed", at)
        }
        LifecycleEvent::CreatorRefunded { at } => ("creator_refunded", at),
        LifecycleEvent::Queued
        | LifecycleEvent::SubmissionFailed
        | LifecycleEvent::Block { .. } => {
            return Err(BountyError::Internal(
                "only chain events are stored as life-cycle inputs".into(),
            ));
        }
    };
    sqlx::query!(
        "INSERT INTO bounty.lifecycle_inputs (bounty_id, kind, chain_bounty_id, analyst, stake, \
         verdict, outcome, first_deadline, second_deadline, at, envelope_id, treasury_amount) \
         VALUES ($1, $2, $3, $4, $5::text::numeric, $6, $7, $8, $9, $10, $11, \
         $12::text::numeric)",
        bounty_id,
        kind,
        chain_id,
        who.as_ref().map(<[u8; 20]>::as_slice),
        stake,
        verdict,
        outcome,
        first,
        second,
        signed(at)?,
        envelope_id,
        treasury_amount.map(|amount| amount.to_string()),
    )
    .execute(&mut *connection)
    .await
    .map_err(DbError::from)?;
    Ok(())
}
