//! The state file: what the engine committed to and must still do, salts included, so a crash
//! (or a kill) between commit and reveal does not lose the stake. On start the engine reads it
//! and carries on: reveals what is pending, claims what is claimable.
//!
//! Writes are atomic: the new content goes to `<file>.tmp`, is flushed to disk (`fsync`), and
//! replaces the file by `rename`, then the directory is flushed; a crash leaves the old file or
//! the new one, never half of one. The salt is written *before* the commitment is sent, so there
//! is no moment when the chain holds a commitment whose preimage is only in memory.
//!
//! The file holds secrets until they are revealed (salts): it is created owner-only (0600).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The format version written; a newer file is refused rather than misread.
pub const VERSION: u32 = 1;

/// Where a bounty stands for this engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Decided not to answer (policy or decision rule); kept so it is not analysed again.
    Skipped,
    /// Salt chosen and stored; the commitment is sent (`commit_sent`) or about to be.
    Committing,
    /// The chain holds the commitment.
    Committed,
    /// The reveal was accepted by the platform; waiting for the chain.
    RevealSent,
    /// The chain holds the reveal.
    Revealed,
    /// The claim was accepted by the platform; waiting for the chain.
    ClaimSent,
    /// Nothing left to do (paid, or owed nothing).
    Done,
    /// Given up, with `note` saying why.
    Failed,
}

impl Phase {
    /// Whether the bounty still needs the engine (counts against `max_concurrent`).
    pub fn active(self) -> bool {
        !matches!(self, Phase::Skipped | Phase::Done | Phase::Failed)
    }
}

/// One bounty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Where it stands.
    pub phase: Phase,
    /// The bounty's id on chain (the commitment covers it).
    #[serde(default)]
    pub chain_bounty_id: Option<u64>,
    /// `malicious` or `benign`.
    #[serde(default)]
    pub verdict: Option<String>,
    /// Percent.
    #[serde(default)]
    pub confidence: Option<u8>,
    /// keccak256 of the engine's report (0x-hex).
    #[serde(default)]
    pub metadata_hash: Option<String>,
    /// The secret salt (0x-hex), revealed with the assertion.
    #[serde(default)]
    pub salt: Option<String>,
    /// The commitment sent (0x-hex).
    #[serde(default)]
    pub commitment: Option<String>,
    /// The stake, in wei.
    #[serde(default)]
    pub stake: Option<String>,
    /// Whether the platform accepted the commitment (else it is sent again on start).
    #[serde(default)]
    pub commit_sent: bool,
    /// Why it was skipped or failed, or the last thing that happened.
    #[serde(default)]
    pub note: Option<String>,
}

