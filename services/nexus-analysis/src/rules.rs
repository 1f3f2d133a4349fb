//! The platform's YARA rules, the only rules that analyses run.
//!
//! Platform rules (the engine's built-in rules plus `rules_dir`) are compiled once at start;
//! their digest is part of the rules version every analysis records. [`Rules::current`] hands
//! out the current [`ActiveRules`] (an `Arc`, so a running analysis keeps the rules it started
//! with).
//!
//! User rulesets (`analysis.rulesets`) are not part of them: a user's rules run only in that
//! user's retrohunts ([`crate::retrohunt`]), on the samples the user may read, under their own
//! time budget, with results on the hunt. So a slow or failing user rule can never take the
//! platform's matches out of a report, delay anyone's analysis, or put its name (and what it
//! reveals about the bytes) into a report other people read.

use std::path::Path;
use std::sync::Arc;

use nexus_core::hex;
use nexus_engine::{ENGINE_VERSION, Engine, EngineConfig, RuleSet};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::domain::rules_version;
use crate::error::AnalysisError;

/// One compiled generation of rules.
#[derive(Debug)]
pub struct ActiveRules {
    /// The version analyses record.
    pub version: String,
    /// Always 0: user rulesets never run in analyses (kept in the version's format).
    pub user_version: i64,
    /// The engine scanning with these rules.
    pub engine: Engine,
}

/// The platform rules in force.
#[derive(Debug)]
pub struct Rules {
    current: Arc<ActiveRules>,
}

impl Rules {
    /// Compiles the platform rules (built-in plus `rules_dir`).
    pub async fn load(
        rules_dir: Option<&Path>,
        config: EngineConfig,
        pool: &PgPool,
    ) -> Result<Self, AnalysisError> {
        let dir = rules_dir.map(Path::to_path_buf);
        let (platform, platform_digest) = tokio::task::spawn_blocking(move || {
            let digest = digest_dir(dir.as_deref());
            let rules = match &dir {
                Some(dir) => RuleSet::from_dir(dir, true),
                None => RuleSet::builtin(),
            };
            rules.map(|rules| (rules, digest))
        })
        .await
        .map_err(|error| AnalysisError::Task(error.to_string()))?
        .map_err(AnalysisError::PlatformRules)?;
        let platform = Arc::new(platform);
        let empty = ActiveRules {
            version: rules_version(ENGINE_VERSION, &platform_digest, 0),
            user_version: 0,
            engine: Engine::new(config, RuleSet::combined(&[&platform])),
        };
        let _ = pool;
        Ok(Self {
            current: Arc::new(empty),
        })
    }

    /// The rules in force now.
    pub fn current(&self) -> Arc<ActiveRules> {
        Arc::clone(&self.current)
    }

    /// The rules in force after catching up with stored changes. Only the platform's rules
    /// are in force, and they change with a restart, so this is [`Rules::current`]; it is kept
    /// so callers that check before a job need not know that.
    pub async fn reload_if_behind(
        &self,
        _pool: &PgPool,
    ) -> Result<Arc<ActiveRules>, AnalysisError> {
        Ok(self.current())
    }
}

/// Compiles one user source on a blocking thread, keeping the error's line and column.
pub async fn check_source(namespace: String, source: String) -> Result<RuleSet, AnalysisError> {
    tokio::task::spawn_blocking(move || RuleSet::compile([(namespace.as_str(), source.as_str())]))
        .await
        .map_err(|error| AnalysisError::Task(error.to_string()))?
        .map_err(AnalysisError::RuleCompile)
}

/// First 8 hex digits of a SHA-256 over the rule files' relative paths and contents, so the
/// rules version changes when the platform rules do ("none" without a directory).
fn digest_dir(dir: Option<&Path>) -> String {
    let Some(dir) = dir else {
        return "none".to_owned();
    };
    let mut files = Vec::new();
    collect(dir, &mut files, 0);
    files.sort();
    let mut hasher = Sha256::new();
    for path in &files {
        hasher.update(
            path.strip_prefix(dir)
                .unwrap_or(path)
                .to_string_lossy()
                .as_bytes(),
        );
        if let Ok(bytes) = std::fs::read(path) {
            hasher.update(&bytes);
        }
    }
    let digest = hex::encode(&hasher.finalize());
    digest.get(..8).unwrap_or("none").to_owned()
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && depth < 16 {
            collect(&path, files, depth + 1);
        } else if matches!(
            path.extension().and_then(|extension| extension.to_str()),
            Some("yar" | "yara" | "yarc")
        ) {
            files.push(path);
        }
    }
}
