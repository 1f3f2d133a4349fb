//! The pipeline: runs every stage in order, times it, contains its failures, and assembles the
//! report. A failed stage leaves its part empty and its error in `stages[]`; the report always
//! comes back.

use std::sync::Arc;
use std::time::Instant;

use nexus_proto::report::{AnalysisReport, FileType, REPORT_SCHEMA_VERSION, StageReport};

use crate::config::EngineConfig;
use crate::error::EngineError;
use crate::guard::{contain, with_budget};
use crate::validate::Validation;
use crate::yara::RuleSet;
use crate::{
    ENGINE_VERSION, detect, elf, entropy, hashes, indicators, iocs, macho, pe, score, strings,
    validate,
};

/// A configured engine: limits plus compiled YARA rules. Cheap to share across threads (`&Engine`
/// is `Sync`), so one engine serves a whole worker pool.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    rules: Arc<RuleSet>,
}

impl Engine {
    /// An engine with `config` and `rules`.
    pub fn new(config: EngineConfig, rules: RuleSet) -> Self {
        Self {
            config,
            rules: Arc::new(rules),
        }
    }

    /// Default limits and the built-in YARA rules.
    pub fn with_builtin_rules() -> Result<Self, EngineError> {
        Ok(Self::new(EngineConfig::default(), RuleSet::builtin()?))
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Analyses `bytes`. Copies them once so that parsers can run on a worker thread under a time
    /// budget; use [`Engine::analyze_shared`] to avoid the copy.
    pub fn analyze(&self, bytes: &[u8]) -> AnalysisReport {
        self.analyze_shared::<[u8]>(Arc::from(bytes))
    }

    /// The report for a file that is over [`EngineConfig::max_file_size`] and was never read:
    /// only its size and the validation error. Lets callers skip reading huge files.
    pub fn too_large_report(&self, size: u64) -> AnalysisReport {
        let mut run = Run {
            report: AnalysisReport::default(),
            config: &self.config,
        };
        run.report.schema_version = REPORT_SCHEMA_VERSION.to_owned();
        run.report.engine_version = ENGINE_VERSION.to_owned();
        run.report.file.size = size;
        run.record(
            "validate",
            Instant::now(),
            Err::<(), _>(EngineError::TooLarge {
                size,
                limit: self.config.max_file_size,
            }),
        );
        run.finish();
        run.report
    }

    /// Analyses shared bytes: an `Arc<[u8]>`, or anything else that holds the whole sample
    /// addressable, such as a read-only memory map of a stored sample (nexus-analysis), so the
    /// format parsers' budgeted threads can share it without a copy.
    pub fn analyze_shared<B>(&self, shared: Arc<B>) -> AnalysisReport
    where
        B: AsRef<[u8]> + ?Sized + Send + Sync + 'static,
    {
        let bytes: &[u8] = (*shared).as_ref();
        let mut run = Run {
            report: AnalysisReport::default(),
            config: &self.config,
        };
        run.report.schema_version = REPORT_SCHEMA_VERSION.to_owned();
        run.report.engine_version = ENGINE_VERSION.to_owned();
        run.report.file.size = bytes.len() as u64;

        run.stage("validate", || {
            match validate::validate(bytes, &self.config)? {
                Validation::Proceed => Ok(()),
                Validation::ProceedTruncated(error) => Err(error),
            }
        });
        // Size problems stop here (an empty file still gets its hashes); a truncated header does not.
        let stop = run
            .report
            .stages
            .last()
            .and_then(|stage| stage.error_code.as_deref());
        if matches!(stop, Some("empty_file" | "too_large")) {
            if bytes.is_empty() {
                run.report.hashes = hashes::compute(bytes);
                run.report.file = detect::detect(bytes);
            }
            run.finish();
            return run.report;
        }

        if let Some(info) = run.stage("detect", || Ok(detect::detect(bytes))) {
            run.report.file = info;
        }
        if let Some(hashes) = run.stage("hashes", || Ok(hashes::compute(bytes))) {
            run.report.hashes = hashes;
        }
        if let Some(value) = run.stage("entropy", || Ok(entropy::shannon(bytes))) {
            run.report.entropy = value;
        }
        self.parse_format(&mut run, &shared);

        if let Some(extraction) = run.stage("strings", || Ok(strings::extract(bytes, &self.config)))
        {
            let strings::Extraction { report, for_iocs } = extraction;
            run.report.strings = report;
            if let Some(found) = run.stage("iocs", || Ok(iocs::extract(&for_iocs, &self.config))) {
                run.report.iocs = found;
            }
        }
        if let Some(matches) = run.stage("yara", || {
            self.rules.scan(
                bytes,
                self.config.yara_timeout,
                self.config.yara_max_offsets,
            )
        }) {
            run.report.yara = matches;
        }
        let started = Instant::now();
        let snapshot = &run.report;
        let derived = contain("indicators", || Ok(indicators::derive(snapshot)));
        if let Some(found) = run.record("indicators", started, derived) {
            run.report.indicators = found;
        }
        run.finish();
        run.report
    }

    fn parse_format<B>(&self, run: &mut Run<'_>, bytes: &Arc<B>)
    where
        B: AsRef<[u8]> + ?Sized + Send + Sync + 'static,
    {
        let budget = self.config.parse_time_budget;
        match run.report.file.file_type {
            FileType::Pe => {
                let (shared, config) = (Arc::clone(bytes), self.config.clone());
                let started = Instant::now();
                let result = with_budget("pe", budget, move || {
                    pe::analyze((*shared).as_ref(), &config)
                });
                if let Some(report) = run.record("pe", started, result) {
                    run.report.hashes.imphash = pe::imphash(&report.imports);
                    run.report.pe = Some(report);
                }
            }
            FileType::Elf => {
                let (shared, config) = (Arc::clone(bytes), self.config.clone());
                let started = Instant::now();
                let result = with_budget("elf", budget, move || {
                    elf::analyze((*shared).as_ref(), &config)
                });
                run.report.elf = run.record("elf", started, result);
            }
            FileType::Macho => {
                let (shared, config) = (Arc::clone(bytes), self.config.clone());
                let started = Instant::now();
                let result = with_budget("macho", budget, move || {
                    macho::analyze((*shared).as_ref(), &config)
                });
                run.report.macho = run.record("macho", started, result);
            }
            _ => {}
        }
    }
}

/// One analysis in progress.
struct Run<'a> {
    report: AnalysisReport,
    config: &'a EngineConfig,
}

impl Run<'_> {
    /// Runs an in-thread stage behind `catch_unwind` and records it.
    fn stage<T>(
        &mut self,
        name: &'static str,
        work: impl FnOnce() -> Result<T, EngineError>,
    ) -> Option<T> {
        let started = Instant::now();
        let result = contain(name, work);
        self.record(name, started, result)
    }

    /// Records a stage's duration and outcome.
    fn record<T>(
        &mut self,
        name: &'static str,
        started: Instant,
        result: Result<T, EngineError>,
    ) -> Option<T> {
        let ms = (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1_000.0;
        let (value, error, error_code) = match result {
            Ok(value) => (Some(value), None, None),
            Err(error) => (None, Some(error.to_string()), Some(error.code().to_owned())),
        };
        self.report.stages.push(StageReport {
            name: name.to_owned(),
            ms,
            error,
            error_code,
        });
        value
    }

    /// The score stage.
    fn finish(&mut self) {
        let _ = self.config;
        let started = Instant::now();
        let report = &self.report;
        let result = contain("score", || Ok(score::aggregate(report)));
        if let Some((score, verdict, reasons)) = self.record("score", started, result) {
            self.report.score = score;
            self.report.verdict = verdict;
            self.report.verdict_reasons = reasons;
        }
    }
}
