//! `nexus`: the Nexus Security command line. `nexus analyze FILE|DIR...` runs the static-analysis
//! engine locally with no services; `nexus engine init|run` is the automated analyst.
//!
//! Layout: [`cli`] declares the arguments (clap derive), [`analyze`] runs the `analyze` subcommand,
//! [`table`] renders reports for people, [`engine`] is `nexus engine`. Exit codes are documented on [`analyze::ExitStatus`].

mod analyze;
mod cli;
mod engine;
mod table;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let arguments = cli::Cli::parse();
    match arguments.command {
        cli::Command::Analyze(options) => analyze::run(&options).into(),
        cli::Command::Engine(options) => match engine::main(&options) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("nexus engine: {error:#}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}
