//! The active YARA rules and their hot reload.
//!
//! Platform rules (the engine's built-in rules plus `rules_dir`) are compiled once at start.
//! User rulesets live in `analysis.rulesets`; the highest id is the user part of the rules
//! version. [`ActiveRules`] pairs a version with an [`Engine`] built on platform + user rules;
//! [`Rules::current`] hands out the current one (an `Arc`, so a running analysis keeps the
//! rules it started with) and a reload builds the next one off to the side and swaps the
//! pointer, so no analysis ever sees half-loaded rules.
//!
//! Reloads happen after this instance stores a ruleset, when another instance announces one
//! (`RulesetPublished` over pub/sub), and before every job and upload when the database has a
//! higher ruleset id than the loaded one (one indexed `max(id)` query), so a missed
//! notification only delays a reload until the next job.

use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use nexus_core::hex;
use nexus_engine::{ENGINE_VERSION, Engine, EngineConfig, RuleCompileError, RuleSet};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::domain::rules_version;
use crate::error::AnalysisError;
use crate::store;

/// One compiled generation of rules.
#[derive(Debug)]
pub struct ActiveRules {
    /// The version analyses record.
    pub version: String,
    /// Highest user ruleset id included (0: none).
    pub user_version: i64,
    /// The engine scanning with these rules.
    pub engine: Engine,
}

/// Platform rules plus the swappable current generation.
#[derive(Debug)]
pub struct Rules {
    platform: Arc<RuleSet>,
    platform_digest: String,
    config: EngineConfig,
    current: RwLock<Arc<ActiveRules>>,
    reload: tokio::sync::Mutex<()>,
}

impl Rules {
    /// Compiles the platform rules (built-in plus `rules_dir`) and loads the user rulesets.
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
            engine: Engine::new(config.clone(), RuleSet::combined(&[&platform])),
        };
        let rules = Self {
            platform,
            platform_digest,
            config,
            current: RwLock::new(Arc::new(empty)),
            reload: tokio::sync::Mutex::new(()),
        };
        rules.reload_if_behind(pool).await?;
        Ok(rules)
    }

    /// The rules in force now.
    pub fn current(&self) -> Arc<ActiveRules> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Reloads when the database holds a newer user ruleset than the loaded one; returns the
    /// rules in force afterwards.
    pub async fn reload_if_behind(&self, pool: &PgPool) -> Result<Arc<ActiveRules>, AnalysisError> {
        let latest = store::latest_ruleset_id(pool).await?;
        if latest <= self.current().user_version {
            return Ok(self.current());
        }
        let _one_at_a_time = self.reload.lock().await;
        if latest <= self.current().user_version {
            return Ok(self.current());
        }
        let rulesets = store::rulesets_up_to(pool, latest).await?;
        let platform = Arc::clone(&self.platform);
        let config = self.config.clone();
        let version = rules_version(ENGINE_VERSION, &self.platform_digest, latest);
        let next = tokio::task::spawn_blocking(move || {
            let user = RuleSet::compile(
                rulesets
                    .iter()
                    .map(|(name, source)| (name.as_str(), source.as_str())),
            )?;
            Ok::<_, RuleCompileError>(ActiveRules {
                version,
                user_version: latest,
                engine: Engine::new(config, RuleSet::combined(&[&platform, &user])),
            })
        })
        .await
        .map_err(|error| AnalysisError::Task(error.to_string()))??;
        let next = Arc::new(next);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&next);
        tracing::info!(ruleset_version = %next.version, "Swapped in a new YARA rules version.");
        Ok(next)
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