impl Entry {
    /// A bounty not answered, and why.
    pub fn skipped(note: impl Into<String>) -> Self {
        Self {
            phase: Phase::Skipped,
            chain_bounty_id: None,
            verdict: None,
            confidence: None,
            metadata_hash: None,
            salt: None,
            commitment: None,
            stake: None,
            commit_sent: false,
            note: Some(note.into()),
        }
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineState {
    /// [`VERSION`].
    pub version: u32,
    /// The wallet the entries belong to (a state file is never used with another wallet).
    pub wallet: String,
    /// Whether the qualifying stake was asked for (engines without a chain RPC ask once).
    #[serde(default)]
    pub qualifying_stake_sent: bool,
    /// By bounty id.
    #[serde(default)]
    pub bounties: BTreeMap<Uuid, Entry>,
}

impl EngineState {
    /// An empty state for `wallet`.
    pub fn new(wallet: &str) -> Self {
        Self {
            version: VERSION,
            wallet: wallet.to_lowercase(),
            qualifying_stake_sent: false,
            bounties: BTreeMap::new(),
        }
    }

    /// Bounties still needing the engine.
    pub fn active(&self) -> usize {
        self.bounties
            .values()
            .filter(|entry| entry.phase.active())
            .count()
    }
}

/// The state file on disk.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// The file at `path` (it need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the state of `wallet`: a fresh one when the file does not exist; an error when it
    /// cannot be read, is not a state file, is of a newer version or belongs to another wallet
    /// (never silently replaced: it may hold the only copy of a salt).
    pub fn load(&self, wallet: &str) -> anyhow::Result<EngineState> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(EngineState::new(wallet));
            }
            Err(error) => {
                return Err(error).with_context(|| {
                    format!("cannot read the state file {}", self.path.display())
                });
            }
        };
        let state: EngineState = serde_json::from_str(&text).with_context(|| {
            format!(
                "the state file {} is not valid; fix or move it (it may hold unrevealed salts)",
                self.path.display()
            )
        })?;
        if state.version > VERSION {
            bail!(
                "the state file {} is version {}, newer than this engine's {VERSION}",
                self.path.display(),
                state.version
            );
        }
        if !state.wallet.eq_ignore_ascii_case(wallet) {
            bail!(
                "the state file {} belongs to wallet {}, not {wallet}; use another state file",
                self.path.display(),
                state.wallet
            );
        }
        Ok(state)
    }

    /// Replaces the file with `state`, atomically and durably.
    pub fn save(&self, state: &EngineState) -> anyhow::Result<()> {
        let text = serde_json::to_vec_pretty(state)?;
        let dir = self
            .path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let write = || -> std::io::Result<()> {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&temporary)?;
            file.write_all(&text)?;
            file.sync_all()?;
            std::fs::rename(&temporary, &self.path)?;
            // The rename itself is durable once the directory is flushed.
            std::fs::File::open(dir)?.sync_all()
        };
        write().with_context(|| format!("cannot write the state file {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nexus-state-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn committing() -> Entry {
        Entry {
            phase: Phase::Committing,
            chain_bounty_id: Some(7),
            verdict: Some("malicious".into()),
            confidence: Some(80),
            metadata_hash: Some(format!("0x{}", "ab".repeat(32))),
            salt: Some(format!("0x{}", "cd".repeat(32))),
            commitment: Some(format!("0x{}", "ef".repeat(32))),
            stake: Some("1000".into()),
            commit_sent: false,
            note: None,
        }
    }

    #[test]
    fn the_state_round_trips_with_its_salts() {
        let dir = scratch();
        let file = StateFile::new(dir.join("state.json"));
        let wallet = "0xAbC0000000000000000000000000000000000001";
        let mut state = file.load(wallet).unwrap();
        assert!(state.bounties.is_empty());
        state.bounties.insert(Uuid::now_v7(), committing());
        state
            .bounties
            .insert(Uuid::now_v7(), Entry::skipped("too small"));
        state.qualifying_stake_sent = true;
        file.save(&state).unwrap();
        let again = file.load(&wallet.to_lowercase()).unwrap();
        assert_eq!(again, state);
        assert_eq!(again.active(), 1);
        // No temporary file is left behind, and the file is owner-only.
        assert!(!dir.join("state.json.tmp").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_save_replaces_the_whole_file_and_a_stale_temporary_is_harmless() {
        let dir = scratch();
        let file = StateFile::new(dir.join("state.json"));
        let mut state = EngineState::new("0x01");
        state.bounties.insert(Uuid::now_v7(), committing());
        file.save(&state).unwrap();
        // A crash mid-write leaves a partial temporary; the real file is untouched by it and
        // the next save overwrites it.
        std::fs::write(dir.join("state.json.tmp"), b"{\"version\": 1, \"wal").unwrap();
        assert_eq!(file.load("0x01").unwrap(), state);
        state.bounties.clear();
        file.save(&state).unwrap();
        assert_eq!(file.load("0x01").unwrap(), state);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_foreign_or_newer_files_are_refused_not_replaced() {
        let dir = scratch();
        let path = dir.join("state.json");
        let file = StateFile::new(&path);
        std::fs::write(&path, b"not json").unwrap();
        let refused = format!("{:#}", file.load("0x01").unwrap_err());
        assert!(refused.contains("not valid"), "{refused}");
        assert_eq!(std::fs::read(&path).unwrap(), b"not json");
        file.save(&EngineState::new("0x02")).unwrap();
        let refused = format!("{:#}", file.load("0x01").unwrap_err());
        assert!(refused.contains("belongs to wallet 0x02"), "{refused}");
        let mut newer = EngineState::new("0x01");
        newer.version = VERSION + 1;
        file.save(&newer).unwrap();
        assert!(file.load("0x01").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
