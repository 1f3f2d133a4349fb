//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Nexus Security command line.
#[derive(Debug, Parser)]
#[command(name = "nexus", version, about = "Nexus Security command line")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Statically analyse files (never executes them). Directories are walked recursively.
    Analyze(AnalyzeArgs),
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The versioned JSON report (an array of {path, report} for several files).
    Json,
    /// One JSON object {path, report} per line.
    Jsonl,
    /// A summary for people.
    Table,
}

/// Arguments of `nexus analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Files or directories to analyse.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// Directory of YARA rules (`.yar`/`.yara` sources, compiled `.yarc`), searched recursively.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Leave out the engine's built-in rules (EICAR, UPX, PowerShell cradle).
    #[arg(long)]
    pub no_builtin_rules: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Files analysed in parallel (default: number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Largest file analysed, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024 * 1024)]
    pub max_size: u64,
    /// YARA timeout per file, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub yara_timeout: u64,
    /// Minimum string length.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_string_length: usize,
    /// Maximum strings kept per report.
    #[arg(long, value_name = "N", default_value_t = 2_000)]
    pub max_strings: usize,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}
