//! `nexus analyze`: collect inputs, analyse them in parallel, print reports, pick the exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nexus_engine::{Engine, EngineConfig, RuleSet};
use nexus_proto::report::{AnalysisReport, VerdictHint};
use rayon::prelude::*;
use serde_json::json;

use crate::cli::{AnalyzeArgs, Format};
use crate::table;

/// Files from this size up get a spinner even when analysed alone.
const LARGE_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Process exit status of `nexus analyze`, most severe outcome wins (top to bottom):
/// rules error 5, unreadable input 4, malicious 3, usage error 2 (from clap), suspicious 1, else 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Every file analysed; nothing suspicious or malicious.
    Clean = 0,
    /// At least one file is suspicious (none malicious).
    Suspicious = 1,
    /// At least one file is malicious.
    Malicious = 3,
    /// At least one input could not be read (others were still analysed).
    InputError = 4,
    /// The YARA rules could not be loaded or compiled; nothing was analysed.
    RulesError = 5,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status as u8)
    }
}

/// One input's outcome.
enum Outcome {
    Report(Box<AnalysisReport>),
    Unreadable(String),
}

/// Runs the subcommand.
pub fn run(arguments: &AnalyzeArgs) -> ExitStatus {
    let rules = match load_rules(arguments) {
        Ok(rules) => rules,
        Err(message) => {
            eprintln!("nexus: {message}");
            return ExitStatus::RulesError;
        }
    };
    let config = EngineConfig {
        max_file_size: arguments.max_size,
        yara_timeout: Duration::from_secs(arguments.yara_timeout),
        min_string_length: arguments.min_string_length,
        max_strings: arguments.max_strings,
        ..EngineConfig::default()
    };
    let engine = Engine::new(config, rules);

    let (files, mut status) = collect_inputs(&arguments.paths);
    let walked_directory = arguments.paths.iter().any(|path| path.is_dir());
    let progress = progress_bar(arguments, &files, walked_directory);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(arguments.jobs.unwrap_or(0))
        .build();
    let analyse_all = || {
        files
            .par_iter()
            .map(|path| {
                let outcome = analyse_one(&engine, path, arguments.max_size);
                progress.inc(1);
                outcome
            })
            .collect::<Vec<Outcome>>()
    };
    let outcomes = match pool {
        Ok(pool) => pool.install(analyse_all),
        Err(_) => analyse_all(),
    };
    progress.finish_and_clear();

    let single = files.len() == 1 && !walked_directory;
    if let Err(error) = print(arguments.format, single, &files, &outcomes) {
        // A closed pipe (e.g. `| head`) is not worth a message.
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("nexus: cannot write output: {error}");
        }
    }
    for (path, outcome) in files.iter().zip(&outcomes) {
        let file_status = match outcome {
            Outcome::Unreadable(message) => {
                eprintln!("nexus: {}: {message}", path.display());
                ExitStatus::InputError
            }
            Outcome::Report(report) => match report.verdict {
                VerdictHint::Malicious => ExitStatus::Malicious,
                VerdictHint::Suspicious => ExitStatus::Suspicious,
                VerdictHint::Benign | VerdictHint::Unknown => ExitStatus::Clean,
            },
        };
        status = status.max(file_status);
    }
    status
}

fn load_rules(arguments: &AnalyzeArgs) -> Result<RuleSet, String> {
    let with_builtin = !arguments.no_builtin_rules;
    let loaded = match (&arguments.rules, with_builtin) {
        (Some(dir), _) => RuleSet::from_dir(dir, with_builtin),
        (None, true) => RuleSet::builtin(),
        (None, false) => Ok(RuleSet::empty()),
    };
    loaded.map_err(|error| error.to_string())
}

/// Expands directories (recursively, sorted, symlinks not followed) into files.
fn collect_inputs(paths: &[PathBuf]) -> (Vec<PathBuf>, ExitStatus) {
    let mut files = Vec::new();
    let mut status = ExitStatus::Clean;
    for path in paths {
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
                match entry {
                    Ok(entry) if entry.file_type().is_file() => files.push(entry.into_path()),
                    Ok(_) => {}
                    Err(error) => {
                        eprintln!("nexus: {error}");
                        status = ExitStatus::InputError;
                    }
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    (files, status)
}

fn progress_bar(arguments: &AnalyzeArgs, files: &[PathBuf], walked_directory: bool) -> ProgressBar {
    let large = files
        .iter()
        .any(|path| std::fs::metadata(path).is_ok_and(|meta| meta.len() >= LARGE_FILE_BYTES));
    let wanted = !arguments.no_progress
        && std::io::stderr().is_terminal()
        && (walked_directory || files.len() > 1 || large);
    if !wanted {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(files.len() as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} files ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn analyse_one(engine: &Engine, path: &Path, max_size: u64) -> Outcome {
    // Oversized files are not read into memory; the engine still reports the size problem.
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > max_size => {
            return Outcome::Report(Box::new(engine.too_large_report(meta.len())));
        }
        Err(error) => return Outcome::Unreadable(error.to_string()),
        Ok(_) => {}
    }
    match std::fs::read(path) {
        Ok(bytes) => Outcome::Report(Box::new(engine.analyze_shared::<[u8]>(Arc::from(bytes)))),
        Err(error) => Outcome::Unreadable(error.to_string()),
    }
}

fn print(
    format: Format,
    single: bool,
    files: &[PathBuf],
    outcomes: &[Outcome],
) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let reports = files
        .iter()
        .zip(outcomes)
        .filter_map(|(path, outcome)| match outcome {
            Outcome::Report(report) => Some((path, report.as_ref())),
            Outcome::Unreadable(_) => None,
        });
    match format {
        Format::Json if single => {
            if let Some((_, report)) = reports.into_iter().next() {
                serde_json::to_writer_pretty(&mut out, report)?;
                writeln!(out)?;
            }
        }
        Format::Json => {
            let all: Vec<_> = reports.map(|(path, report)| json!({ "path": path.display().to_string(), "report": report })).collect();
            serde_json::to_writer_pretty(&mut out, &all)?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for (path, report) in reports {
                serde_json::to_writer(
                    &mut out,
                    &json!({ "path": path.display().to_string(), "report": report }),
                )?;
                writeln!(out)?;
            }
        }
        Format::Table => {
            for (path, report) in reports {
                table::render(&mut out, path, report)?;
            }
        }
    }
    out.flush()
}
