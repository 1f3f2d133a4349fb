//! YARA scanning with yara-x: rule loading (sources or compiled `.yarc`), per-scan timeout, and
//! matches with namespace, tags, metadata and bounded offsets.
//!
//! Rules are compiled once into a [`RuleSet`] and shared (read-only) by every scan; each scan makes
//! its own `yara_x::Scanner`, which is cheap next to compilation and keeps scans independent.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use nexus_proto::report::{YaraMatch, YaraStringMatch};
use yara_x::{Compiler, MetaValue, Rules, ScanError, ScanResults, Scanner};

use crate::error::EngineError;

/// Rules compiled into the engine (namespace `builtin`): EICAR, UPX and a PowerShell cradle.
pub const BUILTIN_RULES: &str = include_str!("../rules/builtin.yar");

/// Compiled YARA rules: one or more yara-x rule sets scanned in turn.
///
/// The compiled sets are reference-counted, so [`RuleSet::combined`] can put platform rules and
/// user rules side by side without recompiling either.
pub struct RuleSet {
    rules: Vec<Arc<Rules>>,
    sources: usize,
}

/// Where and why a YARA source failed to compile: the first error, with its position in the
/// source that was submitted (1-based line and column), for callers that show it to a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("namespace {namespace}: {message}")]
pub struct RuleCompileError {
    /// The namespace the failing source was added under.
    pub namespace: String,
    /// yara-x's error code (`E001`, ...), when it gave one.
    pub code: Option<String>,
    /// 1-based line of the error in that source, when known.
    pub line: Option<u32>,
    /// 1-based column of the error, when known.
    pub column: Option<u32>,
    /// The compiler's full message (with the annotated snippet).
    pub message: String,
}

impl RuleCompileError {
    fn from_yara(namespace: &str, error: &yara_x::errors::CompileError) -> Self {
        // yara-x renders its report (an annotated snippet of the source) with annotate-snippets,
        // which panics when the error's span sits next to a U+0085 line break (a byte index
        // inside the character): a rule submitted over the API must not turn into a 500. The
        // snippet is decoration; without it the code, title and labels still say what and where.
        let rendered = catch_unwind(AssertUnwindSafe(|| {
            // yara-x serialises its report with the position of the primary label.
            (
                serde_json::to_value(error).unwrap_or_default(),
                error.to_string(),
            )
        }));
        match rendered {
            Ok((detail, message)) => Self {
                namespace: namespace.to_owned(),
                code: detail
                    .get("code")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned),
                line: position(&detail, "line"),
                column: position(&detail, "column"),
                message,
            },
            Err(_) => Self::unrendered(namespace, error),
        }
    }

    /// The error without its snippet: code, title and the labels' texts, the position of the
    /// first label (labels serialise without rendering).
    fn unrendered(namespace: &str, error: &yara_x::errors::CompileError) -> Self {
        let labels: Vec<serde_json::Value> = error
            .labels()
            .map(|label| serde_json::to_value(&label).unwrap_or_default())
            .collect();
        let first = labels.first().cloned().unwrap_or_default();
        let notes: Vec<&str> = labels
            .iter()
            .filter_map(|label| label.get("text").and_then(serde_json::Value::as_str))
            .collect();
        let mut message = format!("error[{}]: {}", error.code(), error.title());
        if !notes.is_empty() {
            message.push_str(": ");
            message.push_str(&notes.join("; "));
        }
        Self {
            namespace: namespace.to_owned(),
            code: Some(error.code().to_owned()),
            line: position(&first, "line"),
            column: position(&first, "column"),
            message,
        }
    }
}

/// A 1-based position field of a serialised yara-x report or label.
fn position(detail: &serde_json::Value, key: &str) -> Option<u32> {
    detail
        .get(key)
        .and_then(serde_json::Value::as_u64)
        .and_then(|value| u32::try_from(value).ok())
}

impl From<RuleCompileError> for EngineError {
    fn from(error: RuleCompileError) -> Self {
        EngineError::YaraCompile(error.to_string())
    }
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("RuleSet")
            .field("compiled_sets", &self.rules.len())
            .field("sources", &self.sources)
            .finish()
    }
}

impl RuleSet {
    /// No rules at all.
    pub fn empty() -> Self {
        Self {
            rules: Vec::new(),
            sources: 0,
        }
    }

    /// The built-in rules only.
    pub fn builtin() -> Result<Self, EngineError> {
        Self::from_sources([("builtin", BUILTIN_RULES)])
    }

