//! The chain as a `/ready` dependency of a chain-facing service.
//!
//! [`ChainDependency::check`] answers "can this service use the chain now?" in the order an
//! operator fixes things: the deployments file exists and parses, the RPC answers within the
//! request timeout, it serves the chain the settings and the file expect, and the contracts the
//! file names have code there (a restarted anvil without its state has none). Each failure is a
//! [`ChainUnready`] with a stable code and a message that says what to do; the RPC URL never
//! appears in it (a hosted node's key lives in the URL).
//!
//! nexus-chain is an adapter and may not depend on nexus-http, where `/ready`'s
//! `ReadinessCheck` trait lives, so a service plugs the check in with a few lines of its own,
//! registered on `Setup::readiness` in its `build`:
//!
//! ```text
//! impl ReadinessCheck for ChainCheck {                    // ChainCheck(ChainDependency)
//!     fn name(&self) -> &'static str { nexus_chain::ready::DEPENDENCY_NAME }
//!     fn check(&self) -> BoxFuture<'_, Result<(), String>> {
//!         Box::pin(async move { self.0.probe().await })
//!     }
//! }
//! ```
//!
//! The service stays up while the chain is not usable: `/ready` is 503 naming the `chain`
//! dependency and the reason, and the service retries on its own schedule.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::primitives::Address;
use alloy::providers::{DynProvider, Provider};
use alloy::transports::http::reqwest::Url;

use crate::deploy::Deployment;
use crate::error::ChainError;
use crate::settings::ChainSettings;

/// The dependency's name in the readiness report.
pub const DEPENDENCY_NAME: &str = "chain";

/// What a successful check saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReady {
    /// The chain id the RPC serves (equal to the deployments file's).
    pub chain_id: u64,
    /// The RPC's latest block.
    pub head: u64,
    /// The deployments file's contents.
    pub deployment: Deployment,
}

/// Why the chain cannot be used now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainUnready {
    /// The deployments file does not exist.
    #[error(
        "the deployments file {} does not exist: deploy with `nexus-chain deploy` \
         (scripts/dev.sh does) or point chain.deployment_file at it",
        path.display()
    )]
    DeploymentMissing {
        /// The configured path.
        path: PathBuf,
    },
    /// The deployments file exists but cannot be read or parsed.
    #[error("the deployments file {} cannot be used: {reason}", path.display())]
    DeploymentInvalid {
        /// The configured path.
        path: PathBuf,
        /// The I/O or JSON error.
        reason: String,
    },
    /// The RPC did not answer within the request timeout.
    #[error("the RPC node did not answer within {timeout:?}")]
    Timeout {
        /// `chain.request_timeout`.
        timeout: Duration,
    },
    /// The RPC refused the connection or answered with an error.
    #[error("the RPC node is unreachable: {reason}")]
    Unreachable {
        /// The transport's reason, with the RPC URL taken out.
        reason: String,
    },
    /// The RPC, the settings and the deployments file do not agree on the chain.
    #[error("chain id mismatch: {found_where} says {found}, {expected_where} expects {expected}")]
    ChainIdMismatch {
        /// The chain id required.
        expected: u64,
        /// Who requires it (`chain.chain_id`, or the deployments file).
        expected_where: &'static str,
        /// The chain id found.
        found: u64,
        /// Where it was found (the RPC, or the deployments file).
        found_where: &'static str,
    },
    /// A contract of the deployments file has no code on the chain.
    #[error(
        "no {contract} contract at {address} on chain {chain_id}: the chain was reset or the \
         deployments file belongs to another chain; deploy again"
    )]
    ContractMissing {
        /// Which one (`token`, `timelock`, `governance`, `bounty`).
        contract: &'static str,
        /// Its address in the deployments file.
        address: Address,
        /// The chain looked at.
        chain_id: u64,
    },
}

impl ChainUnready {
    /// Stable machine-readable code of the reason.
    pub fn code(&self) -> &'static str {
        match self {
            ChainUnready::DeploymentMissing { .. } => "chain_deployment_missing",
            ChainUnready::DeploymentInvalid { .. } => "chain_deployment_invalid",
            ChainUnready::Timeout { .. } => "chain_rpc_timeout",
            ChainUnready::Unreachable { .. } => "chain_rpc_unreachable",
            ChainUnready::ChainIdMismatch { .. } => "chain_id_mismatch",
            ChainUnready::ContractMissing { .. } => "chain_contract_missing",
        }
    }
}

