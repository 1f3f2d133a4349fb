//! A bounty as a client posts it (`GET /v1/bounties/intents/create`, `POST /v1/bounties`): the
//! artifact and terms read from the wire, checked against the governed parameters, and turned
//! into the contract's `CreateBountyRequest` that the intent signs.
//!
//! The artifact and term rules themselves are `nexus_core::bounty` (shared with whoever else
//! reasons about bounties); this module adds what only a request has: fields that may be missing,
//! given for the wrong kind or out of range, and a URL that carries credentials (the URL goes on
//! chain and into every analyst's view, so a password in it would be published).

use alloy::primitives::{U256, keccak256};
use nexus_chain::bindings::bounty::BountyContract;
use nexus_core::bounty::{Artifact, ArtifactKind, GovernedParameters, Terms};
use nexus_proto::bounty::ArtifactKind as WireKind;
use nexus_proto::bounty_intents::ArtifactInput;

use crate::domain::intent::parse_uint;

/// Seconds added to the contract's minimum commit window when a posting is checked: the time the
/// creation may take to reach a block (the contract checks the window when it executes). A
/// deadline closer than `minCommitWindow` + this is refused up front instead of reverting later.
pub const SLACK_SECONDS: u64 = 300;

/// How long the typed data served by the intents endpoint stays valid (its `deadline`, after the
/// chain's clock): long enough to read and sign, short enough that a leaked signature expires.
pub const INTENT_LIFETIME_SECONDS: u64 = 3_600;

/// What is wrong with a posting's fields (400); each names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostingError {
    /// The artifact is missing a field, has one of another kind, or a value is malformed.
    #[error("{0}")]
    Artifact(String),
    /// An amount is not a decimal number of wei that fits 128 bits.
    #[error("{field} {problem}")]
    Amount {
        /// `reward` or `min_stake`.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

impl PostingError {
    /// The stable code (docs/ERRORS.md).
    pub fn code(&self) -> &'static str {
        match self {
            PostingError::Artifact(_) => "invalid_artifact",
            PostingError::Amount { .. } => "invalid_amount",
        }
    }
}

/// A posting whose fields are well formed (not yet checked against the governed parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// What the bounty is about.
    pub artifact: Artifact,
    /// The reward and windows.
    pub terms: Terms,
}

impl Posting {
    /// Reads the wire's artifact and terms.
    pub fn parse(
        artifact: &ArtifactInput,
        reward: &str,
        min_stake: &str,
        assertion_deadline: u64,
    ) -> Result<Self, PostingError> {
        Ok(Self {
            artifact: parse_artifact(artifact)?,
            terms: Terms {
                reward: amount("reward", reward)?,
                min_stake: amount("min_stake", min_stake)?,
                assertion_deadline,
            },
        })
    }

    /// The contract's `artifactHash` (see `nexus_core::bounty::Artifact::reference`).
    pub fn artifact_hash(&self) -> [u8; 32] {
        self.artifact.reference(|bytes| keccak256(bytes).0)
    }

    /// What the create intent signs and `createBountyBySig` takes.
    pub fn request(&self) -> BountyContract::CreateBountyRequest {
        BountyContract::CreateBountyRequest {
            artifactHash: self.artifact_hash().into(),
            kind: self.artifact.kind().as_u8(),
            reward: self.terms.reward,
            minStake: self.terms.min_stake,
            assertionDeadline: self.terms.assertion_deadline,
        }
    }
}

fn amount(field: &'static str, text: &str) -> Result<u128, PostingError> {
    let value = parse_uint(field, text).map_err(|_| PostingError::Amount {
        field,
        problem: "must be a decimal integer of wei (no sign, no exponent)".into(),
    })?;
    u128::try_from(value).map_err(|_| PostingError::Amount {
        field,
        problem: format!("must be below 2^128 wei, not {value}"),
    })
}

/// The checked artifact of `input`: the fields of its kind present, those of other kinds absent.
pub fn parse_artifact(input: &ArtifactInput) -> Result<Artifact, PostingError> {
    let invalid = |message: &str| PostingError::Artifact(message.to_owned());
    let kind = match input.kind {
        WireKind::File => ArtifactKind::File,
        WireKind::Url => ArtifactKind::Url,
        WireKind::Contract => ArtifactKind::Contract,
    };
    let given = [
        ("sha256", input.sha256.is_some(), ArtifactKind::File),
        ("url", input.url.is_some(), ArtifactKind::Url),
        ("chain_id", input.chain_id.is_some(), ArtifactKind::Contract),
        ("address", input.address.is_some(), ArtifactKind::Contract),
    ];
    for (field, present, owner) in given {
        if present && owner != kind {
            return Err(PostingError::Artifact(format!(
                "artifact.{field} belongs to a {} artifact, not a {} one; leave it out",
                owner.as_str(),
                kind.as_str()
            )));
        }
        if !present && owner == kind {
            return Err(PostingError::Artifact(format!(
                "a {} artifact needs artifact.{field}",
                kind.as_str()
            )));
        }
    }
    let artifact = match (kind, input) {
        (
            ArtifactKind::File,
            ArtifactInput {
                sha256: Some(sha256),
                ..
            },
        ) => Artifact::file(sha256),
        (ArtifactKind::Url, ArtifactInput { url: Some(url), .. }) => {
            if has_credentials(url) {
                return Err(invalid(
                    "a URL artifact must not carry a user name or password (user:pass@host): \
                     the URL is published on chain and to every analyst",
                ));
            }
            Artifact::url(url)
        }
        (
            ArtifactKind::Contract,
            ArtifactInput {
                chain_id: Some(chain_id),
                address: Some(address),
                ..
            },
        ) => Artifact::contract(*chain_id, address),
        _ => return Err(invalid("the artifact's fields do not match its kind")),
    };
    artifact.map_err(|error| PostingError::Artifact(error.to_string()))
}

