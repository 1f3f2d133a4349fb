//! One bounty's life as the engine lives it: answer (analyse, decide, commit), then each poll
//! move it one step along what the platform shows: committed → reveal → revealed → resolve →
//! claim → done. Every step is safe to repeat: a refusal that means "not yet" (the chain's clock
//! has not opened the window) leaves the entry where it is, and the state file is saved after
//! every change, the salt before the commitment is sent.

use alloy::primitives::{Address, B256, U256, keccak256};
use anyhow::Context;
use nexus_chain::commitment::{SealedAssertion, VerdictCode, commitment};
use nexus_chain::wallet_json::{message_field, sign_typed_data_json};
use nexus_proto::bounty::{BountyAssertion, BountyStatus, BountyView};
use rand08::RngCore;
use serde_json::{Value, json};

use super::api::Refusal;
use super::config::wei;
use super::decide::Decision;
use super::run::Engine;
use super::state::{Entry, Phase};

/// What the engine says about a step, for its log line.
pub type Note = String;

impl Engine {
    /// Whether `view` is a bounty this engine's policy answers; `Err` says why not.
    pub fn wants(&self, view: &BountyView) -> Result<(u128, u64), String> {
        let policy = &self.config.policy;
        let kind = serde_json::to_value(view.artifact.kind)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        if !policy.artifact_kinds.contains(&kind) {
            return Err(format!(
                "artifact kind {kind} is not in policy.artifact_kinds"
            ));
        }
        if kind != "file" {
            return Err(format!(
                "{kind} artifacts are not analysed by this engine yet"
            ));
        }
        let reward = view.reward.parse::<u128>().unwrap_or(0);
        let min_reward = wei("policy.min_reward", &policy.min_reward).unwrap_or(u128::MAX);
        if reward < min_reward {
            return Err(format!(
                "reward {reward} is below policy.min_reward {min_reward}"
            ));
        }
        if view
            .creator_address
            .eq_ignore_ascii_case(&self.wallet_hex())
        {
            return Err("the engine's own wallet created it".to_owned());
        }
        let Some(chain_id) = view.chain_bounty_id else {
            return Err("not on chain yet".to_owned());
        };
        let stake = wei("policy.stake", &policy.stake).unwrap_or(u128::MAX);
        let max_stake = wei("policy.max_stake", &policy.max_stake).unwrap_or(0);
        let min_stake = view.min_stake.parse::<u128>().unwrap_or(u128::MAX);
        let stake = stake.max(min_stake);
        if stake > max_stake {
            return Err(format!(
                "its minimum stake {min_stake} is above policy.max_stake {max_stake}"
            ));
        }
        Ok((stake, chain_id))
    }

    /// Analyses the artifact of `view`, decides, and commits; records the outcome.
    pub async fn answer(&mut self, view: &BountyView) -> anyhow::Result<Note> {
        let (stake, chain_id) = match self.wants(view) {
            Ok(terms) => terms,
            Err(reason) => return self.skip(view, reason),
        };
        let limit = self.config.policy.max_file_size;
        // The view spells the hash as the contract stores it (`0x` + hex); the file routes
        // take the bare hex.
        let sha256 = view.artifact.hash.trim_start_matches("0x").to_lowercase();
        let bytes = self.gateway.download(&sha256, limit).await?;
        let engine = self.analyser.clone();
        let report = tokio::task::spawn_blocking(move || engine.analyze(&bytes))
            .await
            .context("the analysis task failed")?;
        let file_type = serde_json::to_value(report.file.file_type)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let types = &self.config.policy.file_types;
        if !types.is_empty() && !types.contains(&file_type) {
            return self.skip(
                view,
                format!("file type {file_type} is not in policy.file_types"),
            );
        }
        let (verdict, confidence) = match self.config.decision.decide(&report) {
            Decision::Assert {
                verdict,
                confidence,
            } => (verdict, confidence),
            Decision::Abstain(reason) => return self.skip(view, reason),
        };
        let mut salt = [0_u8; 32];
        rand08::rngs::OsRng.fill_bytes(&mut salt);
        let sealed = SealedAssertion {
            verdict,
            confidence,
            metadata_hash: keccak256(serde_json::to_vec(&report)?),
            salt: B256::from(salt),
        };
        let sealed_hash = commitment(U256::from(chain_id), self.wallet, &sealed);
        let entry = Entry {
            phase: Phase::Committing,
            chain_bounty_id: Some(chain_id),
            verdict: Some(verdict_name(verdict).to_owned()),
            confidence: Some(confidence),
            metadata_hash: Some(sealed.metadata_hash.to_string()),
            salt: Some(sealed.salt.to_string()),
            commitment: Some(sealed_hash.to_string()),
            stake: Some(stake.to_string()),
            commit_sent: false,
            note: Some(format!("{file_type}, score {}", report.score)),
        };
        // The salt is on disk before the commitment leaves the process.
        self.state.bounties.insert(view.id, entry);
        self.save()?;
        self.send_commit(view.id).await?;
        Ok(format!(
            "committed {} at {confidence}% with stake {stake} ({file_type}, score {})",
            verdict_name(verdict),
            report.score
        ))
    }

