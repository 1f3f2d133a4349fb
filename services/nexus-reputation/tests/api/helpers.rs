//! A nexus-reputation per test (fresh database and Redis prefix), with a real nexus-user on the
//! same database for wallet owners, the chain listener's events published on the real bus, and
//! small HTTP helpers.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use nexus_bus::{Bus, BusSettings};
use nexus_core::ChainAddress;
use nexus_proto::Envelope;
use nexus_proto::chain::{
    AnalystOutcome, AnalystSettlement, ArtifactKind, AssertionRevealed, BlockRef, BountyOpened,
    BountyResolved, ChainEventsRetracted, DisputeDecided, LogPosition, Outcome, RetractedEvent,
    SettlementView, Verdict,
};
use nexus_proto::reputation::{
    FileVerdictView, HistoryPage, HistoryQuery, Leaderboard, LeaderboardQuery, ReputationView,
};
use nexus_proto::user::RegisterRequest;
use nexus_proto::{Sha256, UserId};
use nexus_reputation::ReputationService;
use nexus_reputation::settings::ReputationSettings;
use nexus_testkit::nexus_client::{CallContext, ClientError, ReputationClient};
use nexus_testkit::{TestContext, TestService};
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// One NXS in wei.
pub const NXS: u128 = 1_000_000_000_000_000_000;

/// One running service and its test context (dropped after the service).
pub struct TestApp {
    pub service: TestService,
    pub user: Option<TestService>,
    pub context: TestContext,
    pub bus: Bus,
}

/// An account with a linked wallet.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub wallet: String,
    /// The account's own referral code.
    pub referral_code: String,
}

impl TestApp {
    /// The service with its default settings on a fresh context (no nexus-user).
    pub async fn spawn() -> Self {
        Self::spawn_with(false, |_| {}).await
    }

    /// The service and a nexus-user it asks for wallet owners.
    pub async fn spawn_with_users() -> Self {
        Self::spawn_with(true, |_| {}).await
    }

    /// The service with `configure`d settings, and nexus-user when `users`.
    pub async fn spawn_with(users: bool, configure: impl FnOnce(&mut ReputationSettings)) -> Self {
        let context = TestContext::new().await.expect("test context");
        let user = if users {
            Some(
                context
                    .spawn::<nexus_user::UserService>()
                    .await
                    .expect("nexus-user starts"),
            )
        } else {
            None
        };
        let mut settings = context.settings::<ReputationSettings>();
        settings.service.user_url = user
            .as_ref()
            .map_or_else(|| "http://127.0.0.1:9".to_owned(), TestService::base_url);
        configure(&mut settings.service);
        let service = context
            .spawn_with::<ReputationService>(settings)
            .await
            .expect("service starts");
        let bus = Bus::connect(
            &context.redis_url,
            context.redis_prefix.clone(),
            BusSettings::default(),
        )
        .await
        .expect("bus");
        Self {
            service,
            user,
            context,
            bus,
        }
    }