    /// Compiles `(namespace, source)` pairs into one rule set.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, EngineError> {
        Ok(Self::compile(sources)?)
    }

    /// [`RuleSet::from_sources`] with the first error's position (line, column) kept apart,
    /// for services that return it to whoever submitted the rules.
    pub fn compile<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, RuleCompileError> {
        let mut compiler = Compiler::new();
        let mut count = 0;
        for (namespace, source) in sources {
            compiler.new_namespace(namespace);
            compiler
                .add_source(source)
                .map_err(|error| RuleCompileError::from_yara(namespace, &error))?;
            count += 1;
        }
        let rules = if count == 0 {
            Vec::new()
        } else {
            vec![Arc::new(compiler.build())]
        };
        Ok(Self {
            rules,
            sources: count,
        })
    }

    /// One rule set that scans with every set of `parts` in turn (compiled rules are shared, not
    /// recompiled), e.g. platform rules plus user rules.
    pub fn combined(parts: &[&RuleSet]) -> Self {
        Self {
            rules: parts
                .iter()
                .flat_map(|part| part.rules.iter().cloned())
                .collect(),
            sources: parts.iter().map(|part| part.sources).sum(),
        }
    }

    /// Loads every `.yar`/`.yara` source (namespace = file stem) and every compiled `.yarc` file
    /// under `dir`, recursively, in path order. Optionally adds the built-in rules too.
    pub fn from_dir(dir: &Path, with_builtin: bool) -> Result<Self, EngineError> {
        let mut sources = Vec::new();
        let mut compiled = Vec::new();
        collect_rule_files(dir, &mut sources, &mut compiled, 0)?;
        sources.sort();
        compiled.sort();
        let mut texts = Vec::new();
        for path in &sources {
            let text = std::fs::read_to_string(path).map_err(|source| EngineError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let namespace = path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            texts.push((namespace, text));
        }
        let mut pairs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(namespace, text)| (namespace.as_str(), text.as_str()))
            .collect();
        if with_builtin {
            pairs.push(("builtin", BUILTIN_RULES));
        }
        let mut set = Self::from_sources(pairs)?;
        for path in &compiled {
            let bytes = std::fs::read(path).map_err(|source| EngineError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let rules = Rules::deserialize(bytes).map_err(|error| {
                EngineError::YaraCompile(format!("{}: {error}", path.display()))
            })?;
            set.rules.push(Arc::new(rules));
            set.sources += 1;
        }
        Ok(set)
    }

    /// Number of rule files or sources loaded.
    pub fn source_count(&self) -> usize {
        self.sources
    }

    /// Scans `bytes` with every rule set.
    pub fn scan(
        &self,
        bytes: &[u8],
        timeout: Duration,
        max_offsets: usize,
    ) -> Result<Vec<YaraMatch>, EngineError> {
        self.scan_with(timeout, max_offsets, |scanner| scanner.scan(bytes))
    }

    /// Scans the file at `path` with every rule set. yara-x maps the file instead of reading
    /// it into memory, so a large stored sample costs neither a copy nor its size in RAM.
    pub fn scan_file(
        &self,
        path: &Path,
        timeout: Duration,
        max_offsets: usize,
    ) -> Result<Vec<YaraMatch>, EngineError> {
        self.scan_with(timeout, max_offsets, |scanner| scanner.scan_file(path))
    }

    fn scan_with<'r>(
        &'r self,
        timeout: Duration,
        max_offsets: usize,
        scan: impl for<'s> Fn(&'s mut Scanner<'r>) -> Result<ScanResults<'s, 'r>, ScanError>,
    ) -> Result<Vec<YaraMatch>, EngineError> {
        let mut found = Vec::new();
        for rules in &self.rules {
            let mut scanner = Scanner::new(rules.as_ref());
            scanner.set_timeout(timeout);
            let results = scan(&mut scanner).map_err(|error| match error {
                ScanError::Timeout => {
                    EngineError::YaraTimeout(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX))
                }
                other => EngineError::YaraScan(other.to_string()),
            })?;
            collect_matches(&results, max_offsets, &mut found);
        }
        Ok(found)
    }
}

fn collect_matches(results: &ScanResults<'_, '_>, max_offsets: usize, found: &mut Vec<YaraMatch>) {
    for rule in results.matching_rules() {
        let metadata: BTreeMap<String, serde_json::Value> = rule
            .metadata()
            .map(|(key, value)| (key.to_owned(), meta_json(&value)))
            .collect();
        let strings = rule
            .patterns()
            .filter_map(|pattern| {
                let matches: Vec<u64> = pattern
                    .matches()
                    .map(|found| found.range().start as u64)
                    .collect();
                if matches.is_empty() {
                    return None;
                }
                Some(YaraStringMatch {
                    identifier: pattern.identifier().to_owned(),
                    count: matches.len() as u64,
                    offsets: matches.into_iter().take(max_offsets).collect(),
                })
            })
            .collect();
        found.push(YaraMatch {
            rule: rule.identifier().to_owned(),
            namespace: rule.namespace().to_owned(),
            tags: rule.tags().map(|tag| tag.identifier().to_owned()).collect(),
            metadata,
            strings,
        });
    }
}