    fn skip(&mut self, view: &BountyView, reason: String) -> anyhow::Result<Note> {
        self.state
            .bounties
            .insert(view.id, Entry::skipped(reason.clone()));
        self.save()?;
        Ok(format!("skipped: {reason}"))
    }

    /// Sends the commitment of `id` (typed data from the platform, signed here).
    async fn send_commit(&mut self, id: uuid::Uuid) -> anyhow::Result<()> {
        let Some(entry) = self.state.bounties.get(&id).cloned() else {
            return Ok(());
        };
        let (Some(sealed), Some(stake)) = (entry.commitment.clone(), entry.stake.clone()) else {
            return self.fail(id, "the state entry lacks its commitment");
        };
        let query = format!(
            "/v1/bounties/intents/commit?bounty={id}&signer={}&commitment={sealed}&stake={stake}",
            self.wallet_hex()
        );
        let typed = match self.gateway.get(&query).await? {
            Ok(typed) => typed,
            Err(refusal) => return self.refused(id, "commit intent", refusal),
        };
        let body = json!({
            "commitment": sealed,
            "stake": stake,
            "intent": self.signed_intent(&typed["typed_data"])?,
            "permit": self.signed_permit(&typed["permit"])?,
        });
        match self
            .gateway
            .post(&format!("/v1/bounties/{id}/commitments"), &body)
            .await?
        {
            Ok(_) => {
                if let Some(entry) = self.state.bounties.get_mut(&id) {
                    entry.commit_sent = true;
                }
                self.save()
            }
            Err(refusal) => self.refused(id, "commitment", refusal),
        }
    }

    /// A refusal of a step that will not succeed later: the entry fails with it.
    fn refused(&mut self, id: uuid::Uuid, what: &str, refusal: Refusal) -> anyhow::Result<()> {
        self.fail(id, &format!("{what} refused: {refusal}"))
    }

    fn fail(&mut self, id: uuid::Uuid, note: &str) -> anyhow::Result<()> {
        if let Some(entry) = self.state.bounties.get_mut(&id) {
            entry.phase = Phase::Failed;
            entry.note = Some(note.to_owned());
        }
        self.save()
    }

    fn set_phase(&mut self, id: uuid::Uuid, phase: Phase) -> anyhow::Result<()> {
        if let Some(entry) = self.state.bounties.get_mut(&id) {
            entry.phase = phase;
        }
        self.save()
    }

    /// Moves the active entry `id` one step along what `view` shows; `Some(note)` when
    /// something changed.
    pub async fn advance(
        &mut self,
        id: uuid::Uuid,
        view: &BountyView,
    ) -> anyhow::Result<Option<Note>> {
        let Some(entry) = self.state.bounties.get(&id).cloned() else {
            return Ok(None);
        };
        let mine = own_assertion(view, self.wallet);
        let before = entry.phase;
        match entry.phase {
            Phase::Committing => {
                if mine.is_some() {
                    self.set_phase(id, Phase::Committed)?;
                } else if !entry.commit_sent {
                    self.send_commit(id).await?;
                } else if view.status != BountyStatus::Open {
                    self.fail(id, "the commitment never reached the chain")?;
                }
            }
            Phase::Committed => self.reveal(id, &entry, view).await?,
            Phase::RevealSent => {
                if mine.is_some_and(|assertion| assertion.verdict.is_some()) {
                    self.set_phase(id, Phase::Revealed)?;
                } else if matches!(view.status, BountyStatus::Resolved | BountyStatus::Decided) {
                    self.fail(id, "the reveal never reached the chain")?;
                }
            }
            Phase::Revealed => self.settle(id, view).await?,
            Phase::ClaimSent => {
                if mine.is_some_and(|assertion| assertion.claimed) {
                    self.set_phase(id, Phase::Done)?;
                }
            }
            Phase::Skipped | Phase::Done | Phase::Failed => {}
        }
        let after = self.state.bounties.get(&id).map(|entry| entry.phase);
        Ok((after != Some(before)).then(|| format!("{before:?} -> {after:?}")))
    }