    /// An absolute URL for `path` on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base_url())
    }

    /// A new account with a wallet of `byte` repeated, linked in nexus-user.
    pub async fn member(&self, name: &str, byte: u8) -> Member {
        self.member_referred(name, byte, None).await
    }

    /// [`Self::member`], registered with another account's `referral_code`.
    pub async fn member_referred(
        &self,
        name: &str,
        byte: u8,
        referral_code: Option<&str>,
    ) -> Member {
        let user = self.user.as_ref().expect("spawned with nexus-user");
        let unique = format!("{name}{}", &Uuid::now_v7().simple().to_string()[20..]);
        let profile = user
            .client
            .users()
            .register(
                &CallContext::none(),
                &RegisterRequest {
                    email: format!("{unique}@example.org"),
                    username: unique.clone(),
                    password: "correct horse battery staple 42".to_owned(),
                    referral_code: referral_code.map(str::to_owned),
                },
            )
            .await
            .expect("registers");
        let address = ChainAddress::from_bytes([byte; 20]);
        let store =
            nexus_user::store::Store::new(self.context.database.pool.clone()).expect("store");
        store
            .link_wallet(
                &nexus_user::store::wallets::NewWallet {
                    user_id: profile.public.user_id,
                    address,
                    chain_id: 31337,
                    max_per_user: 5,
                },
                None,
            )
            .await
            .expect("links");
        Member {
            id: profile.public.user_id.to_string(),
            wallet: address.to_lower_hex(),
            referral_code: profile.referral_code.clone(),
        }
    }

    /// Publishes `envelope` on the chain events stream.
    pub async fn publish<E: nexus_proto::Event>(&self, envelope: &Envelope<E>) {
        self.bus.publish(envelope).await.expect("published");
    }

    /// GET `path` as `context`, decoded.
    pub async fn get<T: DeserializeOwned>(
        &self,
        context: &CallContext,
        path: &str,
    ) -> Result<T, ClientError> {
        self.service.client.get(context, path).await
    }

    /// The service's typed client (nexus-client's `ReputationClient`): what the routes answer
    /// is decoded into nexus-proto's types, as every other caller reads them.
    pub fn client(&self) -> ReputationClient {
        self.service.client.reputation()
    }

    /// A member's reputation as a guest.
    pub async fn reputation(&self, user_id: &str) -> Result<ReputationView, ClientError> {
        let user_id: UserId = user_id.parse().expect("a user id");
        self.client()
            .get_reputation(&CallContext::none(), user_id)
            .await
    }

    /// A member's history page (`page`: [`history_page`]) as a guest.
    pub async fn history(&self, user_id: &str, page: &HistoryQuery) -> HistoryPage {
        let user_id: UserId = user_id.parse().expect("a user id");
        self.client()
            .history(&CallContext::none(), user_id, page)
            .await
            .expect("history")
    }

    /// A board (`query`: [`board_query`]) as `context`.
    pub async fn board(&self, context: &CallContext, query: &LeaderboardQuery) -> Leaderboard {
        self.client()
            .leaderboard(context, query)
            .await
            .expect("leaderboard")
    }

    /// The verdict on the file `sha256` (64 lower-case hex digits) as `context`.
    pub async fn verdict(
        &self,
        context: &CallContext,
        sha256: &str,
    ) -> Result<FileVerdictView, ClientError> {
        let sha256: Sha256 = sha256.parse().expect("a SHA-256");
        self.client().file_verdict(context, &sha256).await
    }

    /// The service's counter of chain events ending in `outcome`.
    pub async fn counted(&self, outcome: &str) -> f64 {
        let prefix = format!("nexus_reputation_chain_events_total{{outcome=\"{outcome}\"}} ");
        self.service.metric(&prefix).await.unwrap_or(0.0)
    }

    /// Waits (at most 20 s) until `counted(outcome)` reaches `count`.
    pub async fn wait_counted(&self, outcome: &str, count: f64) {
        let reached = wait_for(|| async { self.counted(outcome).await >= count }).await;
        assert!(
            reached,
            "{outcome} never reached {count}: {}",
            self.counted(outcome).await
        );
    }

    /// Deletes every leaderboard key of this test's Redis prefix.
    pub async fn flush_boards(&self) -> usize {
        let mut connection = self.bus.connection();
        let pattern = format!(
            "{}nexus:reputation:leaderboard:*",
            self.context.redis_prefix
        );
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(&pattern)
            .query_async(&mut connection)
            .await
            .expect("keys");
        for key in &keys {
            redis::cmd("DEL")
                .arg(key)
                .query_async::<()>(&mut connection)
                .await
                .expect("deleted");
        }
        keys.len()
    }

    /// Whether the board key `name` (`leaderboard:all:all:all`) has its built marker.
    pub async fn board_built(&self, name: &str) -> bool {
        redis::cmd("EXISTS")
            .arg(format!(
                "{}nexus:reputation:{name}:built",
                self.context.redis_prefix
            ))
            .query_async(&mut self.bus.connection())
            .await
            .expect("exists")
    }

    /// How many events named `name` the outbox holds.
    pub async fn outbox_count(&self, name: &str, user_id: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM reputation.outbox WHERE envelope->>'name' = $1 \
             AND envelope->'payload'->>'user_id' = $2",
        )
        .bind(name)
        .bind(user_id)
        .fetch_one(&self.context.database.pool)
        .await
        .expect("outbox")
    }

    /// Stops the services; the shutdown must be clean.
    pub async fn stop(self) {
        let report = self.service.running.shutdown().await;
        assert!(report.is_clean(), "{report:?}");
        if let Some(user) = self.user {
            let report = user.running.shutdown().await;
            assert!(report.is_clean(), "{report:?}");
        }
        drop(self.context);
    }
}

/// A history query: `limit` entries after `cursor` (the service's defaults when `None`).
pub fn history_page(limit: Option<u32>, cursor: Option<String>) -> HistoryQuery {
    HistoryQuery { limit, cursor }
}

/// A leaderboard query of `period` and `kind` (the service's `all` when `None`).
pub fn board_query(period: Option<&str>, kind: Option<&str>) -> LeaderboardQuery {
    LeaderboardQuery {
        period: period.map(str::to_owned),
        kind: kind.map(str::to_owned),
        limit: None,
    }
}