/// The `/ready` probe of the chain a service is configured with.
#[derive(Debug, Clone)]
pub struct ChainDependency {
    provider: DynProvider,
    /// The URL as configured and as the transport prints it, to cut out of error messages.
    url_forms: Vec<String>,
    deployment_file: PathBuf,
    expected_chain_id: Option<u64>,
    timeout: Duration,
}

impl ChainDependency {
    /// A probe of the chain `settings` describe. Fails only when the RPC URL is malformed
    /// (which `ChainSettings`' validation refuses at start).
    pub fn new(settings: &ChainSettings) -> Result<Self, ChainError> {
        let raw = settings.expose_rpc_url();
        let provider = crate::connect(raw, None)?;
        let mut url_forms = vec![raw.to_owned()];
        if let Ok(parsed) = Url::parse(raw) {
            url_forms.push(parsed.as_str().to_owned());
        }
        // Longest first, so a form never leaves a piece of a longer one behind.
        url_forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        Ok(Self {
            provider,
            url_forms,
            deployment_file: settings.deployment_file.clone(),
            expected_chain_id: settings.chain_id,
            timeout: settings.request_timeout,
        })
    }

    /// [`DEPENDENCY_NAME`].
    pub fn name(&self) -> &'static str {
        DEPENDENCY_NAME
    }

    /// Runs the checks in the order of the module docs.
    pub async fn check(&self) -> Result<ChainReady, ChainUnready> {
        let deployment = read_deployment(&self.deployment_file)?;
        if let Some(expected) = self.expected_chain_id
            && deployment.chain_id != expected
        {
            return Err(ChainUnready::ChainIdMismatch {
                expected,
                expected_where: "chain.chain_id",
                found: deployment.chain_id,
                found_where: "the deployments file",
            });
        }
        let chain_id = self.within_timeout(self.provider.get_chain_id()).await?;
        if chain_id != deployment.chain_id {
            return Err(ChainUnready::ChainIdMismatch {
                expected: deployment.chain_id,
                expected_where: "the deployments file",
                found: chain_id,
                found_where: "the RPC node",
            });
        }
        let contracts = [
            ("token", deployment.reputation_token),
            ("timelock", deployment.timelock),
            ("governance", deployment.governance),
            ("bounty", deployment.bounty),
        ];
        let (token, timelock, governance, bounty, head) = tokio::join!(
            self.within_timeout(self.provider.get_code_at(contracts[0].1)),
            self.within_timeout(self.provider.get_code_at(contracts[1].1)),
            self.within_timeout(self.provider.get_code_at(contracts[2].1)),
            self.within_timeout(self.provider.get_code_at(contracts[3].1)),
            self.within_timeout(self.provider.get_block_number()),
        );
        for ((contract, address), code) in contracts
            .into_iter()
            .zip([token, timelock, governance, bounty])
        {
            if code?.is_empty() {
                return Err(ChainUnready::ContractMissing {
                    contract,
                    address,
                    chain_id,
                });
            }
        }
        Ok(ChainReady {
            chain_id,
            head: head?,
            deployment,
        })
    }

    /// [`ChainDependency::check`] in the shape of `/ready`'s checks: `Err` carries the
    /// message (code first), as the readiness report shows it.
    pub async fn probe(&self) -> Result<(), String> {
        self.check()
            .await
            .map(|_| ())
            .map_err(|unready| format!("{}: {unready}", unready.code()))
    }

    async fn within_timeout<T>(
        &self,
        request: impl IntoFuture<Output = Result<T, alloy::transports::TransportError>>,
    ) -> Result<T, ChainUnready> {
        match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(ChainUnready::Unreachable {
                reason: self.redact(&error.to_string()),
            }),
            Err(_) => Err(ChainUnready::Timeout {
                timeout: self.timeout,
            }),
        }
    }

    /// `text` with every form of the RPC URL replaced by `<chain.rpc_url>`.
    fn redact(&self, text: &str) -> String {
        let mut redacted = text.to_owned();
        for form in &self.url_forms {
            redacted = redacted.replace(form.as_str(), "<chain.rpc_url>");
        }
        redacted
    }
}

fn read_deployment(path: &Path) -> Result<Deployment, ChainUnready> {
    match Deployment::read(path) {
        Ok(deployment) => Ok(deployment),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Err(ChainUnready::DeploymentMissing {
                path: path.to_owned(),
            })
        }
        Err(error) => Err(ChainUnready::DeploymentInvalid {
            path: path.to_owned(),
            reason: error.to_string(),
        }),
    }
}
