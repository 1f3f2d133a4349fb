//! Stand-in for [`yara`](self) when the `yara` feature is off (the fuzz build): the same API, no
//! rules, scans that find nothing.

use std::path::Path;
use std::time::Duration;

use nexus_proto::report::YaraMatch;

use crate::error::EngineError;

/// Rules compiled into the engine; unused without the `yara` feature.
pub const BUILTIN_RULES: &str = include_str!("../rules/builtin.yar");

/// A YARA source that failed to compile (same shape as with the `yara` feature).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("namespace {namespace}: {message}")]
pub struct RuleCompileError {
    /// The namespace the failing source was added under.
    pub namespace: String,
    /// yara-x's error code, when it gave one.
    pub code: Option<String>,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// The message.
    pub message: String,
}

/// An always-empty rule set.
#[derive(Debug)]
pub struct RuleSet;

fn unsupported() -> EngineError {
    EngineError::YaraCompile(
        "this build of nexus-engine has no YARA support (feature `yara` is off)".to_owned(),
    )
}

impl RuleSet {
    /// No rules at all.
    pub fn empty() -> Self {
        Self
    }

    /// Fails: no YARA support in this build.
    pub fn builtin() -> Result<Self, EngineError> {
        Err(unsupported())
    }

    /// Fails unless `sources` is empty.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, EngineError> {
        match sources.into_iter().next() {
            None => Ok(Self),
            Some(_) => Err(unsupported()),
        }
    }

    /// Fails unless `sources` is empty.
    pub fn compile<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, RuleCompileError> {
        match sources.into_iter().next() {
            None => Ok(Self),
            Some((namespace, _)) => Err(RuleCompileError {
                namespace: namespace.to_owned(),
                code: None,
                line: None,
                column: None,
                message: unsupported().to_string(),
            }),
        }
    }

    /// Always empty.
    pub fn combined(_parts: &[&RuleSet]) -> Self {
        Self
    }

    /// Fails: no YARA support in this build.
    pub fn from_dir(_dir: &Path, _with_builtin: bool) -> Result<Self, EngineError> {
        Err(unsupported())
    }

    /// Always 0.
    pub fn source_count(&self) -> usize {
        0
    }

    /// Finds nothing.
    pub fn scan(
        &self,
        _bytes: &[u8],
        _timeout: Duration,
        _max_offsets: usize,
    ) -> Result<Vec<YaraMatch>, EngineError> {
        Ok(Vec::new())
    }

    /// Finds nothing.
    pub fn scan_file(
        &self,
        _path: &Path,
        _timeout: Duration,
        _max_offsets: usize,
    ) -> Result<Vec<YaraMatch>, EngineError> {
        Ok(Vec::new())
    }
}
