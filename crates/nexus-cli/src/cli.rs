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
    /// The automated analyst: answers bounties with the static engine (docs/ENGINE_CLI.md).
    Engine(EngineArgs),
}

/// Arguments of `nexus engine`.
#[derive(Debug, clap::Args)]
pub struct EngineArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: EngineCommand,
}

/// `nexus engine` subcommands.
#[derive(Debug, Subcommand)]
pub enum EngineCommand {
    /// Write a commented engine.toml, an encrypted wallet keystore and a WebSocket key.
    Init(InitArgs),
    /// Answer bounties until stopped (SIGINT/SIGTERM); resumes from the state file.
    Run {
        /// The engine's config.
        #[arg(long, value_name = "FILE", default_value = "engine.toml")]
        config: PathBuf,
    },
    /// Sign the platform's WebSocket key registration challenge with the engine's key.
    SignWsRegistration(SignWsRegistrationArgs),
}

/// Arguments of `nexus engine init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Directory to create the files in.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// The gateway's URL written into the config.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    pub gateway_url: String,
    /// Environment variable holding the keystore password (else a prompt on a terminal).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "NEXUS_ENGINE_KEYSTORE_PASSWORD"
    )]
    pub password_env: String,
    /// Import the private key (64 hex digits) in this environment variable instead of creating
    /// a new one (never pass a key as an argument: other users see argv).
    #[arg(long, value_name = "NAME")]
    pub import_key_env: Option<String>,
}

/// Arguments of `nexus engine sign-ws-registration`.
#[derive(Debug, clap::Args)]
pub struct SignWsRegistrationArgs {
    /// The engine's config (its `platform.ws_key_file` is the key).
    #[arg(long, value_name = "FILE", default_value = "engine.toml")]
    pub config: PathBuf,
    /// The account's user id.
    #[arg(long, value_name = "UUID")]
    pub user_id: uuid::Uuid,
    /// The challenge from `POST /api/v1/users/me/ws-keys/challenge`.
    #[arg(long, value_name = "HEX")]
    pub challenge: String,
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