/// Polls `check` every 50 ms for at most 20 s; whether it became true.
pub async fn wait_for<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// A log position at `seconds` (block number too), log `index`.
pub fn log(seconds: i64, index: u64) -> LogPosition {
    LogPosition {
        chain_id: 31337,
        block_number: seconds as u64,
        block_hash: format!("0x{seconds:064x}"),
        transaction_hash: format!("0x{index:064x}"),
        log_index: index,
        contract: format!("0x{}", "ef".repeat(20)),
        block_time: DateTime::from_timestamp(seconds, 0).expect("time"),
    }
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    Utc::now().timestamp()
}

/// `BountyOpened` of bounty `id` on a URL.
pub fn opened(id: u64, at: i64) -> Envelope<BountyOpened> {
    Envelope::new(BountyOpened {
        log: log(at, 0),
        bounty_id: id,
        creator: format!("0x{}", "cc".repeat(20)),
        artifact_kind: ArtifactKind::Url,
        artifact_hash: format!("0x{id:064x}"),
        reward: NXS.to_string(),
        min_stake: "1".into(),
        assertion_deadline: 1,
        reveal_deadline: 2,
    })
}

/// `AssertionRevealed` of `analyst` on bounty `id`.
pub fn revealed(
    id: u64,
    analyst: &str,
    verdict: Verdict,
    confidence: u8,
    at: i64,
) -> Envelope<AssertionRevealed> {
    Envelope::new(AssertionRevealed {
        log: log(at, 1),
        bounty_id: id,
        analyst: analyst.to_owned(),
        verdict,
        confidence,
        metadata_hash: format!("0x{}", "00".repeat(32)),
    })
}

/// The settlement of `outcome` for `(analyst, verdict)` pairs, each staking 1 NXS.
pub fn settlement(outcome: Outcome, analysts: &[(&str, Verdict)]) -> SettlementView {
    SettlementView {
        outcome,
        winning_stake: "0".into(),
        pool: "0".into(),
        fee: "0".into(),
        distributable: "0".into(),
        treasury_amount: "0".into(),
        creator_refund: "0".into(),
        analysts: analysts
            .iter()
            .map(|(analyst, verdict)| {
                let won = matches!(
                    (outcome, verdict),
                    (Outcome::Malicious, Verdict::Malicious) | (Outcome::Benign, Verdict::Benign)
                );
                AnalystSettlement {
                    analyst: (*analyst).to_owned(),
                    stake: NXS.to_string(),
                    verdict: Some(*verdict),
                    outcome: match (outcome, won) {
                        (Outcome::Invalid, _) => AnalystOutcome::Refunded,
                        (_, true) => AnalystOutcome::Won,
                        (_, false) => AnalystOutcome::Lost,
                    },
                    payout: "0".into(),
                    forfeited: "0".into(),
                    slash: "0".into(),
                }
            })
            .collect(),
    }
}

/// `BountyResolved` of bounty `id`.
pub fn resolved(
    id: u64,
    outcome: Outcome,
    analysts: &[(&str, Verdict)],
    at: i64,
) -> Envelope<BountyResolved> {
    Envelope::new(BountyResolved {
        log: log(at, 2),
        bounty_id: id,
        outcome,
        benign_stake: "0".into(),
        malicious_stake: "0".into(),
        revealed_count: analysts.len() as u64,
        dispute_deadline: 0,
        settlement: settlement(outcome, analysts),
    })
}

/// `DisputeDecided` of bounty `id`.
pub fn decided(
    id: u64,
    outcome: Outcome,
    analysts: &[(&str, Verdict)],
    at: i64,
) -> Envelope<DisputeDecided> {
    Envelope::new(DisputeDecided {
        log: log(at, 3),
        bounty_id: id,
        arbiter: format!("0x{}", "ab".repeat(20)),
        ruling: outcome,
        outcome,
        settlement: settlement(outcome, analysts),
    })
}

/// `ChainEventsRetracted` naming `envelopes` (`(id, name, at)`).
pub fn retraction(envelopes: &[(Uuid, &str, i64)]) -> Envelope<ChainEventsRetracted> {
    Envelope::new(ChainEventsRetracted {
        chain_id: 31337,
        common_ancestor: BlockRef {
            number: 1,
            hash: format!("0x{}", "01".repeat(32)),
        },
        orphaned_blocks: Vec::new(),
        depth: 1,
        retracted: envelopes
            .iter()
            .map(|(id, name, at)| RetractedEvent {
                envelope_id: *id,
                name: (*name).to_owned(),
                log: log(*at, 0),
            })
            .collect(),
    })
}