/// Whether `url`'s authority has a `userinfo@` part.
fn has_credentials(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    rest.split(['/', '?', '#'])
        .next()
        .is_some_and(|authority| authority.contains('@'))
}

/// The contract's parameters as `nexus_core` reads them.
pub fn governed(params: &BountyContract::Params) -> GovernedParameters {
    GovernedParameters {
        fee_bps: params.feeBps,
        quorum: params.quorum,
        min_commit_window: params.minCommitWindow,
        max_commit_window: params.maxCommitWindow,
        reveal_window: params.revealWindow,
        dispute_window: params.disputeWindow,
        arbitration_window: params.arbitrationWindow,
        min_reward: params.minReward,
        min_assertion_stake: params.minAssertionStake,
        min_analyst_stake: params.minAnalystStake,
        no_reveal_slash: params.noRevealSlash,
    }
}

/// The deadline of typed data served at chain time `now`.
pub fn intent_deadline(now: u64) -> U256 {
    U256::from(now.saturating_add(INTENT_LIFETIME_SECONDS))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn file(sha256: &str) -> ArtifactInput {
        ArtifactInput {
            kind: WireKind::File,
            sha256: Some(sha256.into()),
            url: None,
            chain_id: None,
            address: None,
        }
    }

    fn url(url: &str) -> ArtifactInput {
        ArtifactInput {
            kind: WireKind::Url,
            sha256: None,
            url: Some(url.into()),
            chain_id: None,
            address: None,
        }
    }

    #[test]
    fn each_kind_commits_to_the_reference_the_contract_expects() {
        let sha = "ab".repeat(32);
        let posting = Posting::parse(&file(&sha), "10", "1", 99).unwrap();
        assert_eq!(posting.artifact_hash(), [0xab; 32]);
        let request = posting.request();
        assert_eq!((request.kind, request.reward, request.minStake), (0, 10, 1));
        assert_eq!(request.assertionDeadline, 99);

        let link = "https://example.org/a?b=c";
        let posting = Posting::parse(&url(link), "10", "1", 99).unwrap();
        assert_eq!(posting.artifact_hash(), keccak256(link.as_bytes()).0);
        assert_eq!(posting.request().kind, 1);

        let contract = ArtifactInput {
            kind: WireKind::Contract,
            sha256: None,
            url: None,
            chain_id: Some(1),
            address: Some(format!("0x{}", "11".repeat(20))),
        };
        let posting = Posting::parse(&contract, "10", "1", 99).unwrap();
        let mut padded = [0u8; 32];
        padded[12..].copy_from_slice(&[0x11; 20]);
        assert_eq!(posting.artifact_hash(), padded);
        assert_eq!(posting.request().kind, 2);
    }

    #[test]
    fn malformed_postings_are_refused_with_their_field() {
        let sha = "ab".repeat(32);
        let code = |result: Result<Posting, PostingError>| result.unwrap_err().code();
        assert_eq!(
            code(Posting::parse(&file("xyz"), "1", "1", 1)),
            "invalid_artifact"
        );
        let mut both = file(&sha);
        both.url = Some("https://example.org".into());
        assert_eq!(code(Posting::parse(&both, "1", "1", 1)), "invalid_artifact");
        let mut none = file(&sha);
        none.sha256 = None;
        assert_eq!(code(Posting::parse(&none, "1", "1", 1)), "invalid_artifact");
        for credentials in [
            "https://user:pw@example.org/",
            "http://user@example.org",
            "https://a@b",
        ] {
            let error = Posting::parse(&url(credentials), "1", "1", 1).unwrap_err();
            assert!(error.to_string().contains("password"), "{credentials}");
        }
        // An @ after the authority is part of the path, not credentials.
        assert!(Posting::parse(&url("https://example.org/@someone"), "1", "1", 1).is_ok());
        assert_eq!(
            code(Posting::parse(
                &url(&format!("https://a.org/{}", "x".repeat(2048))),
                "1",
                "1",
                1
            )),
            "invalid_artifact"
        );
        assert_eq!(
            code(Posting::parse(&file(&sha), "-1", "1", 1)),
            "invalid_amount"
        );
        assert_eq!(
            code(Posting::parse(&file(&sha), "1", "1.5", 1)),
            "invalid_amount"
        );
        let too_big = (U256::from(u128::MAX) + U256::from(1)).to_string();
        assert_eq!(
            code(Posting::parse(&file(&sha), &too_big, "1", 1)),
            "invalid_amount"
        );
    }
}