    async fn reveal(
        &mut self,
        id: uuid::Uuid,
        entry: &Entry,
        view: &BountyView,
    ) -> anyhow::Result<()> {
        if !matches!(view.status, BountyStatus::Open | BountyStatus::Revealing) {
            return self.fail(id, "the reveal window closed before the engine revealed");
        }
        let body = json!({
            "analyst": self.wallet_hex(),
            "verdict": entry.verdict,
            "confidence": entry.confidence,
            "metadata_hash": entry.metadata_hash,
            "salt": entry.salt,
        });
        match self
            .gateway
            .post(&format!("/v1/bounties/{id}/reveals"), &body)
            .await?
        {
            Ok(_) => self.set_phase(id, Phase::RevealSent),
            // Before the assertion deadline by the chain's clock, or the listener has not seen
            // the commitment yet: try again next round.
            Err(refusal)
                if matches!(
                    refusal.code.as_str(),
                    "bounty_not_revealing" | "not_committed"
                ) =>
            {
                Ok(())
            }
            Err(refusal) => self.refused(id, "reveal", refusal),
        }
    }

    /// Resolves the bounty once anyone may, then claims what it owes.
    async fn settle(&mut self, id: uuid::Uuid, view: &BountyView) -> anyhow::Result<()> {
        match view.status {
            // Resolvable once the reveal window is over (the chain's clock decides; a 409 is
            // "not yet"); still `open` means nobody revealed yet, so not worth asking.
            BountyStatus::Revealing | BountyStatus::Resolving => {
                match self
                    .gateway
                    .post(&format!("/v1/bounties/{id}/resolve"), &json!({}))
                    .await?
                {
                    Ok(_) => Ok(()),
                    Err(refusal) if refusal.status == 409 => Ok(()),
                    Err(refusal) => {
                        // Someone else may resolve; the claim below is what matters.
                        self.note(id, &format!("resolve refused: {refusal}"))
                    }
                }
            }
            BountyStatus::Resolved | BountyStatus::Decided => {
                let body = json!({"analyst": self.wallet_hex()});
                match self
                    .gateway
                    .post(&format!("/v1/bounties/{id}/claims"), &body)
                    .await?
                {
                    Ok(_) => self.set_phase(id, Phase::ClaimSent),
                    Err(refusal) if refusal.code == "nothing_to_claim" => {
                        self.note(id, "owed nothing (a losing verdict, or paid already)")?;
                        self.set_phase(id, Phase::Done)
                    }
                    Err(refusal) if refusal.status == 409 => Ok(()),
                    Err(refusal) => self.refused(id, "claim", refusal),
                }
            }
            _ => Ok(()),
        }
    }

    fn note(&mut self, id: uuid::Uuid, note: &str) -> anyhow::Result<()> {
        if let Some(entry) = self.state.bounties.get_mut(&id) {
            entry.note = Some(note.to_owned());
        }
        self.save()
    }

    /// A `SignedIntent` body for `typed` (the intent's typed data).
    pub fn signed_intent(&self, typed: &Value) -> anyhow::Result<Value> {
        Ok(json!({
            "signer": self.wallet_hex(),
            "nonce": message_field(typed, "nonce").context("intent typed data without a nonce")?,
            "deadline": message_field(typed, "deadline").context("intent typed data without a deadline")?,
            "signature": sign_typed_data_json(&self.signer, typed)?,
        }))
    }

    /// A `SignedPermit` body for `typed` (the permit's typed data).
    pub fn signed_permit(&self, typed: &Value) -> anyhow::Result<Value> {
        Ok(json!({
            "nonce": message_field(typed, "nonce").context("permit typed data without a nonce")?,
            "deadline": message_field(typed, "deadline").context("permit typed data without a deadline")?,
            "signature": sign_typed_data_json(&self.signer, typed)?,
        }))
    }
}

/// The engine's assertion in a bounty's view.
pub fn own_assertion(view: &BountyView, wallet: Address) -> Option<&BountyAssertion> {
    let wanted = wallet.to_string();
    view.assertions
        .iter()
        .find(|assertion| assertion.analyst.eq_ignore_ascii_case(&wanted))
}

/// The wire name of a verdict.
pub fn verdict_name(verdict: VerdictCode) -> &'static str {
    match verdict {
        VerdictCode::Benign => "benign",
        VerdictCode::Malicious => "malicious",
    }
}
