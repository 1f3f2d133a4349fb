//! A nexus-bounty per test (fresh database and Redis prefix) and small helpers.

use alloy::primitives::{Address, Bytes};
use chrono::{DateTime, Duration, Utc};
use nexus_bounty::BountyService;
use nexus_bounty::store::{CreateCall, NewBounty, Store};
use nexus_testkit::nexus_client::CallContext;
use nexus_testkit::{TestContext, TestService};
use uuid::Uuid;

/// One running service and its test context (dropped after the service).
pub struct TestApp {
    pub service: TestService,
    pub context: TestContext,
}

impl TestApp {
    /// The service with its default settings on a fresh context.
    pub async fn spawn() -> Self {
        let context = TestContext::new().await.expect("test context");
        let service = context
            .spawn::<BountyService>()
            .await
            .expect("service starts");
        Self { service, context }
    }

    /// An absolute URL for `path` on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base_url())
    }

    /// The service's store on the test's database, to seed rows the chain would have produced.
    pub fn store(&self) -> Store {
        Store::new(self.context.database.pool.clone()).expect("store")
    }

    /// A call as account `subject` with `roles`.
    pub fn as_user(&self, subject: &str, roles: &[&str]) -> CallContext {
        self.context.as_user(subject, roles)
    }

    /// Stops the service; the shutdown must be clean.
    pub async fn stop(self) {
        let report = self.service.running.shutdown().await;
        assert!(report.is_clean(), "{report:?}");
        drop(self.context);
    }
}

/// A file bounty by `creator` with `reward` wei, its deadline `days` ahead; each call a new
/// intent digest unless `digest` is given.
pub fn new_bounty(creator: &str, reward: u128, days: i64, is_public: bool) -> NewBounty {
    let deadline: DateTime<Utc> = Utc::now() + Duration::days(days);
    let mut hash = [0u8; 32];
    hash[..16].copy_from_slice(Uuid::now_v7().as_bytes());
    let mut digest = [0u8; 32];
    digest[16..].copy_from_slice(Uuid::now_v7().as_bytes());
    NewBounty {
        creator_id: creator.to_owned(),
        creator_address: [0x11; 20],
        artifact_kind: "file",
        artifact_hash: hash,
        artifact_url: None,
        artifact_chain_id: None,
        artifact_address: None,
        reward,
        min_stake: 1_000,
        assertion_deadline: deadline,
        reveal_deadline: deadline + Duration::days(1),
        is_public,
        intent_digest: digest,
    }
}

/// A stand-in for the `createBountyBySig` call (the relayer does not run in these tests: no key).
pub fn create_call() -> CreateCall {
    CreateCall {
        to: Address::repeat_byte(5),
        calldata: Bytes::from_static(b"createBountyBySig"),
    }
}