fn meta_json(value: &MetaValue<'_>) -> serde_json::Value {
    match value {
        MetaValue::Integer(number) => serde_json::Value::from(*number),
        MetaValue::Float(number) => serde_json::Value::from(*number),
        MetaValue::Bool(flag) => serde_json::Value::from(*flag),
        MetaValue::String(text) => serde_json::Value::from(*text),
        MetaValue::Bytes(bytes) => {
            serde_json::Value::from(String::from_utf8_lossy(bytes.as_ref()).into_owned())
        }
    }
}

fn collect_rule_files(
    dir: &Path,
    sources: &mut Vec<std::path::PathBuf>,
    compiled: &mut Vec<std::path::PathBuf>,
    depth: usize,
) -> Result<(), EngineError> {
    if depth > 16 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|source| EngineError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| EngineError::Io {
                path: dir.display().to_string(),
                source,
            })?
            .path();
        if path.is_dir() {
            collect_rule_files(&path, sources, compiled, depth + 1)?;
            continue;
        }
        match path.extension().and_then(|extension| extension.to_str()) {
            Some("yar" | "yara") => sources.push(path),
            Some("yarc") => compiled.push(path),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_error_next_to_a_unicode_line_break_is_reported_not_a_panic() {
        // annotate-snippets panics rendering these (found by the API's Schemathesis run on
        // POST /v1/retrohunts); the error must still come back with its code and position.
        for (source, column) in [
            ("rule a { condition: \u{0085} x }", 21),
            ("rule a {\u{0085} condition: true and x }", 9),
            ("\u{0085}", 1),
        ] {
            let error = RuleSet::compile([("probe", source)]).err().unwrap();
            assert_eq!(error.namespace, "probe");
            assert!(
                error
                    .code
                    .as_deref()
                    .is_some_and(|code| code.starts_with('E')),
                "{error:?}"
            );
            assert_eq!(
                (error.line, error.column),
                (Some(1), Some(column)),
                "{error:?}"
            );
            assert!(error.message.starts_with("error[E"), "{error:?}");
        }
        // An ordinary error keeps its rendered snippet.
        let error = RuleSet::compile([("probe", "rule a { condition: y }")])
            .err()
            .unwrap();
        assert!(error.message.contains("^ this identifier"), "{error:?}");
    }

    #[test]
    fn reports_rule_namespace_tags_metadata_and_offsets() {
        let rules = RuleSet::from_sources([(
            "demo",
            r#"rule two_hits : alpha beta { meta: level = 3 author = "x" strings: $a = "needle" condition: #a == 2 }"#,
        )])
        .unwrap();
        let found = rules
            .scan(b"..needle....needle", Duration::from_secs(5), 1)
            .unwrap();
        assert_eq!(found.len(), 1);
        let hit = &found[0];
        assert_eq!(
            (hit.rule.as_str(), hit.namespace.as_str()),
            ("two_hits", "demo")
        );
        assert_eq!(hit.tags, ["alpha", "beta"]);
        assert_eq!(hit.metadata.get("level"), Some(&serde_json::json!(3)));
        assert_eq!(
            hit.strings,
            [YaraStringMatch {
                identifier: "$a".to_owned(),
                count: 2,
                offsets: vec![2]
            }]
        );
    }

    #[test]
    fn compile_errors_carry_line_and_column() {
        let source = "rule ok { condition: true }\nrule broken {\n  condition: $missing\n}";
        let error = RuleSet::compile([("user", source)]).unwrap_err();
        assert_eq!(error.namespace, "user");
        assert_eq!(error.line, Some(3));
        assert_eq!(error.column, Some(14));
        assert!(error.code.is_some());
    }

    #[test]
    fn combined_sets_scan_with_every_part() {
        let first =
            RuleSet::from_sources([("a", "rule one { strings: $x = \"one\" condition: $x }")])
                .unwrap();
        let second =
            RuleSet::from_sources([("b", "rule two { strings: $x = \"two\" condition: $x }")])
                .unwrap();
        let both = RuleSet::combined(&[&first, &second]);
        let found = both.scan(b"one two", Duration::from_secs(5), 1).unwrap();
        let names: Vec<&str> = found.iter().map(|hit| hit.rule.as_str()).collect();
        assert_eq!(names, ["one", "two"]);
        assert_eq!(both.source_count(), 2);
    }

    #[test]
    fn bad_rules_are_a_compile_error() {
        let error = RuleSet::from_sources([("bad", "rule { condition: }")]).unwrap_err();
        assert_eq!(error.code(), "yara_compile_failed");
    }
}
