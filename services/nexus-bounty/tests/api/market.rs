//! The marketplace for one test: nexus-bounty with its relayer on a real chain (anvil with the
//! contracts, from nexus-testkit), next to the real nexus-user (accounts and their linked
//! wallets) and nexus-analysis (stored files) it asks over their internal APIs.
//!
//! A [`Member`] is a registered account whose token the test signs, with a fresh funded wallet
//! linked through a real Sign-In with Ethereum challenge, so the bounty service's checks (is the
//! signer a wallet of the caller, does the artifact exist) run against the real services.

use std::time::Duration;

use alloy::primitives::Address;
use alloy::signers::SignerSync;
use nexus_bounty::BountyService;
use nexus_bounty::relayer::RelayerSettings;
use nexus_bounty::settings::BountySettings;
use nexus_proto::user::{LinkWalletRequest, RegisterRequest, WalletChallengeRequest};
use nexus_testkit::chain::{TestAccount, TestChain};
use nexus_testkit::nexus_client::CallContext;
use nexus_testkit::{TestContext, TestService};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// NXS (wei) each member's wallet starts with: 1,000 NXS.
pub const MEMBER_NXS: u128 = 1_000 * 10u128.pow(18);

/// The three services on one chain and one test context.
pub struct Market {
    pub chain: TestChain,
    pub bounty: TestService,
    pub user: TestService,
    pub analysis: TestService,
    pub context: TestContext,
    http: reqwest::Client,
    samples_dir: std::path::PathBuf,
}

/// A registered account with a linked, funded wallet.
pub struct Member {
    /// The account id (the token's subject).
    pub id: String,
    /// Its access token.
    pub token: String,
    /// Its wallet: signs intents and permits.
    pub wallet: TestAccount,
}

impl Member {
    /// The wallet's address.
    pub fn address(&self) -> Address {
        self.wallet.address
    }

    /// Calls made as this member.
    pub fn context(&self) -> CallContext {
        CallContext::bearer(&self.token)
    }
}

impl Market {
    /// Every service started, the relayer sending with a fresh funded key.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`Market::spawn`], with the bounty settings adjusted first.
    pub async fn spawn_with(configure: impl FnOnce(&mut BountySettings)) -> Self {
        Self::spawn_on(TestChain::shared().await.expect("anvil"), configure).await
    }

    /// Like [`Market::spawn_with`], on `chain` (e.g. a [`TestChain::private`] one a test stops).
    pub async fn spawn_on(chain: TestChain, configure: impl FnOnce(&mut BountySettings)) -> Self {
        let context = TestContext::new().await.expect("test context");
        let user = context
            .spawn::<nexus_user::UserService>()
            .await
            .expect("nexus-user starts");
        let samples_dir = std::env::temp_dir().join(format!(
            "nexus-bounty-market-{}",
            uuid::Uuid::now_v7().simple()
        ));
        let mut analysis = context.settings::<nexus_analysis::settings::AnalysisSettings>();
        analysis.service.store_dir = samples_dir.clone();
        let analysis = context
            .spawn_with::<nexus_analysis::AnalysisService>(analysis)
            .await
            .expect("nexus-analysis starts");
        let relayer = chain.account().await.expect("relayer account");
        let mut settings = context.settings::<BountySettings>();
        settings.service.chain = chain.settings();
        settings.service.user_url = user.base_url();
        settings.service.analysis_url = analysis.base_url();
        settings.service.relayer = RelayerSettings {
            private_key: Some(alloy::hex::encode(relayer.signer.to_bytes()).into()),
            poll_interval: Duration::from_millis(50),
            ..RelayerSettings::default()
        };
        configure(&mut settings.service);
        let bounty = context
            .spawn_with::<BountyService>(settings)
            .await
            .expect("nexus-bounty starts");
        Self {
            chain,
            bounty,
            user,
            analysis,
            context,
            http: reqwest::Client::new(),
            samples_dir,
        }
    }

    /// A new account `name` with `roles` (`user`, `analyst`, `admin`) and a linked wallet
    /// holding [`MEMBER_NXS`].
    pub async fn member(&self, name: &str, roles: &[&str]) -> Member {
        let unique = format!("{name}{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
        let profile = self
            .user
            .client
            .users()
            .register(
                &CallContext::none(),
                &RegisterRequest {
                    email: format!("{unique}@example.org"),
                    username: unique.clone(),
                    password: "correct horse battery staple 42".to_owned(),
                    referral_code: None,
                },
            )
            .await
            .expect("registers");
        let id = profile.public.user_id.to_string();
        let token = self.context.access_token(&id, roles);
        let wallet = self
            .chain
            .funded_account(MEMBER_NXS)
            .await
            .expect("funded wallet");
        self.link(&token, &wallet).await;
        Member { id, token, wallet }
    }

    /// Links `wallet` to the account of `token` with a signed SIWE challenge.
    pub async fn link(&self, token: &str, wallet: &TestAccount) {
        let users = self.user.client.users();
        let as_member = CallContext::bearer(token);
        let challenge = users
            .create_wallet_challenge(
                &as_member,
                &WalletChallengeRequest {
                    address: wallet.address.to_checksum(None),
                    chain_id: self.chain.chain_id(),
                },
            )
            .await
            .expect("wallet challenge");
        let signature = wallet
            .signer
            .sign_message_sync(challenge.message.as_bytes())
            .expect("signs");
        users
            .link_wallet(
                &as_member,
                &LinkWalletRequest {
                    message: challenge.message.clone(),
                    signature: alloy::hex::encode_prefixed(signature.as_bytes()),
                },
            )
            .await
            .expect("links the wallet");
    }

    /// Uploads `bytes` to nexus-analysis as `member` (private); returns the SHA-256 (hex).
    pub async fn upload(&self, member: &Member, bytes: &[u8]) -> String {
        let accepted = self
            .analysis
            .client
            .analysis()
            .upload(&member.context(), bytes.to_vec(), None)
            .await
            .expect("uploads");
        accepted.sha256.to_string()
    }

    /// An absolute URL on the bounty service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.bounty.base_url())
    }

    /// `method path` on the bounty service as `member` (a guest with `None`), with a JSON body;
    /// the status and the JSON answer (`Null` for an empty one).
    pub async fn call(
        &self,
        member: Option<&Member>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(member) = member {
            request = request.bearer_auth(&member.token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the bounty service answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        // A body that is not JSON comes back as a JSON string, so an assertion on a field fails
        // and shows it.
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    /// Stops every service; each shutdown must be clean.
    pub async fn stop(self) {
        for service in [self.bounty, self.analysis, self.user] {
            let report = service.running.shutdown().await;
            assert!(report.is_clean(), "{report:?}");
        }
        let _ = std::fs::remove_dir_all(&self.samples_dir);
        drop(self.context);
    }
}
